package mastodon

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/jobs"
)

func TestParseNotifications(t *testing.T) {
	b, err := os.ReadFile("testdata/notifications.json")
	if err != nil {
		t.Fatal(err)
	}
	var ns []Notification
	if err := json.Unmarshal(b, &ns); err != nil {
		t.Fatal(err)
	}
	ins := Parse(ns)
	if len(ins) != 2 {
		t.Fatalf("%d messages, want the two mentions (not the favourite)", len(ins))
	}
	pub, dm := ins[0], ins[1]
	if !pub.Public || pub.Text != "il parco di via Verdi è chiuso?" || pub.ContactID != "lucia@mastodon.example" || pub.ContactName != "Lucia Ferri" {
		t.Errorf("public mention = %+v", pub)
	}
	if dm.Public || dm.Text != "buongiorno,\nvorrei sapere gli orari dell'anagrafe" || dm.ExternalID != "113450000000000001" {
		t.Errorf("direct message = %+v", dm)
	}
}

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		`<p><span class="h-card"><a href="x" class="u-url mention">@<span>comune</span></a></span> ciao &amp; grazie</p>`: "ciao & grazie",
		`<p>@comune@social.example @altro prima riga<br />seconda</p>`:                                                    "prima riga\nseconda",
		`<script>alert(1)</script>testo`: "alert(1)testo",
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRateLimitReset(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		reset, retry string
		want         time.Duration
	}{
		{reset: "2026-11-26T10:05:00.000Z", want: 5 * time.Minute}, // as Mastodon sends it
		{reset: "2026-11-26T09:00:00Z", want: 0},                   // already past
		{retry: "7", want: 7 * time.Second},
		{want: 0},
	} {
		h := http.Header{}
		if tc.reset != "" {
			h.Set("X-RateLimit-Reset", tc.reset)
		}
		if tc.retry != "" {
			h.Set("Retry-After", tc.retry)
		}
		if got := rateLimitReset(h, now); got != tc.want {
			t.Errorf("reset %q retry %q: %v, want %v", tc.reset, tc.retry, got, tc.want)
		}
	}
}

// FuzzParse feeds the notifications parser what an instance (or a hostile
// one) might answer: no panic, and every message kept names its status, its
// author and some text.
func FuzzParse(f *testing.F) {
	b, err := os.ReadFile("testdata/notifications.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`[{"type": "mention", "status": {"id": "1", "visibility": "direct", "content": "<p>ciao</p>", "account": {"acct": "a"}}}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var ns []Notification
		if json.Unmarshal(body, &ns) != nil {
			return
		}
		for _, in := range Parse(ns) {
			if err := in.Validate(); err != nil {
				t.Fatalf("kept a message the store refuses: %+v: %v", in, err)
			}
		}
	})
}

// An "update" notification (a status the account received was edited) is a
// revision of the message stored with the status id; a mention is not.
func TestRevisions(t *testing.T) {
	var ns []Notification
	body := `[{"id": "9", "type": "update", "created_at": "2026-11-20T11:06:00.000Z", "account": {"id": "1", "acct": "anna@mastodon.example"},
	  "status": {"id": "113450000040000001", "created_at": "2026-11-20T11:00:00.000Z", "edited_at": "2026-11-20T11:05:00.000Z", "visibility": "direct",
	    "content": "<p><span class=\"h-card\"><a href=\"https://social.comune.example.it/@comune\" class=\"u-url mention\">@<span>comune</span></a></span> quando apre l&#39;ufficio tributi?</p>"}},
	 {"id": "10", "type": "mention", "account": {"id": "2", "acct": "bruno@mastodon.example"}, "status": {"id": "5", "content": "<p>ciao</p>"}},
	 {"id": "11", "type": "update", "account": {"id": "1", "acct": "anna@mastodon.example"}, "status": {"id": "6", "content": "<p></p>"}}]`
	if err := json.Unmarshal([]byte(body), &ns); err != nil {
		t.Fatal(err)
	}
	revs := Revisions(ns)
	if len(revs) != 1 || revs[0].ExternalID != "113450000040000001" || revs[0].Text != "quando apre l'ufficio tributi?" ||
		!revs[0].At.Equal(time.Date(2026, 11, 20, 11, 5, 0, 0, time.UTC)) {
		t.Fatalf("revisions = %+v", revs)
	}
}

// An image upload refused for a rate limit (Mastodon limits uploads on
// their own, 30 every 30 minutes) is a "try again later", when Mastodon
// says; a refused file is a final "no" with Mastodon's reason.
func TestPublishImageRefusals(t *testing.T) {
	reset := time.Now().Add(10 * time.Minute).UTC().Truncate(time.Second)
	for _, tc := range []struct {
		name      string
		status    int
		header    map[string]string
		body      string
		want      string
		permanent bool
		later     time.Duration
	}{
		{name: "rate limit", status: 429, body: `{"error":"Too many requests"}`,
			header: map[string]string{"X-RateLimit-Limit": "30", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset.Format("2006-01-02T15:04:05.000Z")},
			want:   "Mastodon chiede di riprovare: 429 Too Many Requests Too many requests", later: 10 * time.Minute},
		{name: "outage", status: 503, body: `{"error":"Service Unavailable"}`, want: "Mastodon chiede di riprovare: 503"},
		{name: "file refused", status: 422, body: `{"error":"File type of uploaded media could not be verified"}`,
			want: "Mastodon ha rifiutato l'immagine: 422 Unprocessable Entity File type of uploaded media could not be verified", permanent: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				if r.Method != "POST" || r.URL.Path != "/api/v2/media" {
					http.Error(w, "unexpected", http.StatusNotFound)
					return
				}
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			ch := &redazione.Channel{Settings: map[string]string{"api_base_url": srv.URL, "token": "secret-token"}}
			img := channel.File{Name: "piazza.png", ContentType: "image/png", Size: 4, Body: io.NopCloser(strings.NewReader("\x89PNG"))}
			_, _, err := Sender{}.PublishImage(t.Context(), ch, 7, "La piazza", img, "La piazza rinnovata")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			var perm jobs.Permanent
			if errors.As(err, &perm) != tc.permanent {
				t.Errorf("final: %v, want %v", !tc.permanent, tc.permanent)
			}
			var later jobs.Later
			if got := errors.As(err, &later); got != (tc.later > 0) || got && (later.After <= tc.later-time.Minute || later.After > tc.later) {
				t.Errorf("try again after %v (%v), want %v", later.After, got, tc.later)
			}
		})
	}
}
