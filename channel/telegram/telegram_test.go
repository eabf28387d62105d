package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/jobs"
)

func read(t testing.TB, name string) []byte {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseDocumentedUpdates(t *testing.T) {
	cases := []struct {
		file, contact, name, ext string
		text                     []string
	}{
		{"text.json", "1111111", "Lucia Ferri", "1111111:1365", []string{"a che ora apre l'anagrafe?"}},
		{"photo.json", "1111111", "Lucia Ferri", "1111111:1366", []string{"[foto]", "La buca in via Mazzini"}},
		{"document.json", "1111111", "Lucia Ferri", "1111111:1367", []string{"[documento: ricorso.pdf]"}},
		{"location.json", "1111111", "Lucia Ferri", "1111111:1368", []string{"[posizione: 41.902782, 12.496366", "openstreetmap.org"}},
	}
	for _, tc := range cases {
		in, ok, err := Parse(read(t, tc.file))
		if err != nil || !ok {
			t.Fatalf("%s: ok=%v err=%v", tc.file, ok, err)
		}
		if in.ContactID != tc.contact || in.ContactName != tc.name || in.ExternalID != tc.ext || in.SentAt.IsZero() {
			t.Errorf("%s: %+v", tc.file, in)
		}
		for _, want := range tc.text {
			if !strings.Contains(in.Text, want) {
				t.Errorf("%s: text %q lacks %q", tc.file, in.Text, want)
			}
		}
	}
	for _, f := range []string{"edited.json", "group.json"} {
		if _, ok, err := Parse(read(t, f)); ok || err != nil {
			t.Errorf("%s: ok=%v err=%v, want ignored without error", f, ok, err)
		}
	}
	for body, field := range map[string]string{`{"update_id": 1, "message": {"message_id": 2}}`: "message.chat", `{"message": {}}`: "update_id", `{`: "body", `[]`: "body"} {
		_, _, err := Parse([]byte(body))
		var de *redazione.Error
		if !errors.As(err, &de) || de.Code != redazione.EINVALID || de.Field != field {
			t.Errorf("%s: %v, want EINVALID naming %s", body, err, field)
		}
	}
}

// An edited message (edited_message, as the Bot API's Update documents it)
// is a revision of the message with the same chat and message id.
func TestParseEdit(t *testing.T) {
	rev, ok, err := ParseEdit(read(t, "edited.json"))
	if err != nil || !ok {
		t.Fatalf("edited.json: ok=%v err=%v", ok, err)
	}
	if rev.ExternalID != "1111111:1365" || rev.Text != "Buongiorno, a che ora apre l'ufficio anagrafe?" || rev.Deleted ||
		!rev.At.Equal(time.Unix(1763890240, 0)) {
		t.Errorf("revision = %+v", rev)
	}
	for _, f := range []string{"text.json", "group.json"} {
		if _, ok, err := ParseEdit(read(t, f)); ok || err != nil {
			t.Errorf("%s: ok=%v err=%v, want no revision", f, ok, err)
		}
	}
	if _, _, err := ParseEdit([]byte(`{"update_id": 1, "edited_message": {"message_id": 2}}`)); redazione.ErrorCode(err) != redazione.EINVALID {
		t.Errorf("an edit without its chat: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, n := range []string{"text.json", "photo.json", "document.json", "location.json", "edited.json", "group.json",
		"voice.json", "video.json", "audio.json", "sticker.json"} {
		f.Add(read(f, n))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, ok, err := Parse(body)
		if ok && err == nil {
			if in.ContactID == "" || in.ExternalID == "" || strings.TrimSpace(in.Text) == "" {
				t.Fatalf("accepted an update without contact, id or text: %+v", in)
			}
			for _, a := range in.Attachments {
				if a.Source == "" || a.BlobKey != "" || a.Size < 0 {
					t.Fatalf("an attachment without its file_id: %+v", a)
				}
			}
		}
	})
}

// fakeBotAPI answers sendMessage as the Bot API documents it.
func fakeBotAPI(t *testing.T, status int, file string, got *map[string]any) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/botTOKEN123/sendMessage" || r.Method != "POST" {
			http.NotFound(w, r)
			return
		}
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, got)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(read(t, file))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestSend(t *testing.T) {
	conv := &redazione.Conversation{Contact: redazione.Contact{ExternalID: "1111111"}}
	msg := &redazione.Message{Text: "Buongiorno Lucia, l'anagrafe apre alle 8:30."}
	var got map[string]any
	srv := fakeBotAPI(t, 200, "send_ok.json", &got)
	ch := &redazione.Channel{Kind: redazione.ChannelTelegram, Settings: map[string]string{"token": "TOKEN123", "api_base_url": srv.URL}}
	if err := (Sender{}).Send(context.Background(), ch, conv, msg); err != nil {
		t.Fatal(err)
	}
	if got["chat_id"] != float64(1111111) || got["text"] != msg.Text {
		t.Fatalf("sent %v", got)
	}
	var permanent jobs.Permanent
	srv = fakeBotAPI(t, 429, "send_429.json", &got)
	ch.Settings["api_base_url"] = srv.URL
	if err := (Sender{}).Send(context.Background(), ch, conv, msg); err == nil || errors.As(err, &permanent) || !strings.Contains(err.Error(), "3 s") {
		t.Errorf("429: %v, want a retryable error naming retry_after", err)
	}
	srv = fakeBotAPI(t, 403, "send_403.json", &got)
	ch.Settings["api_base_url"] = srv.URL
	if err := (Sender{}).Send(context.Background(), ch, conv, msg); !errors.As(err, &permanent) || !strings.Contains(err.Error(), "blocked") {
		t.Errorf("403: %v, want a permanent error with the reason", err)
	}
	ch.Settings["api_base_url"] = "http://127.0.0.1:1"
	if err := (Sender{}).Send(context.Background(), ch, conv, msg); err == nil || strings.Contains(err.Error(), "TOKEN123") {
		t.Errorf("unreachable: %v (the error must not show the token)", err)
	}
}
