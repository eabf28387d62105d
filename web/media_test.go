package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/channel/apichannel"
	"github.com/redazione/redazione/channel/meta"
	"github.com/redazione/redazione/channel/telegram"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// jpeg and png are small files whose type the blob store sniffs.
var (
	jpeg = append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), bytes.Repeat([]byte("foto della buca "), 500)...)
	png  = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte("mappa dei cantieri "), 300)...)
)

type apiFile struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	Status      string `json:"status"`
	Error       string `json:"error"`
	URL         string `json:"url"`
}

// waitFiles waits until no attachment of the conversation is pending and
// returns them all, in thread order.
func (e *env) waitFiles(token string, conv int64, within time.Duration) []apiFile {
	e.t.Helper()
	var all []apiFile
	waitUntil(within, func() bool {
		var th struct {
			Messages []struct {
				Attachments []apiFile `json:"attachments"`
			} `json:"messages"`
		}
		e.apiGet(token, fmt.Sprintf("/api/v1/conversations/%d", conv), &th)
		all = nil
		pending := false
		for _, m := range th.Messages {
			for _, a := range m.Attachments {
				all = append(all, a)
				pending = pending || a.Status == "pending"
			}
		}
		return !pending
	})
	return all
}

// download fetches an attachment as the logged-in operator.
func (b *browser) download(id int64) (int, []byte) {
	b.e.t.Helper()
	resp, err := b.c.Get(fmt.Sprintf("%s/attachments/%d", b.e.srv.URL, id))
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// postFile posts the composer's multipart form with a file.
func (b *browser) postFile(path string, form url.Values, name string, content []byte) (int, string) {
	b.e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	form.Set("csrf", b.csrf)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", b.e.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// blobFiles counts the files kept in a blob store directory.
func blobFiles(t *testing.T, dir string) int {
	n := 0
	filepath.WalkDir(filepath.Join(dir, "blobs"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

// mediaBotAPI is a fake Bot API with getFile, the file downloads and the
// send methods (sendMessage, sendPhoto, sendDocument as multipart uploads).
type mediaBotAPI struct {
	*httptest.Server
	mu         sync.Mutex
	files      map[string][]byte // file_path → content
	failFirst  map[string]int    // file_path → 503 answers before the file
	downloads  map[string]int
	sent       []map[string]string // fields of each send, "file" the upload
	noLength   bool                // stream files without Content-Length
	getFileIDs []string
}

func newMediaBotAPI(t *testing.T, token string) *mediaBotAPI {
	b := &mediaBotAPI{files: map[string][]byte{}, failFirst: map[string]int{}, downloads: map[string]int{}}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch {
		case r.URL.Path == "/bot"+token+"/getFile":
			var req struct {
				FileID string `json:"file_id"`
			}
			json.NewDecoder(r.Body).Decode(&req)
			b.getFileIDs = append(b.getFileIDs, req.FileID)
			path := "photos/" + req.FileID + ".jpg"
			if _, ok := b.files[path]; !ok {
				w.WriteHeader(400)
				io.WriteString(w, `{"ok": false, "error_code": 400, "description": "Bad Request: invalid file_id"}`)
				return
			}
			fmt.Fprintf(w, `{"ok": true, "result": {"file_id": %q, "file_unique_id": "u", "file_path": %q}}`, req.FileID, path)
		case strings.HasPrefix(r.URL.Path, "/file/bot"+token+"/"):
			path := strings.TrimPrefix(r.URL.Path, "/file/bot"+token+"/")
			b.downloads[path]++
			if b.failFirst[path] > 0 {
				b.failFirst[path]--
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(503)
				return
			}
			content, ok := b.files[path]
			if !ok {
				http.NotFound(w, r)
				return
			}
			if b.noLength {
				for i := 0; i < len(content); i += 64 << 10 {
					w.Write(content[i:min(i+64<<10, len(content))])
					w.(http.Flusher).Flush()
				}
				return
			}
			w.Write(content)
		case r.URL.Path == "/bot"+token+"/sendMessage":
			var m map[string]any
			json.NewDecoder(r.Body).Decode(&m)
			b.sent = append(b.sent, map[string]string{"method": "sendMessage", "text": fmt.Sprint(m["text"])})
			w.Write(tgUpdate(t, "send_ok.json"))
		case r.URL.Path == "/bot"+token+"/sendPhoto" || r.URL.Path == "/bot"+token+"/sendDocument":
			if err := r.ParseMultipartForm(1 << 20); err != nil {
				w.WriteHeader(400)
				return
			}
			got := map[string]string{"method": strings.TrimPrefix(r.URL.Path, "/bot"+token+"/"), "chat_id": r.FormValue("chat_id"), "caption": r.FormValue("caption")}
			for _, field := range []string{"photo", "document"} {
				if f, h, err := r.FormFile(field); err == nil {
					c, _ := io.ReadAll(f)
					got["file"], got["filename"] = string(c), h.Filename
				}
			}
			b.sent = append(b.sent, got)
			w.Write(tgUpdate(t, "send_photo_ok.json"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(b.Close)
	return b
}

func (e *env) telegramChannel(t *testing.T, api *mediaBotAPI, token string) *redazione.Channel {
	ch := &redazione.Channel{Kind: redazione.ChannelTelegram, Name: "Bot del Comune", DeskID: e.desks[0].ID, Secret: auth.NewToken(""),
		Settings: map[string]string{"token": token, "api_base_url": api.URL}}
	if err := e.db.CreateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
		t.Fatal(err)
	}
	return ch
}

func (e *env) postTelegram(t *testing.T, ch *redazione.Channel, body []byte) {
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/hooks/telegram/%d", e.srv.URL, ch.ID), bytes.NewReader(body))
	req.Header.Set(telegram.SecretHeader, ch.Secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("telegram update: %d", resp.StatusCode)
	}
}

func (e *env) postMeta(t *testing.T, ch *redazione.Channel, secret string, body []byte) {
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/hooks/meta/%d", e.srv.URL, ch.ID), bytes.NewReader(body))
	req.Header.Set(meta.SignatureHeader, apichannel.Sign(secret, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("meta webhook: %d", resp.StatusCode)
	}
}

func (e *env) onlyConversation(t *testing.T, tok string) int64 {
	var l apiList
	e.apiGet(tok, "/api/v1/conversations?status=any", &l)
	if len(l.Conversations) != 1 {
		t.Fatalf("%d conversations, want 1", len(l.Conversations))
	}
	return l.Conversations[0].ID
}

// A citizen's photo on Telegram is fetched through the Bot API (the first
// download fails and is retried), kept, shown in the thread without a
// reload, downloadable byte for byte; the operator answers with an image,
// which reaches Telegram as sendPhoto with its bytes.
func TestTelegramPhotoFetchedAndAnsweredWithAnImage(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		api := newMediaBotAPI(t, "BOT-TOKEN-42")
		api.files["photos/AgACAgQAAxkBAAJ.jpg"] = jpeg
		api.failFirst["photos/AgACAgQAAxkBAAJ.jpg"] = 1
		ch := e.telegramChannel(t, api, "BOT-TOKEN-42")
		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		tok := e.token(op)
		b := e.login(op)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		screen := b.events(ctx, "/events")

		e.postTelegram(t, ch, tgUpdate(t, "photo.json"))
		conv := e.onlyConversation(t, tok)
		files := e.waitFiles(tok, conv, 15*time.Second)
		if len(files) != 1 || files[0].Status != "stored" || files[0].ContentType != "image/jpeg" || files[0].Size != int64(len(jpeg)) {
			t.Fatalf("attachments = %+v", files)
		}
		api.mu.Lock()
		if api.downloads["photos/AgACAgQAAxkBAAJ.jpg"] != 2 || len(api.getFileIDs) < 1 || api.getFileIDs[0] != "AgACAgQAAxkBAAJ" {
			t.Errorf("downloads %v, getFile %v: want the largest size, fetched again after the 503", api.downloads, api.getFileIDs)
		}
		api.mu.Unlock()
		if !waitEvent(t, screen, "delivery", fmt.Sprintf(`"conversation":%d`, conv), 5*time.Second) {
			t.Error("the open screen was not told the photo arrived")
		}
		_, page := b.get(fmt.Sprintf("/conversations/%d", conv))
		if !strings.Contains(page, fmt.Sprintf(`<img class="msg-image" src="/attachments/%d" alt="Immagine inviata dal cittadino: foto.jpg"`, files[0].ID)) ||
			!strings.Contains(page, "La buca in via Mazzini") {
			t.Error("the thread does not show the photo")
		}
		if code, got := b.download(files[0].ID); code != 200 || !bytes.Equal(got, jpeg) {
			t.Fatalf("download: %d, %d bytes; want the photo byte for byte", code, len(got))
		}

		// The composer takes a file; the reply goes out as sendPhoto.
		if !strings.Contains(page, `<label for="reply-file"`) || !strings.Contains(page, `enctype="multipart/form-data"`) {
			t.Fatal("the composer has no file input")
		}
		code, body := b.postFile(fmt.Sprintf("/conversations/%d/messages", conv), url.Values{"kind": {"reply"}, "text": {"Ecco la mappa dei cantieri."}}, "mappa.png", png)
		if code != 200 {
			t.Fatalf("reply with an image: %d", code)
		}
		if st, why := e.waitDelivery(tok, conv, msgIDRe(body), "sent", 10*time.Second); st != "sent" {
			t.Fatalf("delivery %q (%s)", st, why)
		}
		api.mu.Lock()
		if len(api.sent) != 1 || api.sent[0]["method"] != "sendPhoto" || api.sent[0]["file"] != string(png) ||
			api.sent[0]["caption"] != "Ecco la mappa dei cantieri." || api.sent[0]["chat_id"] != "1111111" || api.sent[0]["filename"] != "mappa.png" {
			t.Fatalf("Telegram got %v", api.sent)
		}
		api.mu.Unlock()
		_, page = b.get(fmt.Sprintf("/conversations/%d", conv))
		if !strings.Contains(page, `alt="Immagine allegata alla risposta: mappa.png"`) {
			t.Error("the thread does not show the image of the reply")
		}
	})
}

// WhatsApp: a citizen's document is fetched by its media id through the
// Graph API; the operator's image goes out as a media upload, then a
// message of type image with the uploaded id.
func TestWhatsAppDocumentFetchedAndAnsweredWithAnImage(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		pdf := []byte("%PDF-1.4\n" + strings.Repeat("domanda di contributo ", 200))
		var mu sync.Mutex
		var uploads [][]byte
		var sent []map[string]any
		var leaked []string
		graph := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			// debug_token (the token's expiry check, run in the background)
			// takes the token in its query, as Meta documents it
			if r.Header.Get("Authorization") != "Bearer WA-TOKEN" && !strings.HasSuffix(r.URL.Path, "/debug_token") {
				leaked = append(leaked, r.URL.Path)
				w.WriteHeader(401)
				io.WriteString(w, `{"error": {"message": "Invalid OAuth access token", "code": 190}}`)
				return
			}
			switch {
			case r.Method == "GET" && r.URL.Path == "/v21.0/2754859441498128":
				var m map[string]any
				json.Unmarshal(waPayload(t, "media_url.json"), &m)
				m["url"] = "http://" + r.Host + "/whatsapp_business/attachments/?mid=2754859441498128"
				m["file_size"] = fmt.Sprint(len(pdf))
				json.NewEncoder(w).Encode(m)
			case r.Method == "GET" && r.URL.Path == "/whatsapp_business/attachments/":
				w.Write(pdf)
			case r.Method == "POST" && r.URL.Path == "/v21.0/106540352242922/media":
				r.ParseMultipartForm(1 << 20)
				f, _, err := r.FormFile("file")
				if err != nil || r.FormValue("messaging_product") != "whatsapp" || r.FormValue("type") != "image/png" {
					w.WriteHeader(400)
					io.WriteString(w, `{"error": {"message": "bad upload", "code": 100}}`)
					return
				}
				c, _ := io.ReadAll(f)
				uploads = append(uploads, c)
				w.Write(waPayload(t, "media_upload_ok.json"))
			case r.Method == "POST" && r.URL.Path == "/v21.0/106540352242922/messages":
				var m map[string]any
				json.NewDecoder(r.Body).Decode(&m)
				sent = append(sent, m)
				w.Write(waPayload(t, "send_ok.json"))
			default:
				http.NotFound(w, r)
			}
		}))
		defer graph.Close()
		ch := &redazione.Channel{Kind: redazione.ChannelWhatsApp, Name: "WhatsApp URP", DeskID: e.desks[0].ID, Secret: auth.NewToken(""),
			Settings: map[string]string{"token": "WA-TOKEN", "app_secret": "APP-SECRET", "verify_token": "v", "phone_number_id": "106540352242922", "api_base_url": graph.URL}}
		if err := db.CreateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
			t.Fatal(err)
		}
		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		tok := e.token(op)
		e.postMeta(t, ch, "APP-SECRET", waAt(t, "document.json", time.Now()))
		conv := e.onlyConversation(t, tok)
		files := e.waitFiles(tok, conv, 15*time.Second)
		if len(files) != 1 || files[0].Status != "stored" || files[0].Name != "domanda-contributo.pdf" || files[0].ContentType != "application/pdf" {
			t.Fatalf("attachments = %+v", files)
		}
		b := e.login(op)
		_, page := b.get(fmt.Sprintf("/conversations/%d", conv))
		if !strings.Contains(page, fmt.Sprintf(`<a href="/attachments/%d" download>domanda-contributo.pdf</a>`, files[0].ID)) || !strings.Contains(page, "La domanda firmata") {
			t.Error("the thread does not offer the document")
		}
		if code, got := b.download(files[0].ID); code != 200 || !bytes.Equal(got, pdf) {
			t.Fatalf("download: %d, %d bytes", code, len(got))
		}
		code, body := b.postFile(fmt.Sprintf("/conversations/%d/messages", conv), url.Values{"kind": {"reply"}, "text": {"Ricevuta, grazie. Ecco la mappa."}}, "mappa.png", png)
		if code != 200 {
			t.Fatalf("reply with an image: %d", code)
		}
		if st, why := e.waitDelivery(tok, conv, msgIDRe(body), "sent", 10*time.Second); st != "sent" {
			t.Fatalf("delivery %q (%s)", st, why)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(uploads) != 1 || !bytes.Equal(uploads[0], png) || len(sent) != 1 {
			t.Fatalf("uploads %d, sent %v", len(uploads), sent)
		}
		image, _ := sent[0]["image"].(map[string]any)
		if sent[0]["type"] != "image" || sent[0]["to"] != "393471112233" || image["id"] != "1037543291543636" || image["caption"] != "Ricevuta, grazie. Ecco la mappa." {
			t.Fatalf("sent %v", sent[0])
		}
		if len(leaked) != 0 {
			t.Errorf("requests without the token: %v", leaked)
		}
	})
}

// Messenger: an image at a URL the signed webhook gave is kept; a URL on a
// host that is neither https nor the platform's is never requested, and
// the attachment says why it was not kept.
func TestMessengerImageFetchedForeignURLRefused(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		var mu sync.Mutex
		foreign := 0
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			foreign++
			mu.Unlock()
			w.Write(png)
		}))
		defer other.Close()
		cdn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/v/t1.15752-9/cassonetto_n.png" || r.Header.Get("Authorization") != "" {
				http.NotFound(w, r)
				return
			}
			w.Write(png)
		}))
		defer cdn.Close()
		ch := &redazione.Channel{Kind: redazione.ChannelMessenger, Name: "Pagina Facebook", DeskID: e.desks[0].ID, Secret: auth.NewToken(""),
			Settings: map[string]string{"token": "PAGE-TOKEN", "app_secret": "APP", "verify_token": "v", "page_id": "112233445566778", "api_base_url": cdn.URL}}
		if err := db.CreateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf(`{"object": "page", "entry": [{"id": "112233445566778", "time": %[1]d, "messaging": [{"sender": {"id": "6543210987654321"}, "recipient": {"id": "112233445566778"}, "timestamp": %[1]d,
			"message": {"mid": "m_Media0001", "text": "Il cassonetto rotto", "attachments": [{"type": "image", "payload": {"url": "%[2]s/v/t1.15752-9/cassonetto_n.png?oh=abc"}}, {"type": "image", "payload": {"url": "%[3]s/altra.png"}}]}}]}]}`,
			time.Now().UnixMilli(), cdn.URL, other.URL)
		e.postMeta(t, ch, "APP", []byte(body))
		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		tok := e.token(op)
		conv := e.onlyConversation(t, tok)
		files := e.waitFiles(tok, conv, 15*time.Second)
		if len(files) != 2 || files[0].Status != "stored" || files[0].Name != "cassonetto_n.png" || files[0].ContentType != "image/png" {
			t.Fatalf("attachments = %+v", files)
		}
		if files[1].Status != "failed" || !strings.Contains(files[1].Error, "non ammesso") {
			t.Errorf("foreign URL: %+v, want failed with the reason", files[1])
		}
		mu.Lock()
		if foreign != 0 {
			t.Errorf("the foreign host was requested %d times", foreign)
		}
		mu.Unlock()
		b := e.login(op)
		if code, got := b.download(files[0].ID); code != 200 || !bytes.Equal(got, png) {
			t.Fatalf("download: %d, %d bytes", code, len(got))
		}
		_, page := b.get(fmt.Sprintf("/conversations/%d", conv))
		if !strings.Contains(page, fmt.Sprintf(`src="/attachments/%d"`, files[0].ID)) || !strings.Contains(page, "indirizzo del file non ammesso") {
			t.Error("the thread does not show the image and the refusal")
		}
	})
}

// A file over the limit is refused, whether the platform says its length
// or not, with the reason in the thread and nothing in the blob store; an
// operator's file over the limit is refused before anything is stored.
func TestOversizedFilesRefused(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		e := start(t, db, func(c *app.Config) { c.DataDir = dir; c.MaxFileSize = 1 << 20 })
		api := newMediaBotAPI(t, "BOT-TOKEN-42")
		big := append([]byte("\xff\xd8\xff\xe0"), bytes.Repeat([]byte("x"), 2<<20)...)
		api.files["photos/AgACAgQAAxkBAAJ.jpg"] = big
		ch := e.telegramChannel(t, api, "BOT-TOKEN-42")
		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		tok := e.token(op)
		e.postTelegram(t, ch, tgUpdate(t, "photo.json"))
		conv := e.onlyConversation(t, tok)
		api.mu.Lock()
		api.noLength = true // the next one streams without a length
		api.mu.Unlock()
		e.postTelegram(t, ch, bytes.Replace(bytes.Replace(tgUpdate(t, "photo.json"), []byte(`"message_id": 1366`), []byte(`"message_id": 1466`), 1),
			[]byte(`"update_id": 10001`), []byte(`"update_id": 10101`), 1))
		files := e.waitFiles(tok, conv, 15*time.Second)
		if len(files) != 2 {
			t.Fatalf("attachments = %+v", files)
		}
		for _, f := range files {
			if f.Status != "failed" || f.Error != "file troppo grande (oltre 1 MB)" {
				t.Errorf("oversized: %+v", f)
			}
		}
		b := e.login(op)
		_, page := b.get(fmt.Sprintf("/conversations/%d", conv))
		if !strings.Contains(page, "file troppo grande (oltre 1 MB)") {
			t.Error("the thread does not say why the photo is missing")
		}
		code, body := b.postFile(fmt.Sprintf("/conversations/%d/messages", conv), url.Values{"kind": {"reply"}, "text": {"Troppo grande"}}, "grande.jpg", big)
		if code != http.StatusRequestEntityTooLarge && code != http.StatusBadRequest || !strings.Contains(body, "file troppo grande (oltre 1 MB)") {
			t.Errorf("an operator's oversized file: %d", code)
		}
		if _, m := e.count(tok); m != 2 {
			t.Errorf("%d messages, want the citizen's 2 only", m)
		}
		if n := blobFiles(t, dir); n != 0 {
			t.Errorf("%d files in the blob store, want none", n)
		}
	})
}

// An attachment left pending by a crash (the message stored, its fetch job
// never enqueued) is fetched when the office restarts.
func TestPendingFetchSurvivesRestart(t *testing.T) {
	t.Parallel()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			dsn := testdb.URL(t, d)
			db, err := store.Open(context.Background(), dsn, "")
			if err != nil {
				t.Fatal(err)
			}
			e := start(t, db)
			api := newMediaBotAPI(t, "BOT-TOKEN-42")
			api.files["photos/AgACAgQAAxkBAAJ.jpg"] = jpeg
			ch := e.telegramChannel(t, api, "BOT-TOKEN-42")
			op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
			e.srv.Close()
			e.app.Close(context.Background())

			// what a process that died after storing the message left
			// behind: stored while no office runs, so that no sweep of the
			// first one can fetch it, however slow the machine
			db2, err := store.Open(context.Background(), dsn, "")
			if err != nil {
				t.Fatal(err)
			}
			res, err := db2.Ingest(t.Context(), ch, store.Inbound{ExternalID: "1111111:1", ContactID: "1111111", Text: "[foto]",
				Attachments: []store.InboundAttachment{{Name: "foto.jpg", Source: "AgACAgQAAxkBAAJ"}}})
			if err != nil {
				t.Fatal(err)
			}
			api.mu.Lock()
			if len(api.getFileIDs) != 0 {
				t.Fatal("the attachment was fetched before the restart: the test proves nothing")
			}
			api.mu.Unlock()
			e2 := e.attach(t, db2)
			files := e2.waitFiles(e2.token(op), res.ConversationID, 15*time.Second)
			if len(files) != 1 || files[0].Status != "stored" || files[0].Size != int64(len(jpeg)) {
				t.Fatalf("attachments after the restart = %+v", files)
			}
		})
	}
}

// The web chat shows a reply's file to its citizen only, as a link served
// with their token; a note's file never reaches them.
func TestWebChatFileReachesOnlyItsCitizen(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	wc := e.newChannel(e.ente, redazione.ChannelWebChat, e.desks[0].ID, "")
	base := fmt.Sprintf("/widget/v1/%d", wc.ID)
	_, out := e.widget("POST", base+"/messages", map[string]string{"name": "Lucia", "text": "Mi mandate il modulo?"})
	tok, _ := out["token"].(string)
	_, other := e.widget("POST", base+"/messages", map[string]string{"text": "Io sono un altro visitatore"})
	otherTok, _ := other["token"].(string)
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	b := e.login(op)
	var l apiList
	e.apiGet(e.token(op), "/api/v1/conversations", &l)
	var conv int64
	for _, c := range l.Conversations {
		if c.LastMessage != nil && strings.Contains(c.LastMessage.Text, "modulo") {
			conv = c.ID
		}
	}
	path := fmt.Sprintf("/conversations/%d", conv)
	if _, page := b.get(path); strings.Contains(page, "non può inviare file") || !strings.Contains(page, `<label for="reply-file"`) {
		t.Error("the web chat composer does not offer a file")
	}
	if code, _ := b.postFile(path+"/messages", url.Values{"kind": {"note"}, "text": {"Modulo interno"}}, "interno.png", jpeg); code != 200 {
		t.Fatalf("note with a file: %d", code)
	}
	if code, _ := b.postFile(path+"/messages", url.Values{"kind": {"reply"}, "text": {"Ecco il modulo."}}, "modulo.png", png); code != 200 {
		t.Fatalf("reply with a file: %d", code)
	}
	var th struct {
		Messages []struct {
			Text  string
			Files []struct {
				ID         int64
				Name, Path string
			}
		}
	}
	resp, err := http.Get(e.srv.URL + base + "/messages?token=" + url.QueryEscape(tok))
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&th)
	resp.Body.Close()
	var files []struct {
		ID         int64
		Name, Path string
	}
	for _, m := range th.Messages {
		if strings.Contains(m.Text, "Modulo interno") {
			t.Fatal("the citizen sees an internal note")
		}
		files = append(files, m.Files...)
	}
	if len(files) != 1 || files[0].Name != "modulo.png" {
		t.Fatalf("widget files = %+v", files)
	}
	get := func(path, token string) (int, []byte) {
		resp, err := http.Get(e.srv.URL + base + path + "?token=" + url.QueryEscape(token))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, body
	}
	if code, got := get(files[0].Path, tok); code != 200 || !bytes.Equal(got, png) {
		t.Fatalf("the citizen's file: %d, %d bytes", code, len(got))
	}
	if code, _ := get(files[0].Path, otherTok); code != http.StatusNotFound {
		t.Errorf("another visitor: %d, want 404", code)
	}
	ts := e.waitFiles(e.token(op), conv, time.Second)
	if len(ts) != 2 || ts[0].Name != "interno.png" {
		t.Fatalf("thread files = %+v", ts)
	}
	if code, _ := get(fmt.Sprintf("/attachments/%d", ts[0].ID), tok); code != http.StatusNotFound {
		t.Errorf("a note's file by the citizen's token: %d, want 404", code)
	}
}

// A channel that cannot send files (the API channel) says so in the
// composer; a reply with a file is refused before the file is kept.
func TestChannelWithoutFilesRefusesThem(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := start(t, testdb.Open(t, store.SQLite), func(c *app.Config) { c.DataDir = dir })
	conv := e.ingest(e.api, "q1", "cit-1", "Posso mandarvi il modulo?")
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	tok := e.token(op)
	b := e.login(op)
	path := fmt.Sprintf("/conversations/%d", conv)
	if _, page := b.get(path); !strings.Contains(page, "Questo canale non può inviare file al cittadino") {
		t.Error("the composer does not say the channel cannot send files")
	}
	code, body := b.postFile(path+"/messages", url.Values{"kind": {"reply"}, "text": {"Ecco il modulo"}}, "modulo.png", png)
	if code != http.StatusBadRequest || !strings.Contains(body, "non può inviare file") {
		t.Fatalf("reply with a file on the API channel: %d", code)
	}
	if _, m := e.count(tok); m != 1 || blobFiles(t, dir) != 0 {
		t.Fatalf("%d messages, %d files after a refused reply, want 1 and none", m, blobFiles(t, dir))
	}
}
