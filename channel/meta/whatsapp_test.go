package meta

import (
	"os"
	"strings"
	"testing"

	"github.com/redazione/redazione/channel/apichannel"
)

func read(t testing.TB, name string) []byte {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifyAndHandshake(t *testing.T) {
	body := read(t, "text.json")
	if !Verify("s3cret", body, apichannel.Sign("s3cret", body)) {
		t.Error("a good signature is refused")
	}
	for _, h := range []string{"", "sha256=", "sha1=" + apichannel.Sign("s3cret", body)[7:], apichannel.Sign("other", body), "sha256=zz"} {
		if Verify("s3cret", body, h) {
			t.Errorf("signature %q accepted", h)
		}
	}
	if Verify("", body, apichannel.Sign("", body)) {
		t.Error("a channel without an app secret accepts signatures")
	}
	if c, ok := Handshake("tok", "subscribe", "tok", "42"); !ok || c != "42" {
		t.Error("handshake refused")
	}
	if _, ok := Handshake("tok", "unsubscribe", "tok", "42"); ok {
		t.Error("a mode other than subscribe accepted")
	}
	if _, ok := Handshake("", "subscribe", "", "42"); ok {
		t.Error("an empty verify token accepted")
	}
}

func TestParseWhatsApp(t *testing.T) {
	ins, err := ParseWhatsApp(read(t, "text.json"))
	if err != nil || len(ins) != 1 || ins[0].ContactName != "Sheena Nelson" || ins[0].ContactID != "16505551234" ||
		ins[0].Text != "Does it come in another color?" || !strings.HasPrefix(ins[0].ExternalID, "wamid.") || ins[0].SentAt.IsZero() {
		t.Fatalf("text: %+v %v", ins, err)
	}
	ins, err = ParseWhatsApp(read(t, "image_location.json"))
	if err != nil || len(ins) != 2 || !strings.Contains(ins[0].Text, "[foto]") || !strings.Contains(ins[1].Text, "45.464200, 9.190000") {
		t.Fatalf("image and location: %+v %v", ins, err)
	}
	if ins, err := ParseWhatsApp(read(t, "status.json")); err != nil || len(ins) != 0 {
		t.Fatalf("status: %+v %v", ins, err)
	}
	for _, bad := range []string{`{`, `{"object": "page"}`, `{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": {"messages": [{"type": "text", "text": {"body": "x"}}]}}]}]}`} {
		if _, err := ParseWhatsApp([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func FuzzParseWhatsApp(f *testing.F) {
	for _, n := range []string{"text.json", "image_location.json", "status.json", "document.json", "media_kinds.json"} {
		f.Add(read(f, n))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ins, err := ParseWhatsApp(body)
		if err != nil && len(ins) != 0 {
			t.Fatal("an error with messages: a partial result could be stored")
		}
		for _, in := range ins {
			if in.ExternalID == "" || in.ContactID == "" || strings.TrimSpace(in.Text) == "" {
				t.Fatalf("accepted a message without id, contact or text: %+v", in)
			}
			for _, a := range in.Attachments {
				if a.Source == "" || a.Name == "" || a.BlobKey != "" {
					t.Fatalf("an attachment without its reference or name: %+v", a)
				}
			}
		}
	})
}

func TestParseMessaging(t *testing.T) {
	ins, err := ParseMessaging(read(t, "messenger_text.json"), "page")
	if err != nil || len(ins) != 1 || ins[0].ContactID != "6543210987654321" || ins[0].ExternalID != "m_AbCdEfGhIjKlMnOp" ||
		!strings.Contains(ins[0].Text, "raccolta della carta") || ins[0].SentAt.Year() != 2025 {
		t.Fatalf("messenger text: %+v %v", ins, err)
	}
	ins, err = ParseMessaging(read(t, "messenger_attachment.json"), "page")
	if err != nil || len(ins) != 1 || ins[0].Text != "[foto]" {
		t.Fatalf("attachment, echo and delivery: %+v %v (only the citizen's photo is a message)", ins, err)
	}
	if _, err := ParseMessaging(read(t, "instagram_text.json"), "page"); err == nil {
		t.Error("an Instagram payload accepted on a Messenger channel")
	}
	ins, err = ParseMessaging(read(t, "instagram_text.json"), "instagram")
	if err != nil || len(ins) != 1 || !strings.Contains(ins[0].Text, "sala civica") {
		t.Fatalf("instagram: %+v %v", ins, err)
	}
}

func FuzzParseMessaging(f *testing.F) {
	for _, n := range []string{"messenger_text.json", "messenger_attachment.json", "messenger_media.json"} {
		f.Add(read(f, n))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ins, _ := ParseMessaging(body, "page")
		for _, in := range ins {
			if in.ExternalID == "" || in.ContactID == "" || strings.TrimSpace(in.Text) == "" {
				t.Fatalf("accepted a message without id, contact or text: %+v", in)
			}
			for _, a := range in.Attachments {
				if a.Source == "" || a.Name == "" || a.BlobKey != "" {
					t.Fatalf("an attachment without its reference or name: %+v", a)
				}
			}
		}
	})
}
