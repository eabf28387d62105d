package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// mastodonMessage is what the operator reads of the citizen's message that
// starts with prefix: its text, and whether it shows as edited or deleted.
func (e *env) mastodonMessage(tok, prefix string) (text string, edited, deleted bool) {
	e.t.Helper()
	var l apiList
	e.apiGet(tok, "/api/v1/conversations?status=any", &l)
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

// wsEvent is a message of Mastodon's WebSocket stream: the payload is the
// entity's JSON cast to a string (the bare id for "delete").
func wsEvent(event, payload string) string {
	if strings.HasPrefix(payload, "{") {
		var one bytes.Buffer
		json.Compact(&one, []byte(payload))
		payload = one.String()
	}
	b, _ := json.Marshal(map[string]any{"stream": []string{"user"}, "event": event, "payload": payload})
	return string(b)
}

// An instance that streams over WebSocket only (as GoToSocial): the desk
// opens the socket where GET /api/v2/instance says, never asks for
// server-sent events, receives a mention and an edit live, and when the
// socket drops it reconnects, fetching once what came meanwhile.
func TestMastodonWebSocketStreaming(t *testing.T) {
	t.Parallel()
	inst := newFakeInstance(t, false)
	inst.ws.Store(true)
	inst.add(mention("40000101", "anna@mastodon.example", "la scuola di via Roma è chiusa domani?", "public"))
	e := start(t, testdb.Open(t, store.SQLite), func(c *app.Config) { c.SweepEvery = 100 * time.Millisecond })
	ch := &redazione.Channel{Kind: redazione.ChannelMastodon, Name: "@comune", DeskID: e.desks[0].ID, Secret: auth.NewToken(""),
		Settings: map[string]string{"token": "MASTO-TOKEN", "api_base_url": inst.URL, "poll_interval": "100ms", "recheck_interval": "off"}}
	if err := e.db.CreateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
		t.Fatal(err)
	}
	tok := e.token(e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID))
	wait := func(what string) {
		t.Helper()
		select {
		case <-inst.wsConnected:
		case <-time.After(10 * time.Second):
			t.Fatal(what)
		}
	}
	send := func(m string) {
		t.Helper()
		select {
		case inst.wsPush <- m:
		case <-time.After(5 * time.Second):
			t.Fatal("the socket was not open")
		}
	}
	wait("the WebSocket stream was never opened")
	if !e.waitCount(tok, 1, 10*time.Second) {
		t.Fatal("the mention listed before the socket opened did not arrive")
	}
	// streamed only (never listed): it can only have come over the socket
	live := mention("40000102", "bruno@mastodon.example", "il lampione di via Dante è spento", "public")
	send(wsEvent("notification", live))
	if !e.waitCount(tok, 2, 5*time.Second) {
		t.Fatal("the mention streamed over WebSocket did not arrive")
	}
	send(wsEvent("status.update", `{"id": "113450000040000102", "created_at": "2026-11-20T11:00:00.000Z", "edited_at": "2026-11-20T11:03:00.000Z",
	  "visibility": "public", "content": "<p>@comune il lampione di via Dante è spento da tre giorni</p>"}`))
	if !waitUntil(10*time.Second, func() bool {
		text, edited, _ := e.mastodonMessage(tok, "il lampione")
		return edited && text == "il lampione di via Dante è spento da tre giorni"
	}) {
		t.Fatal("the edit streamed over WebSocket did not reach the thread")
	}
	inst.add(live)

	// the socket drops; a direct message written meanwhile is fetched once
	// the desk has reconnected, and the socket carries on
	inst.add(mention("40000103", "carla@mastodon.example", "vorrei parlare con l'ufficio tributi", "direct"))
	select {
	case inst.drop <- struct{}{}:
	case <-time.After(5 * time.Second):
		t.Fatal("the socket was no longer open")
	}
	wait("the desk did not reconnect")
	if !e.waitCount(tok, 3, 10*time.Second) {
		t.Fatal("the message sent while the socket was down was not fetched")
	}
	send(wsEvent("notification", mention("40000104", "dario@mastodon.example", "grazie per la risposta", "public")))
	if !e.waitCount(tok, 4, 5*time.Second) {
		t.Fatal("after the reconnection, a streamed mention did not arrive")
	}
	if c, m := e.count(tok); c != 4 || m != 4 {
		t.Fatalf("%d conversations, %d messages; want 4 and 4, none twice", c, m)
	}
	select {
	case <-inst.refused:
		t.Error("the desk asked for server-sent events from an instance that streams over WebSocket")
	default:
	}
}

// With streaming off, the desk asks again for the latest statuses of open
// public conversations: a mention its author deleted shows as deleted, one
// edited shows its new text; a direct message is not asked for.
func TestMastodonPollingFindsEditsAndDeletions(t *testing.T) {
	t.Parallel()
	inst := newFakeInstance(t, false)
	inst.add(mention("40000201", "elena@mastodon.example", "la piscina comunale è aperta a Natale?", "public"))
	inst.add(mention("40000202", "franco@mastodon.example", "buca pericolosa in via Po", "public"))
	inst.add(mention("40000203", "giulia@mastodon.example", "posso avere il certificato?", "direct"))
	e := start(t, testdb.Open(t, store.SQLite), func(c *app.Config) { c.SweepEvery = 100 * time.Millisecond })
	ch := &redazione.Channel{Kind: redazione.ChannelMastodon, Name: "@comune", DeskID: e.desks[0].ID, Secret: auth.NewToken(""),
		Settings: map[string]string{"token": "MASTO-TOKEN", "api_base_url": inst.URL, "poll_interval": "100ms", "streaming": "off", "recheck_interval": "100ms"}}
	if err := e.db.CreateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
		t.Fatal(err)
	}
	tok := e.token(e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID))
	if !e.waitCount(tok, 3, 10*time.Second) {
		t.Fatal("the mentions did not arrive")
	}
	inst.mu.Lock()
	inst.gone["113450000040000201"] = true
	inst.edited["113450000040000202"] = `{"id": "113450000040000202", "created_at": "2026-11-20T11:00:00.000Z", "edited_at": "2026-11-20T11:09:00.000Z", "visibility": "public",
	  "content": "<p><span class=\"h-card\"><a href=\"https://social.comune.example.it/@comune\" class=\"u-url mention\">@<span>comune</span></a></span> buca pericolosa in via Po 12, vicino alla scuola</p>"}`
	inst.gone["113450000040000203"] = true // asked for, it would show as deleted
	inst.mu.Unlock()
	var text string
	var edited, deleted bool
	if !waitUntil(15*time.Second, func() bool {
		text, edited, _ = e.mastodonMessage(tok, "buca pericolosa")
		_, _, deleted = e.mastodonMessage(tok, "la piscina")
		return deleted && edited && text == "buca pericolosa in via Po 12, vicino alla scuola"
	}) {
		t.Fatalf("while polling: edit %q (%v), deletion %v", text, edited, deleted)
	}
	if _, _, dm := e.mastodonMessage(tok, "posso avere"); dm {
		t.Error("a direct message was asked for again")
	}
}

// A reply whose first attempt was stored by the instance but never
// answered is not posted twice, though the instance ignores
// Idempotency-Key: the retry finds it among the account's statuses and the
// operator sees it sent.
func TestMastodonRetryDoesNotPostTwice(t *testing.T) {
	t.Parallel()
	inst := newFakeInstance(t, false)
	inst.add(mention("40000301", "ivo@mastodon.example", "quando passa la raccolta del vetro?", "public"))
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
	conv := l.Conversations[0].ID
	inst.mu.Lock()
	inst.swallow = true
	inst.mu.Unlock()
	_, body := e.login(op).post(fmt.Sprintf("/conversations/%d/messages", conv), url.Values{"text": {"Il martedì mattina & il venerdì."}, "kind": {"reply"}})
	if st, why := e.waitDelivery(tok, conv, msgIDRe(body), "sent", 15*time.Second); st != "sent" {
		t.Fatalf("delivery %q (%s)", st, why)
	}
	inst.mu.Lock()
	defer inst.mu.Unlock()
	if len(inst.posted) != 1 || inst.posted[0]["in_reply_to_id"] != "113450000040000301" {
		t.Fatalf("posted %d times: %v; want once, in reply to the mention", len(inst.posted), inst.posted)
	}
}
