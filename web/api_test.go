package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel/apichannel"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// count returns what the office would see: conversations and messages of the ente.
func (e *env) count(token string) (convs, msgs int) {
	e.t.Helper()
	var l apiList
	if code := e.apiGet(token, "/api/v1/conversations?status=any&limit=500", &l); code != 200 {
		e.t.Fatalf("list: %d", code)
	}
	for _, c := range l.Conversations {
		var th apiThread
		e.apiGet(token, fmt.Sprintf("/api/v1/conversations/%d", c.ID), &th)
		msgs += len(th.Messages)
	}
	return len(l.Conversations), msgs
}

func TestAPIChannelIngest(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.newUser(e.ente, redazione.RoleAdmin)
		tok := e.token(admin)

		body := payload("msg-1", "cit-1", "Buongiorno, vorrei sapere quando riapre la biblioteca.")
		code, out := e.postAPI(e.api, body, "sign")
		if code != http.StatusAccepted {
			t.Fatalf("valid message: %d %v, want 202", code, out)
		}
		id := out["id"]
		if id == nil || id.(float64) <= 0 {
			t.Fatalf("202 without a message id: %v", out)
		}
		// the same external_id again: same id, nothing new stored
		code, out = e.postAPI(e.api, payload("msg-1", "cit-1", "testo diverso"), "sign")
		if code != http.StatusAccepted || out["id"] != id {
			t.Fatalf("repeated external_id: %d %v, want 202 with id %v", code, out, id)
		}
		convs, msgs := e.count(tok)
		if convs != 1 || msgs != 1 {
			t.Fatalf("after a repeat: %d conversations, %d messages; want 1, 1", convs, msgs)
		}
		var l apiList
		e.apiGet(tok, "/api/v1/conversations", &l)
		c := l.Conversations[0]
		if c.ChannelID != e.api.ID || c.Contact.ExternalID != "cit-1" || c.Status != "open" || c.Desk.ID != e.desks[0].ID ||
			c.LastMessage == nil || !strings.Contains(c.LastMessage.Text, "biblioteca") {
			t.Fatalf("listed conversation = %+v", c)
		}

		big := payload("msg-big", "cit-1", strings.Repeat("a", redazione.MaxMessageBytes))
		cases := []struct {
			name  string
			body  []byte
			sig   string
			code  int
			field string
		}{
			{"no signature", payload("m2", "cit-1", "ciao"), "", 401, ""},
			{"wrong signature", payload("m2", "cit-1", "ciao"), apichannel.Sign("not-the-secret", payload("m2", "cit-1", "ciao")), 401, ""},
			{"garbage signature", payload("m2", "cit-1", "ciao"), "sha256=zz", 401, ""},
			{"signature of another body", payload("m2", "cit-1", "ciao"), apichannel.Sign(e.api.Secret, payload("m3", "cit-1", "ciao")), 401, ""},
			{"malformed JSON", []byte(`{"external_id": "m2", "text": `), "sign", 400, "body"},
			{"not an object", []byte(`[1,2]`), "sign", 400, ""},
			{"missing external_id", []byte(`{"contact":{"external_id":"c"},"text":"ciao","sent_at":"2026-11-23T10:00:00Z"}`), "sign", 400, "external_id"},
			{"missing contact", []byte(`{"external_id":"m2","text":"ciao","sent_at":"2026-11-23T10:00:00Z"}`), "sign", 400, "contact"},
			{"missing contact id", []byte(`{"external_id":"m2","contact":{"name":"x"},"text":"ciao","sent_at":"2026-11-23T10:00:00Z"}`), "sign", 400, "contact.external_id"},
			{"missing text", []byte(`{"external_id":"m2","contact":{"external_id":"c"},"sent_at":"2026-11-23T10:00:00Z"}`), "sign", 400, "text"},
			{"bad sent_at", []byte(`{"external_id":"m2","contact":{"external_id":"c"},"text":"ciao","sent_at":"ieri"}`), "sign", 400, "sent_at"},
			{"text of wrong type", []byte(`{"external_id":"m2","contact":{"external_id":"c"},"text":42,"sent_at":"2026-11-23T10:00:00Z"}`), "sign", 400, "text"},
			{"over 1 MiB", big, "sign", 413, ""},
		}
		for _, tc := range cases {
			code, out := e.postAPI(e.api, tc.body, tc.sig)
			if code != tc.code {
				t.Errorf("%s: %d %v, want %d", tc.name, code, out, tc.code)
				continue
			}
			if msg, _ := out["error"].(string); msg == "" {
				t.Errorf("%s: no error message in %v", tc.name, out)
			}
			if tc.field != "" && out["field"] != tc.field {
				t.Errorf("%s: field %v, want %q", tc.name, out["field"], tc.field)
			}
		}
		// an unknown channel, or a web chat channel, is not an API channel
		other := *e.api
		other.ID = 99999
		if code, _ := e.postAPI(&other, payload("m9", "c", "x"), "sign"); code != 404 {
			t.Errorf("unknown channel: %d, want 404", code)
		}
		if convs2, msgs2 := e.count(tok); convs2 != convs || msgs2 != msgs {
			t.Fatalf("errors changed the data: %d conversations, %d messages; want %d, %d", convs2, msgs2, convs, msgs)
		}
	})
}

// A channel of one ente signed with its own secret cannot post into another's.
func TestAPIChannelSecretIsPerChannel(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	other := e.newEnte("comune-b", "Comune di Beta")
	desksB, _ := e.db.Desks(context.Background(), other.ID)
	chB := e.newChannel(other, redazione.ChannelAPI, desksB[0].ID, "")
	body := payload("x1", "c1", "ciao")
	forged := *chB
	forged.Secret = e.api.Secret
	if code, _ := e.postAPI(&forged, body, "sign"); code != 401 {
		t.Fatalf("ente A's secret on ente B's channel: %d, want 401", code)
	}
}

func TestAPIConversationsNeedToken(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	for _, tok := range []string{"", "rdz_not-a-token"} {
		var out map[string]any
		if code := e.apiGet(tok, "/api/v1/conversations", &out); code != 401 || out["error"] == "" {
			t.Errorf("token %q: %d %v, want 401 with an error", tok, code, out)
		}
	}
}

// callbackServer is an integration's endpoint: it fails the first n calls
// with 503, then accepts, checking each signature.
type callbackServer struct {
	*httptest.Server
	mu        sync.Mutex
	failFirst int
	calls     int
	accepted  []map[string]any
	badSig    int
	got       chan struct{}
}

func newCallback(t *testing.T, secret *string, failFirst int) *callbackServer {
	cb := &callbackServer{failFirst: failFirst, got: make(chan struct{}, 16)}
	cb.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		cb.mu.Lock()
		defer cb.mu.Unlock()
		cb.calls++
		if !apichannel.Verify(*secret, body, r.Header.Get(apichannel.SignatureHeader)) {
			cb.badSig++
			w.WriteHeader(401)
			return
		}
		if cb.calls <= cb.failFirst {
			w.WriteHeader(503)
			return
		}
		var m map[string]any
		json.Unmarshal(body, &m)
		m["_delivery"] = r.Header.Get(apichannel.DeliveryHeader)
		cb.accepted = append(cb.accepted, m)
		w.WriteHeader(200)
		cb.got <- struct{}{}
	}))
	t.Cleanup(cb.Close)
	return cb
}

func (cb *callbackServer) snapshot() (calls int, accepted []map[string]any, badSig int) {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	return cb.calls, append([]map[string]any(nil), cb.accepted...), cb.badSig
}

// waitDelivery polls the conversation until message id has the delivery state.
func (e *env) waitDelivery(token string, conv, msg int64, state string, within time.Duration) (string, string) {
	e.t.Helper()
	var last, reason string
	waitUntil(within, func() bool {
		var th apiThread
		e.apiGet(token, fmt.Sprintf("/api/v1/conversations/%d", conv), &th)
		for _, m := range th.Messages {
			if m.ID == msg {
				last, reason = m.Delivery, m.DeliveryError
			}
		}
		return last == state
	})
	return last, reason
}

var msgIDRe = func(body string) int64 {
	var id int64
	for _, part := range strings.Split(body, `id="m`)[1:] {
		fmt.Sscanf(part, "%d", &id)
	}
	return id // the last message of the thread
}

func TestReplyDeliveredToCallbackWithRetries(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		var secret string
		cb := newCallback(t, &secret, 2)
		ch := e.newChannel(e.ente, redazione.ChannelAPI, e.desks[0].ID, cb.URL+"/hook")
		secret = ch.Secret
		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		tok := e.token(op)
		conv := e.ingest(ch, "q1", "cit-9", "Il parco di via Verdi è chiuso?")

		b := e.login(op)
		code, body := b.post(fmt.Sprintf("/conversations/%d/messages", conv), url.Values{"text": {"Riapre lunedì alle 8."}, "kind": {"reply"}})
		if code != 200 || !strings.Contains(body, "Riapre lunedì") {
			t.Fatalf("reply: %d\n%s", code, body)
		}
		msg := msgIDRe(body)
		// a note is never sent
		b.post(fmt.Sprintf("/conversations/%d/messages", conv), url.Values{"text": {"nota interna riservata"}, "kind": {"note"}})

		if st, why := e.waitDelivery(tok, conv, msg, "sent", 15*time.Second); st != "sent" {
			t.Fatalf("delivery state %q (%s), want sent after two 503s", st, why)
		}
		calls, acc, bad := cb.snapshot()
		if bad != 0 || calls != 3 || len(acc) != 1 {
			t.Fatalf("callback: %d calls, %d accepted, %d bad signatures; want 3, 1, 0", calls, len(acc), bad)
		}
		if txt, _ := acc[0]["text"].(string); txt != "Riapre lunedì alle 8." || acc[0]["_delivery"] == "" {
			t.Fatalf("delivered %v", acc[0])
		}
		e.jobsDone()
		if calls2, _, _ := cb.snapshot(); calls2 != calls {
			t.Fatalf("delivered again after success (%d calls)", calls2)
		}
	})
}

func TestReplyFailsPermanentlyWithReason(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "conversazione sconosciuta", http.StatusNotFound)
	}))
	defer hook.Close()
	ch := e.newChannel(e.ente, redazione.ChannelAPI, e.desks[0].ID, hook.URL)
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	tok := e.token(op)
	conv := e.ingest(ch, "q1", "cit-9", "Domanda")
	b := e.login(op)
	_, body := b.post(fmt.Sprintf("/conversations/%d/messages", conv), url.Values{"text": {"Risposta"}, "kind": {"reply"}})
	st, why := e.waitDelivery(tok, conv, msgIDRe(body), "failed", 10*time.Second)
	if st != "failed" || !strings.Contains(why, "404") {
		t.Fatalf("delivery %q (%q), want failed naming the 404", st, why)
	}
	if _, page := b.get(fmt.Sprintf("/conversations/%d", conv)); !strings.Contains(page, "404") {
		t.Errorf("the conversation page does not show why the reply failed")
	}
}

// A reply left queued by a crash is sent once when the office restarts.
func TestQueuedReplySurvivesRestart(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t, store.SQLite)
	db, err := store.Open(context.Background(), url, "")
	if err != nil {
		t.Fatal(err)
	}
	e := start(t, db)
	var secret string
	cb := newCallback(t, &secret, 0)
	ch := e.newChannel(e.ente, redazione.ChannelAPI, e.desks[0].ID, cb.URL)
	secret = ch.Secret
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	conv := e.ingest(ch, "q1", "cit-1", "Domanda")
	// the reply is stored, but the process "dies" before its job is enqueued
	m, err := db.AddMessage(context.Background(), redazione.ActorOf(op), conv, store.Outgoing{Text: "Risposta dopo il riavvio"})
	if err != nil {
		t.Fatal(err)
	}
	e.srv.Close()
	e.app.Close(context.Background())

	db2, err := store.Open(context.Background(), url, "")
	if err != nil {
		t.Fatal(err)
	}
	e2 := e.attach(t, db2)
	select {
	case <-cb.got:
	case <-time.After(10 * time.Second):
		t.Fatal("the queued reply was not sent after the restart")
	}
	tok := e2.token(op)
	if st, _ := e2.waitDelivery(tok, conv, m.ID, "sent", 5*time.Second); st != "sent" {
		t.Fatalf("delivery %q after restart", st)
	}
	e2.jobsDone()
	if calls, acc, _ := cb.snapshot(); calls != 1 || len(acc) != 1 {
		t.Fatalf("%d calls, want exactly 1", calls)
	}
}

func TestOversizedReplyRejected(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	conv := e.ingest(e.api, "q1", "cit-1", "Domanda")
	b := e.login(op)
	code, _ := b.post(fmt.Sprintf("/conversations/%d/messages", conv), url.Values{"text": {strings.Repeat("x", redazione.MaxTextRunes+1)}, "kind": {"reply"}})
	if code < 400 || code >= 500 {
		t.Fatalf("oversized reply: %d, want a 4xx", code)
	}
	tok := e.token(op)
	var th apiThread
	e.apiGet(tok, fmt.Sprintf("/api/v1/conversations/%d", conv), &th)
	if len(th.Messages) != 1 {
		t.Fatalf("oversized reply stored: %d messages", len(th.Messages))
	}
}
