package meta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/jobs"
)

func TestParseWhatsAppMedia(t *testing.T) {
	ins, err := ParseWhatsApp(read(t, "document.json"))
	if err != nil || len(ins) != 1 {
		t.Fatalf("document: %+v %v", ins, err)
	}
	if a := ins[0].Attachments; len(a) != 1 || a[0].Source != "2754859441498128" || a[0].Name != "domanda-contributo.pdf" || a[0].ContentType != "application/pdf" ||
		!strings.Contains(ins[0].Text, "[documento: domanda-contributo.pdf]") || !strings.Contains(ins[0].Text, "La domanda firmata") {
		t.Fatalf("document: %+v", ins[0])
	}
	ins, err = ParseWhatsApp(read(t, "media_kinds.json"))
	if err != nil || len(ins) != 3 {
		t.Fatalf("audio, video, sticker: %+v %v", ins, err)
	}
	for i, want := range []struct{ text, source, name string }{
		{"[audio]", "1117219216735701", "audio.ogg"},
		{"Il lampione spento", "1190538492312007", "video.mp4"},
		{"[sticker]", "1029813502361958", "sticker.webp"},
	} {
		if a := ins[i].Attachments; !strings.Contains(ins[i].Text, want.text) || len(a) != 1 || a[0].Source != want.source || a[0].Name != want.name {
			t.Errorf("%d: %+v", i, ins[i])
		}
	}
	ins, _ = ParseWhatsApp(read(t, "image_location.json"))
	if len(ins[0].Attachments) != 1 || ins[0].Attachments[0].Source != "1003383421387256" || len(ins[1].Attachments) != 0 {
		t.Errorf("image and location: %+v", ins)
	}
}

func TestParseMessagingMedia(t *testing.T) {
	ins, err := ParseMessaging(read(t, "messenger_media.json"), "page")
	if err != nil || len(ins) != 4 {
		t.Fatalf("%+v %v", ins, err)
	}
	a := ins[0].Attachments
	if ins[0].Text != "Il cassonetto rotto\n[foto]\n[documento]" || len(a) != 2 || a[0].Name != "cassonetto_n.jpg" ||
		!strings.HasPrefix(a[0].Source, "https://scontent.xx.fbcdn.net/") || a[1].Name != "modulo.pdf" {
		t.Errorf("image and file: %+v", ins[0])
	}
	if a := ins[1].Attachments; ins[1].Text != "[audio]\n[video]" || len(a) != 2 || a[0].Name != "audioclip.mp4" {
		t.Errorf("audio and video: %+v", ins[1])
	}
	if !strings.Contains(ins[2].Text, "[posizione: 41.890200, 12.492200 https://www.openstreetmap.org/") || len(ins[2].Attachments) != 0 {
		t.Errorf("location: %+v", ins[2])
	}
	if ins[3].Text != "[allegato]" || len(ins[3].Attachments) != 0 {
		t.Errorf("fallback: %+v", ins[3])
	}
}

// graphMedia is a Graph API serving media metadata, the media, the media
// upload and the Send API, recording what it gets.
type graphMedia struct {
	*httptest.Server
	mu       sync.Mutex
	content  []byte
	size     string
	mediaURL string // answered as the media's url; the server's own by default
	auth     []string
	uploads  [][]byte
	messages []map[string]any
	fields   []map[string][]string
}

func newGraphMedia(t *testing.T, content []byte) *graphMedia {
	g := &graphMedia{content: content}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.auth = append(g.auth, r.Header.Get("Authorization"))
		if r.Header.Get("Authorization") != "Bearer WA-TOKEN" {
			w.WriteHeader(401)
			io.WriteString(w, `{"error": {"message": "Invalid OAuth access token", "code": 190}}`)
			return
		}
		switch {
		case r.Method == "GET" && r.URL.Path == "/v21.0/2754859441498128":
			var m map[string]any
			json.Unmarshal(read(t, "media_url.json"), &m)
			m["url"] = g.URL + "/whatsapp_business/attachments/?mid=2754859441498128"
			if g.mediaURL != "" {
				m["url"] = g.mediaURL
			}
			if g.size != "" {
				m["file_size"] = g.size
			}
			json.NewEncoder(w).Encode(m)
		case r.Method == "GET" && r.URL.Path == "/v21.0/999":
			w.WriteHeader(400)
			io.WriteString(w, `{"error": {"message": "Unsupported get request. Object with ID '999' does not exist", "code": 100}}`)
		case r.Method == "GET" && r.URL.Path == "/whatsapp_business/attachments/":
			w.Write(g.content)
		case r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/media"):
			r.ParseMultipartForm(1 << 20)
			f, _, err := r.FormFile("file")
			if err != nil || r.FormValue("messaging_product") != "whatsapp" {
				w.WriteHeader(400)
				return
			}
			b, _ := io.ReadAll(f)
			g.uploads = append(g.uploads, b)
			w.Write(read(t, "media_upload_ok.json"))
		case r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/messages"):
			if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
				r.ParseMultipartForm(1 << 20)
				f, _, err := r.FormFile("filedata")
				if err != nil {
					w.WriteHeader(400)
					return
				}
				b, _ := io.ReadAll(f)
				g.uploads = append(g.uploads, b)
				g.fields = append(g.fields, r.MultipartForm.Value)
				w.Write(read(t, "send_messenger_ok.json"))
				return
			}
			var m map[string]any
			json.NewDecoder(r.Body).Decode(&m)
			g.messages = append(g.messages, m)
			w.Write(read(t, "send_ok.json"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(g.Close)
	return g
}

func TestWhatsAppFetch(t *testing.T) {
	pdf := []byte("%PDF-1.4 la domanda firmata")
	g := newGraphMedia(t, pdf)
	ch := &redazione.Channel{Settings: map[string]string{"token": "WA-TOKEN", "api_base_url": g.URL}}
	f, err := (WhatsAppFetcher{}).Fetch(context.Background(), ch, "2754859441498128", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f.Body)
	f.Body.Close()
	if !bytes.Equal(got, pdf) || f.ContentType != "application/pdf" {
		t.Fatalf("fetched %q (%s)", got, f.ContentType)
	}
	if g.auth[1] != "Bearer WA-TOKEN" {
		t.Error("the media URL was fetched without the token")
	}
	// file_size over the limit: refused before the download
	g.size = "30000000"
	n := len(g.auth)
	if _, err := (WhatsAppFetcher{}).Fetch(context.Background(), ch, "2754859441498128", 1<<20); !errors.Is(err, channel.ErrTooLarge) || len(g.auth) != n+1 {
		t.Errorf("over the limit: %v, %d requests", err, len(g.auth)-n)
	}
	g.size = ""
	var perm jobs.Permanent
	if _, err := (WhatsAppFetcher{}).Fetch(context.Background(), ch, "999", 1<<20); !errors.As(err, &perm) || !errors.Is(err, channel.ErrGone) {
		t.Errorf("expired media: %v, want permanent: the platform no longer has the file", err)
	}
	// a media URL on a foreign host, over http: never requested, no token sent
	foreign := 0
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { foreign++ }))
	defer other.Close()
	g.mediaURL = other.URL + "/rubato"
	if _, err := (WhatsAppFetcher{}).Fetch(context.Background(), ch, "2754859441498128", 1<<20); !errors.As(err, &perm) || foreign != 0 {
		t.Errorf("foreign URL: %v, %d requests to it", err, foreign)
	}
}

func TestMessengerFetch(t *testing.T) {
	img := []byte("\x89PNG\r\n\x1a\n immagine")
	cdn := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cdn++
		if r.Header.Get("Authorization") != "" {
			t.Error("a token was sent to the CDN")
		}
		if r.URL.Path == "/scaduto.jpg" {
			w.WriteHeader(403)
			return
		}
		w.Write(img)
	}))
	defer srv.Close()
	ch := &redazione.Channel{Settings: map[string]string{"token": "PAGE-TOKEN", "api_base_url": srv.URL}}
	f, err := (MessengerFetcher{}).Fetch(context.Background(), ch, srv.URL+"/cassonetto.png?oh=1", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f.Body)
	f.Body.Close()
	if !bytes.Equal(got, img) {
		t.Fatalf("fetched %q", got)
	}
	var perm jobs.Permanent
	if _, err := (MessengerFetcher{}).Fetch(context.Background(), ch, srv.URL+"/scaduto.jpg", 1<<20); !errors.Is(err, channel.ErrGone) {
		t.Errorf("expired URL: %v", err)
	}
	ch.Settings["api_base_url"] = "https://graph.facebook.com"
	n := cdn
	if _, err := (MessengerFetcher{}).Fetch(context.Background(), ch, srv.URL+"/cassonetto.png", 1<<20); !errors.As(err, &perm) || cdn != n {
		t.Errorf("plain http on a host not configured: %v, %d requests", err, cdn-n)
	}
}

func TestWhatsAppSendFiles(t *testing.T) {
	img := []byte("\xff\xd8\xff\xe0 foto del cantiere")
	g := newGraphMedia(t, nil)
	ch := &redazione.Channel{Settings: map[string]string{"token": "WA-TOKEN", "api_base_url": g.URL, "phone_number_id": "106540352242922"}}
	conv := &redazione.Conversation{Contact: redazione.Contact{ExternalID: "393471112233"}}
	files := []channel.File{{Name: "cantiere.jpg", ContentType: "image/jpeg", Body: io.NopCloser(bytes.NewReader(img))}}
	if err := (WhatsAppSender{}).SendFiles(context.Background(), ch, conv, &redazione.Message{Text: "Il cantiere chiude venerdì."}, files); err != nil {
		t.Fatal(err)
	}
	if len(g.uploads) != 1 || !bytes.Equal(g.uploads[0], img) || len(g.messages) != 1 {
		t.Fatalf("uploads %d, messages %v", len(g.uploads), g.messages)
	}
	m := g.messages[0]
	image, _ := m["image"].(map[string]any)
	if m["type"] != "image" || m["to"] != "393471112233" || image["id"] != "1037543291543636" || image["caption"] != "Il cantiere chiude venerdì." {
		t.Fatalf("sent %v", m)
	}
}

func TestMessengerSendFiles(t *testing.T) {
	pdf := []byte("%PDF-1.4 modulo")
	g := newGraphMedia(t, nil)
	ch := &redazione.Channel{Settings: map[string]string{"token": "WA-TOKEN", "api_base_url": g.URL, "page_id": "112233445566778"}}
	conv := &redazione.Conversation{Contact: redazione.Contact{ExternalID: "6543210987654321"}}
	files := []channel.File{{Name: "modulo.pdf", ContentType: "application/pdf", Body: io.NopCloser(bytes.NewReader(pdf))}}
	if err := (MessengerSender{}).SendFiles(context.Background(), ch, conv, &redazione.Message{Text: "Ecco il modulo."}, files); err != nil {
		t.Fatal(err)
	}
	if len(g.uploads) != 1 || !bytes.Equal(g.uploads[0], pdf) || len(g.messages) != 1 {
		t.Fatalf("uploads %d, messages %v", len(g.uploads), g.messages)
	}
	f := g.fields[0]
	if !strings.Contains(f["recipient"][0], "6543210987654321") || f["messaging_type"][0] != "RESPONSE" || !strings.Contains(f["message"][0], `"type":"file"`) {
		t.Errorf("upload fields %v", f)
	}
	if msg, _ := g.messages[0]["message"].(map[string]any); msg["text"] != "Ecco il modulo." {
		t.Errorf("text %v", g.messages[0])
	}
}

func FuzzNameFromURL(f *testing.F) {
	for _, s := range []string{"https://scontent.xx.fbcdn.net/v/t1/cassonetto_n.jpg?oh=1", "https://cdn/x/", "https://cdn/%2e%2e%2fetc", "://", "https://cdn/a%00b.jpg"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		name := nameFromURL(raw, "documento")
		if name == "" || len(name) > 255 || !utf8.ValidString(name) || strings.ContainsAny(name, "/\x00\r\n") {
			t.Fatalf("name %q from %q", name, raw)
		}
	})
}

// A file name or type no store would keep never refuses the message: Meta
// would resend it forever.
func TestParseWhatsAppOddFileNames(t *testing.T) {
	body := strings.Replace(string(read(t, "document.json")), `"filename": "domanda-contributo.pdf", "mime_type": "application/pdf"`,
		`"filename": "`+strings.Repeat("domanda ", 60)+`/../x\u0000.pdf", "mime_type": "application/pdf\u0000"`, 1)
	ins, err := ParseWhatsApp([]byte(body))
	if err != nil || len(ins) != 1 || len(ins[0].Attachments) != 1 {
		t.Fatalf("%+v %v", ins, err)
	}
	a := ins[0].Attachments[0]
	if len(a.Name) > 200 || strings.ContainsAny(a.Name, "/\x00") || a.ContentType != "" || a.Source != "2754859441498128" {
		t.Errorf("attachment %+v", a)
	}
}
