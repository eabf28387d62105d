package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// Mentions and direct messages of the ente's Mastodon account reach the
// inbox (public and private apart); replies keep the thread and the
// visibility.
func TestMastodonChannel(t *testing.T) {
	notes, err := os.ReadFile("../channel/mastodon/testdata/notifications.json")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var posted []map[string]any
	var keys []string
	var more atomic.Bool // a later direct message, from another citizen
	inst := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer MASTO-TOKEN" {
			w.WriteHeader(401)
			w.Write([]byte(`{"error": "The access token is invalid"}`))
			return
		}
		switch r.URL.Path {
		case "/api/v1/notifications":
			if since := r.URL.Query().Get("since_id"); since != "" {
				if more.Load() && since == "34975861" {
					w.Write([]byte(`[{"id": "34975870", "type": "mention", "created_at": "2026-11-20T11:00:00.000Z",
  "account": {"id": "109400", "username": "marco", "acct": "marco@mastodon.example", "display_name": "Marco Neri"},
  "status": {"id": "113450000000000010", "created_at": "2026-11-20T11:00:00.000Z", "in_reply_to_id": null, "visibility": "direct",
    "content": "<p>@comune quando apre la biblioteca?</p>"}}]`))
					return
				}
				w.Write([]byte("[]"))
				return
			}
			w.Write(notes)
		case "/api/v1/statuses":
			var m map[string]any
			json.NewDecoder(r.Body).Decode(&m)
			mu.Lock()
			posted = append(posted, m)
			keys = append(keys, r.Header.Get("Idempotency-Key"))
			mu.Unlock()
			b, _ := os.ReadFile("../channel/mastodon/testdata/status_ok.json")
			w.Write(b)
		default:
			http.NotFound(w, r)
		}
	}))
	defer inst.Close()
	e := start(t, testdb.Open(t, store.SQLite), func(c *app.Config) { c.SweepEvery = 100 * time.Millisecond })
	ch := &redazione.Channel{Kind: redazione.ChannelMastodon, Name: "@comune", DeskID: e.desks[0].ID, Secret: auth.NewToken(""),
		Settings: map[string]string{"token": "MASTO-TOKEN", "api_base_url": inst.URL, "poll_interval": "100ms"}}
	if err := e.db.CreateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
		t.Fatal(err)
	}
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	tok := e.token(op)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, _ := e.count(tok); c == 2 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var l struct {
		Conversations []struct {
			ID     int64 `json:"id"`
			Public bool  `json:"public"`
		} `json:"conversations"`
	}
	e.apiGet(tok, "/api/v1/conversations", &l)
	if len(l.Conversations) != 2 {
		t.Fatalf("%d conversations, want a public and a private one", len(l.Conversations))
	}
	var dm, pub int64
	for _, c := range l.Conversations {
		if c.Public {
			pub = c.ID
		} else {
			dm = c.ID
		}
	}
	if dm == 0 || pub == 0 {
		t.Fatalf("conversations = %+v", l.Conversations)
	}
	b := e.login(op)
	if _, page := b.get(fmt.Sprintf("/conversations/%d", pub)); !strings.Contains(page, "la risposta sarà PUBBLICA") {
		t.Error("the public mention's composer does not say the answer will be public")
	}
	_, body := b.post(fmt.Sprintf("/conversations/%d/messages", dm), url.Values{"text": {"L'anagrafe apre alle 8:30."}, "kind": {"reply"}})
	if st, why := e.waitDelivery(tok, dm, msgIDRe(body), "sent", 10*time.Second); st != "sent" {
		t.Fatalf("delivery %q (%s)", st, why)
	}
	mu.Lock()
	if len(posted) != 1 || posted[0]["visibility"] != "direct" || posted[0]["in_reply_to_id"] != "113450000000000001" ||
		!strings.HasPrefix(posted[0]["status"].(string), "@lucia@mastodon.example ") || !strings.HasPrefix(keys[0], "redazione-") {
		t.Fatalf("posted %v (keys %v)", posted, keys)
	}
	mu.Unlock()

	// The administrator moves the account to another desk while it is being
	// polled: the next message goes to the new desk, without a restart.
	ch.DeskID = e.desks[1].ID
	if err := e.db.UpdateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
		t.Fatal(err)
	}
	more.Store(true)
	other := e.token(e.newUser(e.ente, redazione.RoleOperator, e.desks[1].ID))
	deadline = time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, _ := e.count(other); c == 1 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if c, _ := e.count(other); c != 1 {
		t.Fatalf("the new desk's operator sees %d conversations, want the message that came after the move", c)
	}
	if c, _ := e.count(tok); c != 2 {
		t.Errorf("the old desk's operator sees %d conversations, want still 2", c)
	}
}
