package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/channel/apichannel"
	"github.com/redazione/redazione/channel/meta"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

func waPayload(t *testing.T, name string) []byte {
	b, err := os.ReadFile("../channel/meta/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var waTimestamp = regexp.MustCompile(`"timestamp": "\d+"`)

// waAt is a documented payload with its messages sent at t.
func waAt(t *testing.T, name string, at time.Time) []byte {
	return waTimestamp.ReplaceAll(waPayload(t, name), []byte(fmt.Sprintf(`"timestamp": "%d"`, at.Unix())))
}

func TestWhatsAppChannel(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		var mu sync.Mutex
		var sent []map[string]any
		window := false
		graph := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/v21.0/106540352242922/messages" || r.Header.Get("Authorization") != "Bearer WA-TOKEN" {
				http.Error(w, `{"error": {"message": "bad request", "code": 100}}`, 400)
				return
			}
			var m map[string]any
			json.NewDecoder(r.Body).Decode(&m)
			mu.Lock()
			defer mu.Unlock()
			if window {
				w.WriteHeader(400)
				w.Write(waPayload(t, "send_window.json"))
				return
			}
			sent = append(sent, m)
			w.Write(waPayload(t, "send_ok.json"))
		}))
		defer graph.Close()
		ch := &redazione.Channel{Kind: redazione.ChannelWhatsApp, Name: "WhatsApp URP", DeskID: e.desks[0].ID, Secret: auth.NewToken(""),
			Settings: map[string]string{"token": "WA-TOKEN", "app_secret": "APP-SECRET", "verify_token": "verifica-123",
				"phone_number_id": "106540352242922", "api_base_url": graph.URL}}
		if err := db.CreateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
			t.Fatal(err)
		}
		hook := fmt.Sprintf("%s/hooks/meta/%d", e.srv.URL, ch.ID)
		// the verification handshake
		get := func(q string) (int, string) {
			resp, err := http.Get(hook + "?" + q)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		if code, body := get("hub.mode=subscribe&hub.verify_token=verifica-123&hub.challenge=1158201444"); code != 200 || body != "1158201444" {
			t.Fatalf("handshake: %d %q", code, body)
		}
		if code, _ := get("hub.mode=subscribe&hub.verify_token=sbagliato&hub.challenge=1"); code != 403 {
			t.Errorf("wrong verify token: %d, want 403", code)
		}
		post := func(body []byte, sig string) (int, map[string]any) {
			req, _ := http.NewRequest("POST", hook, bytes.NewReader(body))
			if sig != "" {
				req.Header.Set(meta.SignatureHeader, sig)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out map[string]any
			json.NewDecoder(resp.Body).Decode(&out)
			return resp.StatusCode, out
		}
		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		tok := e.token(op)
		text := waAt(t, "text.json", time.Now())
		for _, sig := range []string{"", "sha256=00", apichannel.Sign("altro-segreto", text)} {
			if code, _ := post(text, sig); code != 401 {
				t.Errorf("signature %q: %d, want 401", sig, code)
			}
		}
		if code, _ := post([]byte(`{"object": "page"`), apichannel.Sign("APP-SECRET", []byte(`{"object": "page"`))); code != 400 {
			t.Errorf("malformed: %d, want 400", code)
		}
		if c, m := e.count(tok); c != 0 || m != 0 {
			t.Fatal("refused posts stored something")
		}
		if code, out := post(text, apichannel.Sign("APP-SECRET", text)); code != 200 || out["stored"] != float64(1) {
			t.Fatalf("text: %d %v", code, out)
		}
		if code, out := post(text, apichannel.Sign("APP-SECRET", text)); code != 200 || out["stored"] != float64(0) {
			t.Fatalf("redelivery: %d %v, want nothing stored", code, out)
		}
		il := waAt(t, "image_location.json", time.Now())
		if code, out := post(il, apichannel.Sign("APP-SECRET", il)); code != 200 || out["stored"] != float64(2) {
			t.Fatalf("image and location: %d %v", code, out)
		}
		st := waPayload(t, "status.json")
		if code, out := post(st, apichannel.Sign("APP-SECRET", st)); code != 200 || out["received"] != float64(0) {
			t.Fatalf("status: %d %v", code, out)
		}
		if c, m := e.count(tok); c != 2 || m != 3 {
			t.Fatalf("%d conversations, %d messages; want 2 and 3", c, m)
		}
		var l apiList
		e.apiGet(tok, "/api/v1/conversations", &l)
		var mario int64
		for _, c := range l.Conversations {
			if c.Contact.ExternalID == "393331234567" {
				mario = c.ID
			}
		}
		b := e.login(op)
		_, page := b.get(fmt.Sprintf("/conversations/%d", mario))
		for _, want := range []string{"Mario Bianchi", "[foto]", "Rifiuti abbandonati in via Verdi", "Via Verdi, Milano"} {
			if !strings.Contains(page, want) {
				t.Errorf("thread lacks %q", want)
			}
		}
		_, body := b.post(fmt.Sprintf("/conversations/%d/messages", mario), url.Values{"text": {"Grazie, segnaliamo subito."}, "kind": {"reply"}})
		if st, why := e.waitDelivery(tok, mario, msgIDRe(body), "sent", 10*time.Second); st != "sent" {
			t.Fatalf("delivery %q (%s)", st, why)
		}
		mu.Lock()
		if len(sent) != 1 || sent[0]["to"] != "393331234567" || sent[0]["messaging_product"] != "whatsapp" {
			t.Fatalf("sent %v", sent)
		}
		window = true
		mu.Unlock()
		_, body = b.post(fmt.Sprintf("/conversations/%d/messages", mario), url.Values{"text": {"Ci sono novità"}, "kind": {"reply"}})
		if st, why := e.waitDelivery(tok, mario, msgIDRe(body), "failed", 10*time.Second); st != "failed" || !strings.Contains(why, "24 hours") {
			t.Fatalf("outside the 24-hour window: %q (%s), want failed with Meta's reason", st, why)
		}
	})
}

// More than 24 hours after the citizen last wrote, the composer says why a
// free reply is impossible and offers the channel's approved templates.
func TestWhatsAppWindow(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	graph := newFakeGraph(t, "", "", "send_ok.json")
	ch := &redazione.Channel{Kind: redazione.ChannelWhatsApp, Name: "WhatsApp URP", DeskID: e.desks[0].ID, Secret: auth.NewToken(""),
		Settings: map[string]string{"token": "T", "app_secret": "S", "verify_token": "V", "phone_number_id": "106540352242922",
			"api_base_url": graph.URL, "templates": "aggiornamento_pratica|it"}}
	if err := e.db.CreateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
		t.Fatal(err)
	}
	body := waAt(t, "text.json", time.Now().Add(-25*time.Hour))
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/hooks/meta/%d", e.srv.URL, ch.ID), bytes.NewReader(body))
	req.Header.Set(meta.SignatureHeader, apichannel.Sign("S", body))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("post: %v %v", resp, err)
	}
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	tok := e.token(op)
	var l apiList
	e.apiGet(tok, "/api/v1/conversations", &l)
	conv := l.Conversations[0].ID
	b := e.login(op)
	_, page := b.get(fmt.Sprintf("/conversations/%d", conv))
	if !strings.Contains(page, "Sono passate più di 24 ore") || !strings.Contains(page, "aggiornamento_pratica (it)") {
		t.Fatal("the composer does not say the window is closed or offer the template")
	}
	if code, page := b.post(fmt.Sprintf("/conversations/%d/messages", conv), url.Values{"text": {"Una risposta libera"}, "kind": {"reply"}}); code != 400 || !strings.Contains(page, "24 ore") {
		t.Fatalf("free reply after 24 hours: %d, want 400 saying why", code)
	}
	if code, _ := b.post(fmt.Sprintf("/conversations/%d/messages", conv), url.Values{"template": {"inventato|it"}, "kind": {"reply"}}); code != 400 {
		t.Errorf("a template the channel does not have: %d, want 400", code)
	}
	// a note is still possible
	if code, _ := b.post(fmt.Sprintf("/conversations/%d/messages", conv), url.Values{"text": {"nota"}, "kind": {"note"}}); code != 200 {
		t.Errorf("note after 24 hours: %d", code)
	}
	_, resp := b.post(fmt.Sprintf("/conversations/%d/messages", conv), url.Values{"template": {"aggiornamento_pratica|it"}, "kind": {"reply"}})
	if st, why := e.waitDelivery(tok, conv, msgIDRe(resp), "sent", 10*time.Second); st != "sent" {
		t.Fatalf("template delivery %q (%s)", st, why)
	}
	if sent := graph.sent(); len(sent) != 1 || sent[0]["type"] != "template" || sent[0]["template"].(map[string]any)["name"] != "aggiornamento_pratica" {
		t.Fatalf("sent %v, want the template", sent)
	}
	// resolved past the window: the survey link cannot be sent, so no survey
	// is left waiting for an answer nobody was asked for
	if code, _ := b.post(fmt.Sprintf("/conversations/%d/status", conv), url.Values{"status": {"resolved"}}); code != 200 {
		t.Fatalf("resolve: %d", code)
	}
	var surveys int
	e.db.WriteDB().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM surveys").Scan(&surveys)
	if surveys != 0 {
		t.Fatalf("%d surveys left without their link", surveys)
	}
}

// Messenger: signed webhook in, Send API out.
func TestMessengerChannel(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	graph := newFakeGraph(t, "/v21.0/112233445566778/messages", "PAGE-TOKEN", "send_messenger_ok.json")
	ch := &redazione.Channel{Kind: redazione.ChannelMessenger, Name: "Pagina Facebook", DeskID: e.desks[0].ID, Secret: auth.NewToken(""),
		Settings: map[string]string{"token": "PAGE-TOKEN", "app_secret": "APP", "verify_token": "V", "page_id": "112233445566778", "api_base_url": graph.URL}}
	if err := e.db.CreateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
		t.Fatal(err)
	}
	body := regexp.MustCompile(`"(timestamp|time)": \d+`).ReplaceAll(waPayload(t, "messenger_text.json"),
		[]byte(fmt.Sprintf(`"timestamp": %d`, time.Now().UnixMilli())))
	post := func(b []byte, sig string) int {
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/hooks/meta/%d", e.srv.URL, ch.ID), bytes.NewReader(b))
		req.Header.Set(meta.SignatureHeader, sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(body, apichannel.Sign("wrong", body)); code != 401 {
		t.Fatalf("bad signature: %d", code)
	}
	if code := post(body, apichannel.Sign("APP", body)); code != 200 {
		t.Fatalf("messenger: %d", code)
	}
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	tok := e.token(op)
	var l apiList
	e.apiGet(tok, "/api/v1/conversations", &l)
	if len(l.Conversations) != 1 || l.Conversations[0].Contact.ExternalID != "6543210987654321" {
		t.Fatalf("conversations = %+v", l.Conversations)
	}
	conv := l.Conversations[0].ID
	_, resp := e.login(op).post(fmt.Sprintf("/conversations/%d/messages", conv), url.Values{"text": {"La carta si raccoglie il martedì."}, "kind": {"reply"}})
	if st, why := e.waitDelivery(tok, conv, msgIDRe(resp), "sent", 10*time.Second); st != "sent" {
		t.Fatalf("delivery %q (%s)", st, why)
	}
	if sent := graph.sent(); len(sent) != 1 || sent[0]["messaging_type"] != "RESPONSE" || sent[0]["recipient"].(map[string]any)["id"] != "6543210987654321" {
		t.Fatalf("sent %v", sent)
	}
}

// Messenger: after 24 hours a reply goes with the HUMAN_AGENT tag; after 7
// days the composer says no answer is possible and the server refuses it.
func TestMessengerWindow(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	graph := newFakeGraph(t, "", "", "send_messenger_ok.json")
	ch := &redazione.Channel{Kind: redazione.ChannelMessenger, Name: "Pagina", DeskID: e.desks[0].ID, Secret: auth.NewToken(""),
		Settings: map[string]string{"token": "T", "app_secret": "APP", "verify_token": "V", "page_id": "1", "api_base_url": graph.URL}}
	if err := e.db.CreateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
		t.Fatal(err)
	}
	ingestAt := func(mid, sender string, at time.Time) int64 {
		body := []byte(fmt.Sprintf(`{"object": "page", "entry": [{"id": "1", "messaging": [{"sender": {"id": "%s"}, "recipient": {"id": "1"}, "timestamp": %d, "message": {"mid": "%s", "text": "Buongiorno"}}]}]}`, sender, at.UnixMilli(), mid))
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/hooks/meta/%d", e.srv.URL, ch.ID), bytes.NewReader(body))
		req.Header.Set(meta.SignatureHeader, apichannel.Sign("APP", body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("post: %v %v", resp, err)
		}
		var l apiList
		e.apiGet(e.token(e.newUser(e.ente, redazione.RoleCoordinator)), "/api/v1/conversations", &l)
		for _, c := range l.Conversations {
			if c.Contact.ExternalID == sender {
				return c.ID
			}
		}
		t.Fatal("conversation not found")
		return 0
	}
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	tok := e.token(op)
	b := e.login(op)
	threeDays := ingestAt("m_old3", "111", time.Now().Add(-72*time.Hour))
	_, body := b.post(fmt.Sprintf("/conversations/%d/messages", threeDays), url.Values{"text": {"Ci scusi il ritardo."}, "kind": {"reply"}})
	if st, why := e.waitDelivery(tok, threeDays, msgIDRe(body), "sent", 10*time.Second); st != "sent" {
		t.Fatalf("reply after 3 days: %q (%s)", st, why)
	}
	if sent := graph.sent(); len(sent) != 1 || sent[0]["messaging_type"] != "MESSAGE_TAG" || sent[0]["tag"] != "HUMAN_AGENT" {
		t.Fatalf("sent %v, want the HUMAN_AGENT tag", sent)
	}
	eightDays := ingestAt("m_old8", "222", time.Now().Add(-8*24*time.Hour))
	if _, page := b.get(fmt.Sprintf("/conversations/%d", eightDays)); !strings.Contains(page, "più di 7 giorni") {
		t.Error("the composer does not say an answer is no longer possible")
	}
	if code, _ := b.post(fmt.Sprintf("/conversations/%d/messages", eightDays), url.Values{"text": {"Risposta"}, "kind": {"reply"}}); code != 400 {
		t.Errorf("reply after 8 days: %d, want 400", code)
	}
}

// fakeGraph is a Graph API server that records what is sent to it and
// answers with a documented reply. With path and token set, a request to
// another path or without the token gets Meta's authentication error.
type fakeGraph struct {
	*httptest.Server
	mu    sync.Mutex
	got   []map[string]any
	paths []string // the path of each request received
	// refuse maps a path to a documented error reply, sent with 400.
	refuse map[string]string
	// answer maps "METHOD /path" to its documented answer; other POSTs get
	// the reply given to newFakeGraph, other GETs an error.
	answer map[string]string
}

func newFakeGraph(t *testing.T, path, token, reply string) *fakeGraph {
	g := &fakeGraph{refuse: map[string]string{}, answer: map[string]string{}}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if path != "" && (r.URL.Path != path || r.Header.Get("Authorization") != "Bearer "+token) {
			w.WriteHeader(400)
			w.Write([]byte(`{"error": {"message": "Invalid OAuth access token", "code": 190}}`))
			return
		}
		g.mu.Lock()
		answer := g.answer[r.Method+" "+r.URL.Path]
		g.mu.Unlock()
		if r.Method == http.MethodGet {
			if answer == "" {
				w.WriteHeader(400)
				w.Write([]byte(`{"error": {"message": "Unsupported get request", "code": 100}}`))
				return
			}
			w.Write(waPayload(t, answer))
			return
		}
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		g.mu.Lock()
		g.got = append(g.got, m)
		g.paths = append(g.paths, r.URL.Path)
		refused := g.refuse[r.URL.Path]
		g.mu.Unlock()
		if refused != "" {
			w.WriteHeader(400)
			w.Write(waPayload(t, refused))
			return
		}
		if answer == "" {
			answer = reply
		}
		w.Write(waPayload(t, answer))
	}))
	t.Cleanup(g.Close)
	return g
}

// sent is a copy of the bodies received so far.
func (g *fakeGraph) sent() []map[string]any {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]map[string]any(nil), g.got...)
}

// last is the path and body of the latest request.
func (g *fakeGraph) last() (string, map[string]any) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.paths) == 0 {
		return "", nil
	}
	return g.paths[len(g.paths)-1], g.got[len(g.got)-1]
}

// answerWith makes "METHOD /path" get the documented answer.
func (g *fakeGraph) answerWith(methodPath, answer string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.answer[methodPath] = answer
}

// refuseWith makes requests to path get the documented error reply.
func (g *fakeGraph) refuseWith(path, reply string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.refuse[path] = reply
}
