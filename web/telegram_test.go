package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/channel/telegram"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

func tgUpdate(t *testing.T, name string) []byte {
	b, err := os.ReadFile("../channel/telegram/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// botAPI is a fake Bot API server answering sendMessage as documented.
type botAPI struct {
	*httptest.Server
	mu     sync.Mutex
	sent   []map[string]any
	status int
}

func newBotAPI(t *testing.T) *botAPI {
	b := &botAPI{status: 200}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/botBOT-TOKEN-42/sendMessage" {
			http.NotFound(w, r)
			return
		}
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		b.mu.Lock()
		defer b.mu.Unlock()
		w.WriteHeader(b.status)
		if b.status == 200 {
			b.sent = append(b.sent, m)
			w.Write(tgUpdate(t, "send_ok.json"))
		} else {
			w.Write(tgUpdate(t, "send_403.json"))
		}
	}))
	t.Cleanup(b.Close)
	return b
}

func TestTelegramChannel(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		api := newBotAPI(t)
		ch := &redazione.Channel{Kind: redazione.ChannelTelegram, Name: "Bot del Comune", DeskID: e.desks[0].ID, Secret: auth.NewToken(""),
			Settings: map[string]string{"token": "BOT-TOKEN-42", "api_base_url": api.URL}}
		if err := db.CreateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
			t.Fatal(err)
		}
		var raw string
		db.WriteDB().QueryRowContext(t.Context(), "SELECT settings FROM channels WHERE id = "+fmt.Sprint(ch.ID)).Scan(&raw)
		if raw == "" || strings.Contains(raw, "BOT-TOKEN-42") {
			t.Fatalf("the bot token is stored in clear: %q", raw)
		}
		post := func(body []byte, secret string) (int, map[string]any) {
			req, _ := http.NewRequest("POST", fmt.Sprintf("%s/hooks/telegram/%d", e.srv.URL, ch.ID), bytes.NewReader(body))
			if secret != "" {
				req.Header.Set(telegram.SecretHeader, secret)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out map[string]any
			b, _ := io.ReadAll(resp.Body)
			json.Unmarshal(b, &out)
			return resp.StatusCode, out
		}
		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		tok := e.token(op)
		count := func() (int, int) { return e.count(tok) }

		for _, secret := range []string{"", "sbagliato"} {
			if code, _ := post(tgUpdate(t, "text.json"), secret); code != 401 {
				t.Errorf("secret %q: %d, want 401", secret, code)
			}
		}
		if code, _ := post([]byte(`{"update_id": 1, "message": `), ch.Secret); code != 400 {
			t.Errorf("malformed: %d, want 400", code)
		}
		if code, _ := post(bytes.Repeat([]byte("a"), redazione.MaxMessageBytes+10), ch.Secret); code != 413 {
			t.Errorf("oversized: %d, want 413", code)
		}
		if c, m := count(); c != 0 || m != 0 {
			t.Fatalf("refused updates stored %d conversations, %d messages", c, m)
		}
		code, out := post(tgUpdate(t, "text.json"), ch.Secret)
		if code != 200 || out["duplicate"] != false {
			t.Fatalf("text update: %d %v", code, out)
		}
		if code, out := post(tgUpdate(t, "text.json"), ch.Secret); code != 200 || out["duplicate"] != true {
			t.Fatalf("redelivered update: %d %v, want 200 duplicate", code, out)
		}
		for _, f := range []string{"photo.json", "document.json", "location.json"} {
			if code, _ := post(tgUpdate(t, f), ch.Secret); code != 200 {
				t.Fatalf("%s: %d", f, code)
			}
		}
		if code, out := post(tgUpdate(t, "group.json"), ch.Secret); code != 200 || out["ignored"] != true {
			t.Fatalf("group.json: %d %v, want 200 ignored", code, out)
		}
		var l apiList
		e.apiGet(tok, "/api/v1/conversations", &l)
		conv := l.Conversations[0].ID
		b := e.login(op)
		// The citizen edits their first message: the operator's open thread
		// hears of it, and shows the new text with the one it replaced.
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		evs := b.events(ctx, "/events")
		if code, out := post(tgUpdate(t, "edited.json"), ch.Secret); code != 200 || out["edited"] != float64(1) {
			t.Fatalf("edited.json: %d %v, want 200 edited 1", code, out)
		}
		if !waitEvent(t, evs, "delivery", fmt.Sprint(conv), 15*time.Second) {
			t.Errorf("no live event for the edit on the operator's screen")
		}
		if code, out := post(tgUpdate(t, "edited.json"), ch.Secret); code != 200 || out["edited"] != float64(0) {
			t.Fatalf("edited.json again: %d %v, want 200 edited 0", code, out)
		}
		if c, m := count(); c != 1 || m != 4 {
			t.Fatalf("%d conversations, %d messages; want 1 and 4", c, m)
		}
		_, page := b.get(fmt.Sprintf("/conversations/%d", conv))
		for _, want := range []string{"Lucia Ferri", "[foto]", "La buca in via Mazzini", "[documento: ricorso.pdf]", "openstreetmap.org",
			"Buongiorno, a che ora apre l&#39;ufficio anagrafe?", "Modificato dal cittadino", "Testi precedenti (1)", "Buongiorno, a che ora apre l&#39;anagrafe?"} {
			if !strings.Contains(page, want) {
				t.Errorf("the thread lacks %q", want)
			}
		}
		// the reply goes out through sendMessage
		_, body := b.post(fmt.Sprintf("/conversations/%d/messages", conv), url.Values{"text": {"Buongiorno Lucia, l'anagrafe apre alle 8:30."}, "kind": {"reply"}})
		if st, why := e.waitDelivery(tok, conv, msgIDRe(body), "sent", 10*time.Second); st != "sent" {
			t.Fatalf("delivery %q (%s)", st, why)
		}
		api.mu.Lock()
		if len(api.sent) != 1 || api.sent[0]["chat_id"] != float64(1111111) || !strings.Contains(api.sent[0]["text"].(string), "8:30") {
			t.Fatalf("sendMessage got %v", api.sent)
		}
		api.status = 403
		api.mu.Unlock()
		_, body = b.post(fmt.Sprintf("/conversations/%d/messages", conv), url.Values{"text": {"Ci è arrivato?"}, "kind": {"reply"}})
		if st, why := e.waitDelivery(tok, conv, msgIDRe(body), "failed", 10*time.Second); st != "failed" || !strings.Contains(why, "blocked") {
			t.Fatalf("blocked bot: %q (%s), want failed with the reason", st, why)
		}
		// the channel's health, for administrators
		admin := e.login(e.newUser(e.ente, redazione.RoleAdmin))
		channelHealth := func() (string, string) {
			_, page := admin.get("/admin/channels")
			i := strings.Index(page, "Bot del Comune")
			if i < 0 {
				t.Fatal("the Telegram channel is not listed")
			}
			health := page[i:]
			return health[:strings.Index(health, "</p>")], page
		}
		health, page := channelHealth()
		if strings.Contains(health, "mai") || !strings.Contains(health, "Ultimo messaggio ricevuto: <time") ||
			!strings.Contains(health, `text-danger channel-error">Ultimo errore (<time`) || !strings.Contains(health, "blocked") || strings.Contains(page, "BOT-TOKEN-42") {
			t.Errorf("channel health = %s", health)
		}
		// The bot is unblocked and the next reply goes out: the error is
		// shown as past, with when the channel worked again, no longer in red.
		api.mu.Lock()
		api.status = 200
		api.mu.Unlock()
		_, body = b.post(fmt.Sprintf("/conversations/%d/messages", conv), url.Values{"text": {"Ora le risposte arrivano."}, "kind": {"reply"}})
		if st, why := e.waitDelivery(tok, conv, msgIDRe(body), "sent", 10*time.Second); st != "sent" {
			t.Fatalf("delivery after the error %q (%s)", st, why)
		}
		if health, _ = channelHealth(); strings.Contains(health, "text-danger") || !strings.Contains(health, `channel-error-past">Ultimo errore, ora superato (<time`) ||
			!strings.Contains(health, "il canale funziona di nuovo da <time") || !strings.Contains(health, "blocked") {
			t.Errorf("channel health after a delivered reply = %s", health)
		}
	})
}

// Without a public address, the bot's updates are fetched by long polling;
// each is confirmed to Telegram only once stored.
func TestTelegramPolling(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var offsets []float64
	served := false
	asked := make(chan struct{}, 100) // one per getUpdates
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/botPOLL-TOKEN/getUpdates" {
			http.NotFound(w, r)
			return
		}
		var req map[string]any
		json.NewDecoder(r.Body).Decode(&req)
		mu.Lock()
		offsets = append(offsets, req["offset"].(float64))
		select {
		case asked <- struct{}{}:
		default: // the test has seen enough polls
		}
		first := !served
		served = true
		mu.Unlock()
		if first {
			fmt.Fprintf(w, `{"ok": true, "result": [%s, %s, %s]}`, tgUpdate(t, "text.json"), tgUpdate(t, "photo.json"), tgUpdate(t, "edited.json"))
			return
		}
		select { // a long poll with nothing new
		case <-r.Context().Done():
		case <-time.After(200 * time.Millisecond):
		}
		fmt.Fprint(w, `{"ok": true, "result": []}`)
	}))
	defer api.Close()
	e := start(t, testdb.Open(t, store.SQLite), func(c *app.Config) { c.SweepEvery = 100 * time.Millisecond })
	ch := &redazione.Channel{Kind: redazione.ChannelTelegram, Name: "Bot senza webhook", Secret: auth.NewToken(""),
		Settings: map[string]string{"token": "POLL-TOKEN", "api_base_url": api.URL, "mode": "polling"}}
	if err := e.db.CreateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
		t.Fatal(err)
	}
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	tok := e.token(op)
	waitUntil(10*time.Second, func() bool { _, m := e.count(tok); return m == 2 })
	if c, m := e.count(tok); c != 1 || m != 2 {
		t.Fatalf("%d conversations, %d messages after polling; want 1 and 2", c, m)
	}
	// the poll after the first is the one that confirms the updates
	for i := 0; i < 2; i++ {
		select {
		case <-asked:
		case <-time.After(10 * time.Second):
			t.Fatalf("getUpdates asked %d times, want at least 2", i)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(offsets) < 2 || offsets[0] != 0 || offsets[1] != 10005 {
		t.Fatalf("offsets asked: %v; want 0, then 10005 to confirm the three updates", offsets)
	}
}
