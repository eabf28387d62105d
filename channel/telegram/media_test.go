package telegram

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/jobs"
)

func TestParseMedia(t *testing.T) {
	cases := []struct {
		file, text, source, name, mime string
		size                           int64
	}{
		{"photo.json", "[foto]", "AgACAgQAAxkBAAJ", "foto.jpg", "image/jpeg", 61234}, // the largest size
		{"document.json", "[documento: ricorso.pdf]", "BQACAgQAAxkBAAK", "ricorso.pdf", "application/pdf", 48211},
		{"voice.json", "[messaggio vocale, 7 s]", "AwACAgQAAxkBAAM", "messaggio-vocale.ogg", "audio/ogg", 23041},
		{"video.json", "Il sottopasso è allagato", "BAACAgQAAxkBAAN", "allagamento.mp4", "video/mp4", 2093817},
		{"audio.json", "[audio: rumore-notturno.mp3]", "CQACAgQAAxkBAAO", "rumore-notturno.mp3", "audio/mpeg", 1520432},
		{"sticker.json", "[sticker 👍]", "CAACAgIAAxkBAAP", "sticker.webp", "", 17628},
	}
	for _, tc := range cases {
		in, ok, err := Parse(read(t, tc.file))
		if err != nil || !ok {
			t.Fatalf("%s: ok=%v err=%v", tc.file, ok, err)
		}
		if !strings.Contains(in.Text, tc.text) {
			t.Errorf("%s: text %q lacks %q", tc.file, in.Text, tc.text)
		}
		if len(in.Attachments) != 1 {
			t.Fatalf("%s: attachments %+v", tc.file, in.Attachments)
		}
		a := in.Attachments[0]
		if a.Source != tc.source || a.Name != tc.name || a.ContentType != tc.mime || a.Size != tc.size || a.BlobKey != "" {
			t.Errorf("%s: attachment %+v", tc.file, a)
		}
	}
	in, _, _ := Parse(read(t, "location.json"))
	if len(in.Attachments) != 0 || !strings.Contains(in.Text, "openstreetmap.org/?mlat=41.902782") {
		t.Errorf("location: %+v", in)
	}
}

// fakeFiles is a Bot API serving getFile and the file download.
func fakeFiles(t *testing.T, getFile string, content []byte, downloads *int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/botTOKEN123/getFile":
			if getFile != "getfile_ok.json" {
				w.WriteHeader(400)
			}
			w.Write(read(t, getFile))
		case "/file/botTOKEN123/photos/file_7.jpg":
			*downloads++
			w.Write(content)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestFetch(t *testing.T) {
	content := bytes.Repeat([]byte("x"), 61234)
	var downloads int
	srv := fakeFiles(t, "getfile_ok.json", content, &downloads)
	ch := &redazione.Channel{Settings: map[string]string{"token": "TOKEN123", "api_base_url": srv.URL}}
	f, err := (Fetcher{}).Fetch(context.Background(), ch, "AgACAgQAAxkBAAJ", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f.Body)
	f.Body.Close()
	if !bytes.Equal(got, content) {
		t.Fatalf("fetched %d bytes", len(got))
	}
	// file_size over the limit: refused before the download
	if _, err := (Fetcher{}).Fetch(context.Background(), ch, "AgACAgQAAxkBAAJ", 1000); !errors.Is(err, channel.ErrTooLarge) || downloads != 1 {
		t.Errorf("over the limit: %v after %d downloads", err, downloads)
	}
	srv = fakeFiles(t, "getfile_too_big.json", nil, &downloads)
	ch.Settings["api_base_url"] = srv.URL
	if _, err := (Fetcher{}).Fetch(context.Background(), ch, "x", 1<<30); !errors.Is(err, channel.ErrTooLarge) {
		t.Errorf("file is too big for the Bot API: %v", err)
	}
	ch.Settings["api_base_url"] = "http://127.0.0.1:1"
	if _, err := (Fetcher{}).Fetch(context.Background(), ch, "x", 1000); err == nil || strings.Contains(err.Error(), "TOKEN123") {
		t.Errorf("unreachable: %v (the error must not show the token)", err)
	}
}

// recordingBotAPI records the multipart uploads and JSON calls it gets.
type recordingBotAPI struct {
	*httptest.Server
	mu    sync.Mutex
	calls []botCall
}

type botCall struct {
	method, caption, chat, filename string
	file                            []byte
	text                            string
}

// newRecordingBotAPI answers 502 from call failFrom on (-1: never).
func newRecordingBotAPI(t *testing.T, failFrom int) *recordingBotAPI {
	b := &recordingBotAPI{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		defer b.mu.Unlock()
		method := strings.TrimPrefix(r.URL.Path, "/botTOKEN123/")
		c := botCall{method: method}
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			r.ParseMultipartForm(1 << 20)
			c.caption, c.chat = r.FormValue("caption"), r.FormValue("chat_id")
			for _, field := range []string{"photo", "document"} {
				if f, h, err := r.FormFile(field); err == nil {
					c.file, _ = io.ReadAll(f)
					c.filename = h.Filename
				}
			}
		} else {
			b, _ := io.ReadAll(r.Body)
			c.text = string(b)
		}
		if failFrom >= 0 && len(b.calls) >= failFrom {
			w.WriteHeader(502)
			return
		}
		b.calls = append(b.calls, c)
		w.Write(read(t, "send_photo_ok.json"))
	}))
	t.Cleanup(b.Close)
	return b
}

func TestSendFiles(t *testing.T) {
	conv := &redazione.Conversation{Contact: redazione.Contact{ExternalID: "1111111"}}
	img := []byte("\xff\xd8\xff\xe0 una foto")
	api := newRecordingBotAPI(t, -1)
	ch := &redazione.Channel{Settings: map[string]string{"token": "TOKEN123", "api_base_url": api.URL}}
	files := func() []channel.File {
		return []channel.File{{Name: "cantieri.jpg", ContentType: "image/jpeg", Size: int64(len(img)), Body: io.NopCloser(bytes.NewReader(img))}}
	}
	if err := (Sender{}).SendFiles(context.Background(), ch, conv, &redazione.Message{Text: "Ecco la mappa dei cantieri."}, files()); err != nil {
		t.Fatal(err)
	}
	if len(api.calls) != 1 || api.calls[0].method != "sendPhoto" || !bytes.Equal(api.calls[0].file, img) ||
		api.calls[0].caption != "Ecco la mappa dei cantieri." || api.calls[0].chat != "1111111" || api.calls[0].filename != "cantieri.jpg" {
		t.Fatalf("calls = %+v", api.calls)
	}
	// a PDF goes as a document; a text too long for a caption follows it
	long := strings.Repeat("parola ", 200)
	api = newRecordingBotAPI(t, -1)
	ch.Settings["api_base_url"] = api.URL
	pdf := []channel.File{{Name: "modulo.pdf", ContentType: "application/pdf", Body: io.NopCloser(strings.NewReader("%PDF-1.4"))}}
	if err := (Sender{}).SendFiles(context.Background(), ch, conv, &redazione.Message{Text: long}, pdf); err != nil {
		t.Fatal(err)
	}
	if len(api.calls) != 2 || api.calls[0].method != "sendDocument" || api.calls[0].caption != "" || api.calls[1].method != "sendMessage" || !strings.Contains(api.calls[1].text, "parola") {
		t.Fatalf("calls = %+v", api.calls)
	}
	// the file went, the text did not: never retried, or the file would go twice
	api = newRecordingBotAPI(t, 1)
	ch.Settings["api_base_url"] = api.URL
	pdf[0].Body = io.NopCloser(strings.NewReader("%PDF-1.4"))
	var perm jobs.Permanent
	if err := (Sender{}).SendFiles(context.Background(), ch, conv, &redazione.Message{Text: long}, pdf); !errors.As(err, &perm) || !strings.Contains(err.Error(), "in parte") {
		t.Errorf("partial send: %v, want a permanent error saying so", err)
	}
	// nothing went: tried again
	api = newRecordingBotAPI(t, 0)
	ch.Settings["api_base_url"] = api.URL
	if err := (Sender{}).SendFiles(context.Background(), ch, conv, &redazione.Message{Text: "x"}, files()); err == nil || errors.As(err, &perm) {
		t.Errorf("nothing sent: %v, want a temporary error", err)
	}
}
