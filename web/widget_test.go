package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
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
	t.Parallel()
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
	t.Parallel()
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

// fromIP is a client that connects from 127.0.0.n: a citizen of its own
// for the rate limits.
func fromIP(n byte) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, n)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

var citizenIP atomic.Int32

// widgetForm posts a web chat message with a file, as the widget does, each
// time from another address unless from is given.
func (e *env) widgetForm(path string, fields map[string]string, name string, content []byte, from ...byte) (int, map[string]any) {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if content != nil {
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(content)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", "https://www.comune.example.it")
	ip := byte(10 + citizenIP.Add(1)%200)
	if len(from) > 0 {
		ip = from[0]
	}
	resp, err := fromIP(ip).Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// A citizen attaches a photo or a PDF in the web chat: the office sees it
// in the thread, the citizen gets it back with their token only, and
// anything else (another type, too large, two files, a chat that takes no
// files) is refused with a clear reason and leaves nothing behind.
func TestWidgetCitizenFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := start(t, testdb.Open(t, store.SQLite), func(c *app.Config) { c.DataDir = dir; c.MaxFileSize = 1 << 20 })
	ctx := context.Background()
	wc := e.newChannel(e.ente, redazione.ChannelWebChat, e.desks[0].ID, "")
	base := fmt.Sprintf("/widget/v1/%d", wc.ID)
	if code, cfg := e.widget("GET", base+"/config", nil); code != 200 || cfg["files"] != true || cfg["max_file_mb"] != float64(1) {
		t.Fatalf("config = %d %v; want files on, 1 MB", code, cfg)
	}

	photo := append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), bytes.Repeat([]byte{9}, 5000)...)
	code, out := e.widgetForm(base+"/messages", map[string]string{"name": "Paolo", "text": "La buca in via Roma"}, "buca.jpg", photo)
	tok, _ := out["token"].(string)
	if code != 202 || tok == "" {
		t.Fatalf("photo: %d %v", code, out)
	}
	id := int64(out["id"].(float64))
	m, err := e.db.Message(ctx, e.ente.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := e.db.Messages(ctx, redazione.SystemActor(e.ente.ID), m.ConversationID, 0)
	if len(ms) != 1 || ms[0].Text != "[foto: buca.jpg]\nLa buca in via Roma" || len(ms[0].Attachments) != 1 {
		t.Fatalf("stored %+v", ms)
	}
	att := ms[0].Attachments[0]
	if att.Status != redazione.AttachmentStored || att.ContentType != "image/jpeg" || att.Size != int64(len(photo)) {
		t.Fatalf("attachment %+v", att)
	}
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	b := e.login(op)
	if _, page := b.get(fmt.Sprint("/conversations/", m.ConversationID)); !strings.Contains(page, fmt.Sprintf(`src="/attachments/%d"`, att.ID)) {
		t.Errorf("the operator's thread does not show the citizen's photo")
	}
	if code, body := b.download(att.ID); code != 200 || !bytes.Equal(body, photo) {
		t.Errorf("operator download: %d, %d bytes", code, len(body))
	}
	// The citizen's widget lists it, served with their token only.
	_, list := e.widget("GET", base+"/messages?token="+url.QueryEscape(tok), nil)
	if !strings.Contains(fmt.Sprint(list), "buca.jpg") {
		t.Errorf("the widget does not list the citizen's file: %v", list)
	}
	get := func(path string) int {
		resp, err := http.Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := get(fmt.Sprintf("%s/attachments/%d?token=%s", base, att.ID, url.QueryEscape(tok))); c != 200 {
		t.Errorf("citizen download: %d", c)
	}
	if c := get(fmt.Sprintf("%s/attachments/%d?token=%s", base, att.ID, strings.Repeat("x", 40))); c == 200 {
		t.Errorf("another visitor downloaded the citizen's photo")
	}

	// A PDF alone, with no text, is a message of its own.
	pdf := []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
	if code, out := e.widgetForm(base+"/messages", map[string]string{"token": tok}, "modulo.pdf", pdf); code != 202 {
		t.Fatalf("pdf alone: %d %v", code, out)
	}

	count := func() (n int) {
		e.db.WriteDB().QueryRow("SELECT COUNT(*) FROM messages").Scan(&n)
		return n
	}
	messages, blobs := count(), blobFiles(t, dir)
	refused := []struct {
		what    string
		fields  map[string]string
		name    string
		content []byte
		code    int
		field   string
	}{
		{"a web page named .jpg", map[string]string{"token": tok, "text": "foto"}, "foto.jpg", []byte("<html><script>alert(1)</script></html>"), 400, "file"},
		{"a program", map[string]string{"token": tok}, "modulo.pdf.exe", append([]byte("MZ\x90\x00"), make([]byte, 600)...), 400, "file"},
		{"a file over the limit", map[string]string{"token": tok}, "grande.jpg", append([]byte("\xff\xd8\xff\xe0"), make([]byte, 1<<20+100)...), 413, ""},
		{"a bad token", map[string]string{"token": "corto"}, "buca.jpg", photo, 400, "token"},
		{"no text and no file", map[string]string{"token": tok}, "", nil, 400, "text"},
		{"a new photo with a text the inbox refuses", map[string]string{"token": tok, "text": "foto\x00"}, "altra.jpg", append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), bytes.Repeat([]byte{3}, 900)...), 400, "text"},
	}
	for _, c := range refused {
		code, out := e.widgetForm(base+"/messages", c.fields, c.name, c.content)
		if code != c.code || (c.field != "" && out["field"] != c.field) || out["error"] == "" {
			t.Errorf("%s: %d %v; want %d naming %q", c.what, code, out, c.code, c.field)
		}
	}
	// Two files in one message.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("token", tok)
	for _, n := range []string{"a.jpg", "b.jpg"} {
		fw, _ := mw.CreateFormFile("file", n)
		fw.Write(photo)
	}
	mw.Close()
	resp, err := fromIP(3).Post(e.srv.URL+base+"/messages", mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("two files: %d, want 400", resp.StatusCode)
	}
	if got := count(); got != messages {
		t.Errorf("refused files stored %d messages", got-messages)
	}
	if got := blobFiles(t, dir); got != blobs {
		t.Errorf("refused files left %d files on disk", got-blobs)
	}

	// One citizen may send a few files, then one a minute.
	for i := 0; ; i++ {
		code, out := e.widgetForm(base+"/messages", map[string]string{"token": tok, "text": fmt.Sprint("foto ", i)}, "buca.jpg", photo, 4)
		if code == 429 {
			if i != 5 || out["error"] == "" {
				t.Errorf("file %d refused for the rate: %v; want the sixth refused", i+1, out)
			}
			break
		}
		if code != 202 || i > 5 {
			t.Fatalf("file %d from one address: %d %v", i+1, code, out)
		}
	}

	// An administrator turns files off for the chat.
	if err := e.db.UpdateChannelSettings(ctx, redazione.SystemActor(e.ente.ID), wc.ID, map[string]string{"files": "off"}); err != nil {
		t.Fatal(err)
	}
	if code, cfg := e.widget("GET", base+"/config", nil); code != 200 || cfg["files"] != false {
		t.Errorf("config with files off = %v", cfg)
	}
	if code, out := e.widgetForm(base+"/messages", map[string]string{"token": tok, "text": "altra foto"}, "buca.jpg", photo); code != 400 || out["field"] != "file" {
		t.Errorf("file to a chat that takes none: %d %v", code, out)
	}
}
