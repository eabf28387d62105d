package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

func (e *env) widget(method, path string, body any) (int, map[string]any) {
	e.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, r)
	req.Header.Set("Origin", "https://www.comune.example.it")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") == "" {
		e.t.Errorf("%s %s: no CORS header: the widget on the ente's site could not read it", method, path)
	}
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// The citizen's side: a message from the widget reaches the inbox, the
// office's reply (not its notes) reaches the widget live.
func TestWidgetConversation(t *testing.T) {
	e := start(t, testdb.Open(t, store.SQLite))
	wc := e.newChannel(e.ente, redazione.ChannelWebChat, e.desks[0].ID, "")
	base := fmt.Sprintf("/widget/v1/%d", wc.ID)

	code, cfg := e.widget("GET", base+"/config", nil)
	if code != 200 || !strings.Contains(fmt.Sprint(cfg), "privacy") && !strings.Contains(strings.ToLower(fmt.Sprint(cfg)), "dati personali") {
		t.Fatalf("config: %d %v; want the privacy notice", code, cfg)
	}
	code, out := e.widget("POST", base+"/messages", map[string]string{"name": "Lucia", "text": "Buongiorno, a che ora chiude l'URP?"})
	tok, _ := out["token"].(string)
	if code != 202 || len(tok) < 32 {
		t.Fatalf("first message: %d %v", code, out)
	}
	// the citizen's live stream
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+base+"/events?token="+url.QueryEscape(tok), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("events: %v %v", resp, err)
	}
	evs := make(chan sseEvent, 16)
	go func() {
		defer resp.Body.Close()
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			if n > 0 && strings.Contains(string(buf[:n]), "event: message") {
				evs <- sseEvent{Type: "message", Data: string(buf[:n])}
			}
			if err != nil {
				close(evs)
				return
			}
		}
	}()

	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	b := e.login(op)
	_, inbox := b.get("/inbox")
	if !strings.Contains(inbox, "a che ora chiude") || !strings.Contains(inbox, "Lucia") {
		t.Fatal("the widget's message is not in the inbox")
	}
	var l apiList
	e.apiGet(e.token(op), "/api/v1/conversations", &l)
	conv := l.Conversations[0].ID
	b.post(fmt.Sprintf("/conversations/%d/messages", conv), url.Values{"text": {"Nota: chiedere a Marco"}, "kind": {"note"}})
	b.post(fmt.Sprintf("/conversations/%d/messages", conv), url.Values{"text": {"Chiude alle 13, buona giornata."}, "kind": {"reply"}})
	select {
	case <-evs:
	case <-time.After(2 * time.Second):
		t.Fatal("the citizen's widget got no live event for the reply")
	}
	code, out = e.widget("GET", base+"/messages?token="+url.QueryEscape(tok), nil)
	msgs := fmt.Sprint(out["messages"])
	if code != 200 || !strings.Contains(msgs, "Chiude alle 13") || !strings.Contains(msgs, "a che ora chiude") {
		t.Fatalf("the citizen's thread: %d %v", code, out)
	}
	if strings.Contains(msgs, "Nota") {
		t.Fatal("an internal note reached the citizen")
	}
	// a second message continues the same conversation (page reload keeps the token)
	e.widget("POST", base+"/messages", map[string]string{"token": tok, "text": "Grazie!"})
	e.apiGet(e.token(op), "/api/v1/conversations", &l)
	if len(l.Conversations) != 1 {
		t.Fatalf("%d conversations, want the same one continued", len(l.Conversations))
	}

	// another visitor's token sees nothing of Lucia's conversation
	other := strings.Repeat("x", 40)
	_, out = e.widget("GET", base+"/messages?token="+other, nil)
	if strings.Contains(fmt.Sprint(out), "URP") {
		t.Fatal("a different token reads another citizen's conversation")
	}
}

func TestWidgetRejectsBadInput(t *testing.T) {
	e := start(t, testdb.Open(t, store.SQLite))
	wc := e.newChannel(e.ente, redazione.ChannelWebChat, e.desks[0].ID, "")
	base := fmt.Sprintf("/widget/v1/%d", wc.ID)
	cases := []struct {
		name string
		path string
		body any
		code int
	}{
		{"empty text", base + "/messages", map[string]string{"text": "   "}, 400},
		{"too long", base + "/messages", map[string]string{"text": strings.Repeat("è", 4001)}, 400},
		{"bad token", base + "/messages", map[string]string{"token": "corto", "text": "ciao"}, 400},
		{"not JSON", base + "/messages", "ciao", 400},
		{"API channel is not a web chat", fmt.Sprintf("/widget/v1/%d/messages", e.api.ID), map[string]string{"text": "ciao"}, 404},
		{"unknown channel", "/widget/v1/999/messages", map[string]string{"text": "ciao"}, 404},
	}
	for _, tc := range cases {
		if code, out := e.widget("POST", tc.path, tc.body); code != tc.code || out["error"] == "" {
			t.Errorf("%s: %d %v, want %d with an error", tc.name, code, out, tc.code)
		}
	}
	req, _ := http.NewRequest("POST", e.srv.URL+base+"/messages", bytes.NewReader(make([]byte, 128<<10)))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 413 {
		t.Errorf("128 KiB body: %v %v, want 413", resp.StatusCode, err)
	}
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	var l apiList
	e.apiGet(e.token(op), "/api/v1/conversations?status=any", &l)
	if len(l.Conversations) != 0 {
		t.Fatalf("rejected input stored %d conversations", len(l.Conversations))
	}
}
