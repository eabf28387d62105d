package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

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
	t.Parallel()
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
		case "/api/v2/instance":
			// An instance with a limit of its own, and no streaming.
			w.Write([]byte(`{"domain": "mastodon.example", "configuration": {"statuses": {"max_characters": 520, "characters_reserved_per_url": 23}}}`))
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
	e.waitCount(tok, 2, 10*time.Second)
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
	// Longer than the instance takes ("@lucia " and 514 characters of its
	// 520): refused when sent, with the instance's count, nothing stored
	// or posted; the composer then counts to the instance's limit.
	code, body := b.post(fmt.Sprintf("/conversations/%d/messages", dm), url.Values{"text": {strings.Repeat("è", 514)}, "kind": {"reply"}})
	if code != 400 || !strings.Contains(body, "il testo ha 514 caratteri: con la menzione del cittadino, questa istanza Mastodon ne accetta al massimo 513") {
		t.Fatalf("an answer of 514 characters on an instance of 520: %d, want 400 saying why", code)
	}
	if _, page := b.get(fmt.Sprintf("/conversations/%d", dm)); !strings.Contains(page, `data-limit="513"`) || !strings.Contains(page, `data-count-as="mastodon"`) {
		t.Error("the composer does not count to the instance's limit as Mastodon counts")
	}
	_, body = b.post(fmt.Sprintf("/conversations/%d/messages", dm), url.Values{"text": {"L'anagrafe apre alle 8:30."}, "kind": {"reply"}})
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
	e.waitCount(other, 1, 10*time.Second)
	if c, _ := e.count(other); c != 1 {
		t.Fatalf("the new desk's operator sees %d conversations, want the message that came after the move", c)
	}
	if c, _ := e.count(tok); c != 2 {
		t.Errorf("the old desk's operator sees %d conversations, want still 2", c)
	}
}

// fakeInstance is a Mastodon instance speaking the documented notifications
// and streaming APIs: notifications are listed newest first and after
// since_id; the user stream sends server-sent events pushed by the test.
type fakeInstance struct {
	*httptest.Server
	mu        sync.Mutex
	notes     []string // JSON notifications, oldest first
	streamOK  bool
	push      chan string   // a notification to stream
	pushRaw   chan string   // a whole event to stream (edits, deletions)
	drop      chan struct{} // closes the open stream
	connected chan struct{} // a stream was accepted
	refused   chan struct{} // a stream was refused (503)
	posted    []map[string]any
	// statuses are the account's own, newest first, as posted
	statuses []map[string]any
	// gone and edited change the statuses notified, as their authors do
	gone   map[string]bool
	edited map[string]string // status id -> the Status JSON now
	// swallow: the next status posted is stored and no answer comes (this
	// fake, like GoToSocial, ignores Idempotency-Key)
	swallow bool

	// WebSocket streaming (GET /api/v1/streaming), when ws is set: the
	// instance says where it streams, and only there
	ws          atomic.Bool
	wsPush      chan string // a whole WebSocket message
	wsConnected chan struct{}
}

func newFakeInstance(t *testing.T, streamOK bool) *fakeInstance {
	f := &fakeInstance{streamOK: streamOK, push: make(chan string), pushRaw: make(chan string), drop: make(chan struct{}), connected: make(chan struct{}, 10), refused: make(chan struct{}, 1),
		gone: map[string]bool{}, edited: map[string]string{}, wsPush: make(chan string), wsConnected: make(chan struct{}, 10)}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v2/instance" && f.ws.Load() {
			// public: where the instance streams
			b, _ := os.ReadFile("../channel/mastodon/testdata/instance_v2.json")
			w.Write(bytes.Replace(b, []byte("wss://mastodon.social"), []byte("ws"+strings.TrimPrefix(f.URL, "http")), 1))
			return
		}
		if r.Header.Get("Authorization") != "Bearer MASTO-TOKEN" {
			w.WriteHeader(401)
			w.Write([]byte(`{"error": "The access token is invalid"}`))
			return
		}
		switch r.URL.Path {
		case "/api/v1/streaming":
			if !f.ws.Load() || r.URL.Query().Get("stream") != "user" {
				w.WriteHeader(400)
				w.Write([]byte(`{"error": "Unknown channel requested"}`))
				return
			}
			c, err := websocket.Accept(w, r, nil)
			if err != nil {
				return
			}
			defer c.CloseNow()
			f.wsConnected <- struct{}{}
			for {
				select {
				case m := <-f.wsPush:
					if c.Write(r.Context(), websocket.MessageText, []byte(m)) != nil {
						return
					}
				case <-f.drop:
					c.Close(websocket.StatusGoingAway, "restarting")
					return
				case <-r.Context().Done():
					return
				}
			}
		case "/api/v1/accounts/verify_credentials":
			b, _ := os.ReadFile("../channel/mastodon/testdata/verify_credentials.json")
			w.Write(b)
		case "/api/v1/accounts/14715/statuses":
			f.mu.Lock()
			json.NewEncoder(w).Encode(f.statuses)
			f.mu.Unlock()
		case "/api/v1/notifications":
			since := r.URL.Query().Get("since_id")
			f.mu.Lock()
			var out []string
			for i := len(f.notes) - 1; i >= 0; i-- {
				var n struct{ ID string }
				json.Unmarshal([]byte(f.notes[i]), &n)
				if since == "" || len(n.ID) > len(since) || (len(n.ID) == len(since) && n.ID > since) {
					out = append(out, f.notes[i])
				}
			}
			f.mu.Unlock()
			w.Write([]byte("[" + strings.Join(out, ",") + "]"))
		case "/api/v1/streaming/user":
			if !f.streamOK {
				select {
				case f.refused <- struct{}{}:
				default:
				}
				w.WriteHeader(503)
				w.Write([]byte(`{"error": "Streaming unavailable"}`))
				return
			}
			w.Header().Set("Content-Type", "text/event-stream")
			w.WriteHeader(200)
			w.Write([]byte(":)\n\n"))
			w.(http.Flusher).Flush()
			f.connected <- struct{}{}
			for {
				select {
				case n := <-f.push:
					fmt.Fprintf(w, ":thump\n\nevent: notification\ndata: %s\n\n", n)
					w.(http.Flusher).Flush()
				case ev := <-f.pushRaw:
					fmt.Fprint(w, ev)
					w.(http.Flusher).Flush()
				case <-f.drop:
					return
				case <-r.Context().Done():
					return
				}
			}
		case "/api/v1/statuses":
			var m map[string]any
			json.NewDecoder(r.Body).Decode(&m)
			f.mu.Lock()
			f.posted = append(f.posted, m)
			text, _ := m["status"].(string)
			_, text, _ = strings.Cut(text, " ") // the mention, rendered as a link
			st := map[string]any{"id": fmt.Sprint(113460000000000000 + len(f.posted)), "created_at": time.Now().UTC().Format(time.RFC3339Nano),
				"in_reply_to_id": m["in_reply_to_id"], "visibility": m["visibility"],
				"content": `<p><span class="h-card"><a href="https://mastodon.example/@x" class="u-url mention">@<span>x</span></a></span> ` + html.EscapeString(text) + "</p>"}
			f.statuses = append([]map[string]any{st}, f.statuses...)
			swallow := f.swallow
			f.swallow = false
			f.mu.Unlock()
			if swallow {
				// stored, and the answer never comes
				if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
					conn.Close()
				}
				return
			}
			json.NewEncoder(w).Encode(st)
		default:
			// GET /api/v1/statuses/:id, of the statuses notified
			id, ok := strings.CutPrefix(r.URL.Path, "/api/v1/statuses/")
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.gone[id] {
				w.WriteHeader(404)
				w.Write([]byte(`{"error": "Record not found"}`))
				return
			}
			if st, edited := f.edited[id]; ok && edited {
				w.Write([]byte(st))
				return
			}
			for _, n := range f.notes {
				var x struct{ Status json.RawMessage }
				json.Unmarshal([]byte(n), &x)
				var st struct{ ID string }
				json.Unmarshal(x.Status, &st)
				if ok && st.ID == id {
					w.Write(x.Status)
					return
				}
			}
			w.WriteHeader(404)
			w.Write([]byte(`{"error": "Record not found"}`))
		}
	}))
	t.Cleanup(f.Close)
	return f
}

// add lists a notification, as the instance does when it happens.
func (f *fakeInstance) add(n string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notes = append(f.notes, n)
}

func mention(id, acct, text, visibility string) string {
	return fmt.Sprintf(`{"id": "%s", "type": "mention", "created_at": "2026-11-20T11:00:00.000Z",
  "account": {"id": "1%s", "username": "%s", "acct": "%s", "display_name": "%s"},
  "status": {"id": "1134500000%s", "created_at": "2026-11-20T11:00:00.000Z", "in_reply_to_id": null, "visibility": "%s",
    "content": "<p><span class=\"h-card\"><a href=\"https://social.comune.example.it/@comune\" class=\"u-url mention\">@<span>comune</span></a></span> %s</p>"}}`,
		id, id, acct, acct, acct, id, visibility, text)
}

// waitCount waits until the operator sees n conversations.
func (e *env) waitCount(tok string, n int, within time.Duration) bool {
	return waitUntil(within, func() bool { c, _ := e.count(tok); return c == n })
}

// A mention reaches the inbox live through the streaming API (polling is
// set to once an hour); when the stream drops, what came meanwhile is
// fetched by polling, once.
func TestMastodonStreaming(t *testing.T) {
	t.Parallel()
	inst := newFakeInstance(t, true)
	inst.add(mention("40000001", "anna@mastodon.example", "buongiorno, quando apre l'ufficio tributi?", "public"))
	e := start(t, testdb.Open(t, store.SQLite), func(c *app.Config) { c.SweepEvery = 100 * time.Millisecond })
	ch := &redazione.Channel{Kind: redazione.ChannelMastodon, Name: "@comune", DeskID: e.desks[0].ID, Secret: auth.NewToken(""),
		Settings: map[string]string{"token": "MASTO-TOKEN", "api_base_url": inst.URL, "poll_interval": "1h"}}
	if err := e.db.CreateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
		t.Fatal(err)
	}
	tok := e.token(e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID))
	select {
	case <-inst.connected:
	case <-time.After(10 * time.Second):
		t.Fatal("the user stream was never opened")
	}
	// what came before the stream opened is fetched once it is open
	if !e.waitCount(tok, 1, 10*time.Second) {
		t.Fatal("the mention listed before the stream opened did not arrive")
	}
	// streamed only (listed afterwards): it can only have come live
	live := mention("40000002", "bruno@mastodon.example", "il semaforo di piazza Garibaldi è guasto", "public")
	var one bytes.Buffer
	json.Compact(&one, []byte(live))
	select {
	case inst.push <- one.String():
	case <-time.After(5 * time.Second):
		t.Fatal("the stream was not open")
	}
	if !e.waitCount(tok, 2, 5*time.Second) {
		t.Fatal("the streamed mention did not arrive live")
	}
	inst.add(live)
	// the citizens edit one status and delete another ("status.update" with
	// the Status, "delete" with its id, as the streaming API sends them)
	message := func(prefix string) (text string, edited, deleted bool) {
		var l apiList
		e.apiGet(tok, "/api/v1/conversations", &l)
		for _, c := range l.Conversations {
			var th struct {
				Messages []struct {
					Text      string  `json:"text"`
					EditedAt  *string `json:"edited_at"`
					DeletedAt *string `json:"deleted_at"`
				} `json:"messages"`
			}
			e.apiGet(tok, fmt.Sprint("/api/v1/conversations/", c.ID), &th)
			for _, m := range th.Messages {
				if strings.HasPrefix(m.Text, prefix) {
					return m.Text, m.EditedAt != nil, m.DeletedAt != nil
				}
			}
		}
		return "", false, false
	}
	for _, ev := range []string{
		"event: status.update\ndata: " + `{"id": "113450000040000002", "created_at": "2026-11-20T11:00:00.000Z", "edited_at": "2026-11-20T11:04:00.000Z", "visibility": "public", "content": "<p>@comune il semaforo di piazza Garibaldi è guasto da ieri sera</p>"}` + "\n\n",
		"event: delete\ndata: 113450000040000001\n\n",
	} {
		select {
		case inst.pushRaw <- ev:
		case <-time.After(5 * time.Second):
			t.Fatal("the stream was not open")
		}
	}
	var text string
	var edited, deleted bool
	if !waitUntil(15*time.Second, func() bool {
		text, edited, _ = message("il semaforo")
		_, _, deleted = message("buongiorno, quando apre")
		return text == "il semaforo di piazza Garibaldi è guasto da ieri sera" && edited && deleted
	}) {
		t.Fatalf("after the streamed edit and deletion: text %q, edited %v, first deleted %v", text, edited, deleted)
	}
	// the stream drops; a direct message written meanwhile is fetched by
	// polling, and nothing already stored comes twice
	inst.add(mention("40000003", "carla@mastodon.example", "posso scrivervi in privato?", "direct"))
	select {
	case inst.drop <- struct{}{}:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream was no longer open")
	}
	if !e.waitCount(tok, 3, 10*time.Second) {
		t.Fatal("the message sent while the stream was down was not fetched by polling")
	}
	if c, m := e.count(tok); c != 3 || m != 3 {
		t.Fatalf("%d conversations, %d messages; want 3 and 3", c, m)
	}
}

// When the streaming API is unavailable, mentions still arrive by polling.
func TestMastodonStreamingFallback(t *testing.T) {
	t.Parallel()
	inst := newFakeInstance(t, false)
	e := start(t, testdb.Open(t, store.SQLite), func(c *app.Config) { c.SweepEvery = 100 * time.Millisecond })
	ch := &redazione.Channel{Kind: redazione.ChannelMastodon, Name: "@comune", DeskID: e.desks[0].ID, Secret: auth.NewToken(""),
		Settings: map[string]string{"token": "MASTO-TOKEN", "api_base_url": inst.URL, "poll_interval": "100ms"}}
	if err := e.db.CreateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
		t.Fatal(err)
	}
	tok := e.token(e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID))
	select { // the mention comes once the stream was refused
	case <-inst.refused:
	case <-time.After(10 * time.Second):
		t.Fatal("the stream was never asked for")
	}
	inst.add(mention("40000010", "dario@mastodon.example", "la biblioteca è aperta sabato?", "public"))
	if !e.waitCount(tok, 1, 10*time.Second) {
		t.Fatal("with the stream unavailable, the mention did not arrive by polling")
	}
	admin := e.newUser(e.ente, redazione.RoleAdmin)
	if _, page := e.login(admin).get("/admin/channels"); !strings.Contains(page, "503") {
		t.Error("the channel's health does not say the stream is unavailable")
	}
}

// A mention is answered in public with its visibility (an unlisted mention
// unlisted), moved to a direct message mentioning the citizen, and cannot
// be hidden (Mastodon does not allow it for others' statuses).
func TestMastodonPublicAndPrivate(t *testing.T) {
	t.Parallel()
	inst := newFakeInstance(t, false)
	inst.add(mention("40000020", "elena@mastodon.example", "perché la strada è chiusa?", "unlisted"))
	e := start(t, testdb.Open(t, store.SQLite), func(c *app.Config) { c.SweepEvery = 100 * time.Millisecond })
	ch := &redazione.Channel{Kind: redazione.ChannelMastodon, Name: "@comune", DeskID: e.desks[0].ID, Secret: auth.NewToken(""),
		Settings: map[string]string{"token": "MASTO-TOKEN", "api_base_url": inst.URL, "poll_interval": "100ms", "streaming": "off"}}
	if err := e.db.CreateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
		t.Fatal(err)
	}
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	tok := e.token(op)
	if !e.waitCount(tok, 1, 10*time.Second) {
		t.Fatal("the mention did not arrive")
	}
	var l apiList
	e.apiGet(tok, "/api/v1/conversations", &l)
	pub := l.Conversations[0].ID
	b := e.login(op)
	_, page := b.get(fmt.Sprintf("/conversations/%d", pub))
	if !strings.Contains(page, "la risposta sarà PUBBLICA") || !strings.Contains(page, "Rispondi in privato") || strings.Contains(page, "Nascondi commento") {
		t.Fatal("a mention's page must say public, offer the private reply and not offer hiding")
	}
	if code, _ := b.post(fmt.Sprintf("/conversations/%d/messages/%d/hide", pub, msgIDRe(page)), url.Values{"hidden": {"true"}}); code != 400 {
		t.Errorf("hiding a Mastodon status: %d, want 400", code)
	}
	_, body := b.post(fmt.Sprintf("/conversations/%d/messages", pub), url.Values{"text": {"Per lavori fino a venerdì."}, "kind": {"reply"}})
	if st, why := e.waitDelivery(tok, pub, msgIDRe(body), "sent", 10*time.Second); st != "sent" {
		t.Fatalf("public reply: %q (%s)", st, why)
	}
	_, page = b.post(fmt.Sprintf("/conversations/%d/private", pub), url.Values{"text": {"Le scriviamo in privato."}})
	var priv int64
	fmt.Sscan(convIDRe.FindStringSubmatch(page)[1], &priv)
	if priv == pub || !strings.Contains(page, "La risposta sarà PRIVATA") {
		t.Fatal("the private reply did not open a private conversation")
	}
	if st, why := e.waitDelivery(tok, priv, msgIDRe(page), "sent", 10*time.Second); st != "sent" {
		t.Fatalf("private reply: %q (%s)", st, why)
	}
	inst.mu.Lock()
	defer inst.mu.Unlock()
	if len(inst.posted) != 2 {
		t.Fatalf("posted %v", inst.posted)
	}
	if p := inst.posted[0]; p["visibility"] != "unlisted" || p["in_reply_to_id"] != "113450000040000020" {
		t.Errorf("public reply %v, want unlisted in reply to the mention", p)
	}
	if p := inst.posted[1]; p["visibility"] != "direct" || !strings.HasPrefix(p["status"].(string), "@elena@mastodon.example ") {
		t.Errorf("private reply %v, want a direct status mentioning the citizen", p)
	}
}
