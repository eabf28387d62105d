package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// tgText is a private text message from the citizen Lucia as an update of
// the Bot API (channel/telegram/testdata/text.json, other ids and text).
func tgText(updateID, messageID int64, text string) string {
	b, _ := json.Marshal(map[string]any{"update_id": updateID, "message": map[string]any{
		"message_id": messageID, "date": 1763890000, "text": text,
		"from": map[string]any{"id": 1111111, "is_bot": false, "first_name": "Lucia", "last_name": "Ferri"},
		"chat": map[string]any{"id": 1111111, "first_name": "Lucia", "last_name": "Ferri", "type": "private"}}})
	return string(b)
}

// A polled bot's offset is kept in the database: a restart asks Telegram
// from where it stopped, not from the start. After a week without updates
// Telegram numbers them afresh from a random, possibly lower, value: those
// updates are stored (a message already stored is known by its own id, not
// by the update's) and the offset follows them down.
func TestTelegramPollingOffsetKept(t *testing.T) {
	t.Parallel()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var offsets []int64
			var batches []string // served in turn, one per getUpdates; then nothing new
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/botOFFSET-TOKEN/getUpdates" {
					http.NotFound(w, r)
					return
				}
				var req struct {
					Offset int64 `json:"offset"`
				}
				json.NewDecoder(r.Body).Decode(&req)
				mu.Lock()
				offsets = append(offsets, req.Offset)
				var batch string
				if len(batches) > 0 {
					batch, batches = batches[0], batches[1:]
				}
				mu.Unlock()
				if batch != "" {
					fmt.Fprintf(w, `{"ok": true, "result": [%s]}`, batch)
					return
				}
				select { // a long poll with nothing new
				case <-r.Context().Done():
				case <-time.After(100 * time.Millisecond):
				}
				fmt.Fprint(w, `{"ok": true, "result": []}`)
			}))
			defer api.Close()
			asked := func(want int64) bool {
				mu.Lock()
				defer mu.Unlock()
				return slices.Contains(offsets, want)
			}
			batches = []string{tgText(872345678, 2001, "Buongiorno, vorrei il certificato di residenza.") + "," + tgText(872345679, 2002, "Posso chiederlo online?")}

			dbURL := testdb.URL(t, d)
			db, err := store.Open(context.Background(), dbURL, "")
			if err != nil {
				t.Fatal(err)
			}
			fast := func(c *app.Config) { c.SweepEvery = 100 * time.Millisecond }
			e := start(t, db, fast)
			ch := &redazione.Channel{Kind: redazione.ChannelTelegram, Name: "Bot senza webhook", Secret: auth.NewToken(""),
				Settings: map[string]string{"token": "OFFSET-TOKEN", "api_base_url": api.URL, "mode": "polling"}}
			if err := e.db.CreateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
				t.Fatal(err)
			}
			op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
			tok := e.token(op)
			if !waitUntil(15*time.Second, func() bool { return asked(872345680) }) {
				t.Fatalf("the two updates were not confirmed (offsets asked: %v)", offsets)
			}
			if _, m := e.count(tok); m != 2 {
				t.Fatalf("%d messages before the restart, want 2", m)
			}

			// the office restarts
			e.srv.Close()
			e.app.Close(context.Background())
			mu.Lock()
			offsets = nil
			// one more update; then, a week later, update ids start again,
			// lower: the first is a message already stored (sent again), the
			// second is new
			batches = []string{tgText(872345680, 2003, "Serve la marca da bollo?"),
				tgText(5, 2002, "Posso chiederlo online?") + "," + tgText(6, 2004, "Grazie, l'ho trovato sul sito.")}
			mu.Unlock()
			db2, err := store.Open(context.Background(), dbURL, "")
			if err != nil {
				t.Fatal(err)
			}
			e2 := e.attach(t, db2, fast)
			if !waitUntil(15*time.Second, func() bool { return asked(7) }) {
				t.Fatalf("the updates numbered afresh were not confirmed (offsets asked: %v)", offsets)
			}
			mu.Lock()
			first := offsets[0]
			mu.Unlock()
			if first != 872345680 {
				t.Errorf("after the restart getUpdates asked offset %d first, want 872345680 (kept in the database)", first)
			}
			c, m := e2.count(tok)
			if c != 1 || m != 4 {
				t.Fatalf("%d conversations, %d messages; want 1 and 4 (the lower update stored, the repeat once)", c, m)
			}
			if off, err := db2.TelegramOffset(t.Context(), ch.ID); err != nil || off != 7 {
				t.Errorf("offset kept %d %v, want 7", off, err)
			}
		})
	}
}

// A bot added in polling mode from the administration is polled at once,
// not at the next sweep (an hour here): the page wakes the pollers through
// the job queue.
func TestTelegramPollingStartsWhenAdded(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		polled := make(chan struct{}, 1)
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/bot123456:ADDED/getUpdates" {
				http.NotFound(w, r)
				return
			}
			select {
			case polled <- struct{}{}:
			default:
			}
			select { // a long poll with nothing new
			case <-r.Context().Done():
			case <-time.After(100 * time.Millisecond):
			}
			fmt.Fprint(w, `{"ok": true, "result": []}`)
		}))
		defer api.Close()
		e := start(t, db, func(c *app.Config) { c.SweepEvery = time.Hour })
		admin := e.login(e.newUser(e.ente, redazione.RoleAdmin))
		code, body := admin.post("/admin/channels", url.Values{"kind": {"telegram"}, "name": {"Bot in polling"},
			"desk": {fmt.Sprint(e.desks[0].ID)}, "set.token": {"123456:ADDED"}, "set.mode": {"polling"}, "set.api_base_url": {api.URL}})
		if code != 200 || !strings.Contains(body, "Bot in polling") {
			t.Fatalf("adding the bot: %d", code)
		}
		select {
		case <-polled:
		case <-time.After(15 * time.Second):
			t.Fatal("the bot added in polling mode was not polled (it waits for the next sweep)")
		}
	})
}
