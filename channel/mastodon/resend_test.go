package mastodon

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
)

// forgetfulInstance ignores Idempotency-Key (as GoToSocial does) and, when
// hang is set, stores the first status posted and then never answers, as an
// instance overloaded behind its proxy.
type forgetfulInstance struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []map[string]any // the account's statuses, newest first
	posts    int
	hang     bool
	drop     bool // store the next status, then close the connection unanswered
}

func newForgetful(t *testing.T) *forgetfulInstance {
	f := &forgetfulInstance{}
	me, err := os.ReadFile("testdata/verify_credentials.json")
	if err != nil {
		t.Fatal(err)
	}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		switch {
		case r.Method == "GET" && r.URL.Path == "/api/v1/accounts/verify_credentials":
			w.Write(me)
		case r.Method == "GET" && r.URL.Path == "/api/v1/accounts/14715/statuses":
			json.NewEncoder(w).Encode(f.statuses)
		case r.Method == "POST" && r.URL.Path == "/api/v1/statuses":
			var p struct {
				Status      string `json:"status"`
				InReplyToID string `json:"in_reply_to_id"`
				Visibility  string `json:"visibility"`
			}
			json.NewDecoder(r.Body).Decode(&p)
			f.posts++
			mention, text, _ := strings.Cut(p.Status, " ")
			st := map[string]any{"id": fmt.Sprint(113460000000000000 + f.posts), "created_at": time.Now().UTC().Format(time.RFC3339Nano),
				"in_reply_to_id": p.InReplyToID, "visibility": p.Visibility,
				"content": `<p><span class="h-card"><a href="https://mastodon.example/` + mention + `" class="u-url mention">@<span>x</span></a></span> ` +
					strings.ReplaceAll(strings.ReplaceAll(text, "&", "&amp;"), "\n", "<br />") + "</p>"}
			f.statuses = append([]map[string]any{st}, f.statuses...)
			if f.drop {
				f.drop = false
				if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
					conn.Close()
				}
				return
			}
			if f.hang {
				f.hang = false
				f.mu.Unlock()
				<-r.Context().Done() // the client gives up first
				f.mu.Lock()
				return
			}
			json.NewEncoder(w).Encode(st)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

// A reply whose first attempt timed out after the instance stored it is
// not posted again, even by an instance that ignores Idempotency-Key: the
// retry finds it among the account's statuses and records it as delivered.
// A retry that finds nothing posts; a first attempt does not look.
func TestRetriedReplyIsNotPostedTwice(t *testing.T) {
	t.Parallel()
	inst := newForgetful(t)
	inst.hang = true
	ch := &redazione.Channel{Settings: map[string]string{"api_base_url": inst.URL, "token": "MASTO-TOKEN"}}
	conv := &redazione.Conversation{ID: 1, Contact: redazione.Contact{ExternalID: "lucia@mastodon.example"}}
	s := Sender{Client: &http.Client{Timeout: 300 * time.Millisecond},
		LastInbound: func(context.Context, int64) (string, error) { return "113450000000000001", nil }}
	m := &redazione.Message{ID: 7, Text: "L'anagrafe apre alle 8:30 & chiude alle 12.\nGrazie", CreatedAt: time.Now()}
	if err := s.Send(channel.WithAttempt(t.Context(), 1), ch, conv, m); err == nil {
		t.Fatal("the first attempt timed out, yet no error")
	}
	m.Attempts = 1 // as the delivery records it
	if err := s.Send(channel.WithAttempt(t.Context(), 2), ch, conv, m); err != nil {
		t.Fatalf("retry: %v", err)
	}
	inst.mu.Lock()
	posts := inst.posts
	inst.mu.Unlock()
	if posts != 1 || m.ExternalID != "113460000000000001" {
		t.Fatalf("posted %d times, recorded as %q; want once, the status stored by the first attempt", posts, m.ExternalID)
	}

	// another reply, whose first attempt never reached the instance: the
	// retry looks, finds nothing with its text, and posts
	m2 := &redazione.Message{ID: 8, Text: "Il parco riapre lunedì.", CreatedAt: time.Now(), Attempts: 1}
	if err := s.Send(channel.WithAttempt(t.Context(), 2), ch, conv, m2); err != nil {
		t.Fatal(err)
	}
	// a process killed in the middle of a send: the reply counts no
	// attempt, the job does
	m3 := &redazione.Message{ID: 9, Text: "Il parco riapre lunedì.", CreatedAt: time.Now()}
	if err := s.Send(channel.WithAttempt(t.Context(), 2), ch, conv, m3); err != nil {
		t.Fatal(err)
	}
	inst.mu.Lock()
	defer inst.mu.Unlock()
	if inst.posts != 2 || m2.ExternalID != "113460000000000002" || m3.ExternalID != m2.ExternalID {
		t.Fatalf("posted %d times (%q, %q); want the second reply posted once and found by the rescued job", inst.posts, m2.ExternalID, m3.ExternalID)
	}
}

// A retry that cannot tell whether the reply was posted sends nothing and
// says why; the search itself reads the account's statuses as documented.
func TestFindPosted(t *testing.T) {
	t.Parallel()
	statuses, err := os.ReadFile("testdata/account_statuses.json")
	if err != nil {
		t.Fatal(err)
	}
	me, _ := os.ReadFile("testdata/verify_credentials.json")
	down := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case down:
			http.Error(w, `{"error":"Service Unavailable"}`, http.StatusServiceUnavailable)
		case r.URL.Path == "/api/v1/accounts/verify_credentials":
			w.Write(me)
		case r.URL.Path == "/api/v1/accounts/14715/statuses" && r.URL.Query().Get("exclude_reblogs") == "true":
			w.Write(statuses)
		case r.Method == "POST":
			t.Error("posted while the instance could not be asked")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ch := &redazione.Channel{Settings: map[string]string{"api_base_url": srv.URL, "token": "T"}}
	since := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		replyTo, text string
		since         time.Time
		want          string
	}{
		{"113450000000000002", "Il parco riapre lunedì.", since, "113450000000000098"},
		{"", "Il  parco riapre\nlunedì.", since, "113450000000000098"},
		{"113450000000000003", "Il parco riapre lunedì.", since, ""},                // another status answered
		{"113450000000000002", "Il parco riapre martedì.", since, ""},               // another text
		{"113450000000000002", "Il parco riapre lunedì.", since.Add(time.Hour), ""}, // an older reply
	} {
		got, err := FindPosted(t.Context(), srv.Client(), ch, tc.replyTo, tc.text, tc.since)
		if err != nil || got != tc.want {
			t.Errorf("%s %q: %q %v, want %q", tc.replyTo, tc.text, got, err, tc.want)
		}
	}
	down = true
	m := &redazione.Message{ID: 1, Text: "Il parco riapre lunedì.", Attempts: 2}
	err = Sender{Client: srv.Client()}.Send(t.Context(), ch, &redazione.Conversation{Contact: redazione.Contact{ExternalID: "lucia"}}, m)
	if err == nil || !strings.Contains(err.Error(), "non è stato possibile verificare se la risposta è già su Mastodon") {
		t.Fatalf("instance down on a retry: %v", err)
	}
}

// A status stored by an instance that then drops the connection unanswered
// is posted once: Go's transport would send a request carrying an
// Idempotency-Key again by itself on a reused connection, and an instance
// that ignores the key would post it twice.
func TestDroppedPostIsNotReplayed(t *testing.T) {
	t.Parallel()
	inst := newForgetful(t)
	ch := &redazione.Channel{Settings: map[string]string{"api_base_url": inst.URL, "token": "MASTO-TOKEN"}}
	client := &http.Client{Timeout: 5 * time.Second}
	// a first status warms a connection up, to be reused
	if _, _, err := (Sender{Client: client}).Publish(t.Context(), ch, 1, "Avviso: chiusura del ponte"); err != nil {
		t.Fatal(err)
	}
	inst.mu.Lock()
	inst.drop = true
	inst.mu.Unlock()
	if _, _, err := (Sender{Client: client}).Publish(t.Context(), ch, 2, "Avviso: riapertura del ponte"); err == nil {
		t.Fatal("no answer came, yet no error")
	}
	inst.mu.Lock()
	defer inst.mu.Unlock()
	if inst.posts != 2 {
		t.Fatalf("%d statuses posted, want 2: the dropped one was sent again by the transport", inst.posts)
	}
}
