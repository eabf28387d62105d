package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// botAPICalls is a Bot API that records the calls about the bot itself.
type botAPICalls struct {
	*httptest.Server
	mu    sync.Mutex
	calls []map[string]any // method, and the body's fields
}

func newBotAPICalls(t *testing.T) *botAPICalls {
	b := &botAPICalls{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, method, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/bot"), "/")
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		if m == nil {
			m = map[string]any{}
		}
		m["method"] = method
		b.mu.Lock()
		b.calls = append(b.calls, m)
		b.mu.Unlock()
		if token != "123456:GOOD" {
			w.WriteHeader(401)
			w.Write(tgUpdate(t, "unauthorized.json"))
			return
		}
		w.Write(tgUpdate(t, "setwebhook_ok.json"))
	}))
	t.Cleanup(b.Close)
	return b
}

func (b *botAPICalls) snapshot() []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]map[string]any(nil), b.calls...)
}

// A Telegram bot added in the UI is registered with Telegram at once
// (setWebhook with the public https address and the channel's secret); a
// refusal or a non-https address is said plainly, and the button registers
// it again.
func TestTelegramWebhookRegisteredFromTheUI(t *testing.T) {
	t.Parallel()
	api := newBotAPICalls(t)
	e := start(t, testdb.Open(t, store.SQLite), func(c *app.Config) { c.PublicURL = "https://redazione.comune.example.it/" })
	admin := e.login(e.newUser(e.ente, redazione.RoleAdmin))
	add := func(name, token string) (*redazione.Channel, string) {
		t.Helper()
		code, page := admin.post("/admin/channels", url.Values{"kind": {"telegram"}, "name": {name}, "desk": {fmt.Sprint(e.desks[0].ID)},
			"set.token": {token}, "set.mode": {"webhook"}, "set.api_base_url": {api.URL}})
		if code != 200 {
			t.Fatalf("add %s: %d", name, code)
		}
		chs, _ := e.db.Channels(t.Context(), e.ente.ID)
		for _, c := range chs {
			if c.Name == name {
				return c, page
			}
		}
		t.Fatalf("%s not created", name)
		return nil, ""
	}

	bot, page := add("Bot del Comune", "123456:GOOD")
	hook := fmt.Sprintf("https://redazione.comune.example.it/hooks/telegram/%d", bot.ID)
	calls := api.snapshot()
	if len(calls) != 1 || calls[0]["method"] != "setWebhook" || calls[0]["url"] != hook || calls[0]["secret_token"] != bot.Secret {
		t.Fatalf("Bot API calls = %v", calls)
	}
	if !strings.Contains(page, "Bot del Comune: Telegram invierà i messaggi del bot a "+hook) || strings.Contains(page, "123456:GOOD") {
		t.Error("the page does not say the webhook is registered (or shows the token)")
	}
	_, audit := admin.get("/admin/audit")
	if !strings.Contains(audit, "channel.webhook") {
		t.Error("the registration is not in the audit trail")
	}

	_, page = add("Bot sbagliato", "999:BAD")
	if !strings.Contains(page, "alert-warning") || !strings.Contains(page, "setWebhook non riuscito: 401 Unauthorized") {
		t.Error("a refused registration is not explained")
	}

	// the button registers again
	if code, page := admin.post(fmt.Sprintf("/admin/channels/%d/telegram-webhook", bot.ID), url.Values{}); code != 200 ||
		!strings.Contains(page, "Telegram invierà i messaggi del bot") {
		t.Fatalf("register again: %d", code)
	}
	if n := len(api.snapshot()); n != 3 {
		t.Errorf("%d Bot API calls, want 3", n)
	}

	// Without a public https address Telegram cannot post: said, nothing called.
	plain := start(t, testdb.Open(t, store.SQLite))
	admin = plain.login(plain.newUser(plain.ente, redazione.RoleAdmin))
	_, page = admin.post("/admin/channels", url.Values{"kind": {"telegram"}, "name": {"Bot locale"}, "desk": {fmt.Sprint(plain.desks[0].ID)},
		"set.token": {"123456:GOOD"}, "set.mode": {"webhook"}, "set.api_base_url": {api.URL}})
	if !strings.Contains(page, "solo a un indirizzo https") || !strings.Contains(page, "modalità polling") {
		t.Error("a non-https address is not explained")
	}
	if n := len(api.snapshot()); n != 3 {
		t.Errorf("the Bot API was called for an http address (%d calls)", n)
	}
}

// A bot that was on a webhook is switched to polling: getUpdates is refused
// (409) until the webhook is deleted, which the poller does.
func TestTelegramPollingDeletesTheWebhook(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var methods []string
	webhook := true
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, method, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/bot"), "/")
		mu.Lock()
		defer mu.Unlock()
		methods = append(methods, method)
		switch {
		case method == "deleteWebhook":
			webhook = false
			w.Write(tgUpdate(t, "setwebhook_ok.json"))
		case method == "getUpdates" && webhook:
			w.WriteHeader(409)
			w.Write(tgUpdate(t, "getupdates_conflict.json"))
		case method == "getUpdates" && len(methods) < 5:
			fmt.Fprintf(w, `{"ok": true, "result": [%s]}`, tgUpdate(t, "text.json"))
		default:
			// a long poll with nothing new: Telegram answers it after a while
			select {
			case <-r.Context().Done():
			case <-time.After(100 * time.Millisecond):
			}
			fmt.Fprint(w, `{"ok": true, "result": []}`)
		}
	}))
	defer api.Close()
	e := start(t, testdb.Open(t, store.SQLite), func(c *app.Config) { c.SweepEvery = 100 * time.Millisecond })
	ch := &redazione.Channel{Kind: redazione.ChannelTelegram, Name: "Bot ora in polling", Secret: "s",
		Settings: map[string]string{"token": "T", "api_base_url": api.URL, "mode": "polling"}}
	if err := e.db.CreateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
		t.Fatal(err)
	}
	tok := e.token(e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID))
	waitUntil(10*time.Second, func() bool { _, m := e.count(tok); return m == 1 })
	if _, m := e.count(tok); m != 1 {
		mu.Lock()
		t.Fatalf("%d messages after polling; Bot API calls %v", m, methods)
	}
	mu.Lock()
	defer mu.Unlock()
	if methods[0] != "getUpdates" || methods[1] != "deleteWebhook" {
		t.Errorf("Bot API calls = %v, want getUpdates refused, then deleteWebhook", methods)
	}
}
