package meta

import (
	"os"
	"testing"
)

func readTestdata(t testing.TB, name string) []byte {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParsePageFeed(t *testing.T) {
	ins, err := ParsePageFeed(readTestdata(t, "page_feed_comment.json"))
	if err != nil || len(ins) != 1 {
		t.Fatalf("%v %v", ins, err)
	}
	in := ins[0]
	if !in.Public || in.ExternalID != "998877665544332_1122334455" || in.ContactID != "7010203040506070" || in.ContactName != "Giulia Rossi" ||
		in.Text != "Il ponte di via Roma sarà riaperto prima di Natale?" || in.SentAt.Unix() != 1749416383 {
		t.Errorf("comment = %+v", in)
	}
	if ins, err := ParsePageFeed(readTestdata(t, "page_feed_other.json")); err != nil || len(ins) != 0 {
		t.Errorf("the page's own comment, an edit, a reaction, a removal: %v %v, want none", ins, err)
	}
	// a Messenger message is no comment, and a comment no message
	if ins, err := ParsePageFeed(readTestdata(t, "messenger_text.json")); err != nil || len(ins) != 0 {
		t.Errorf("messenger message as a comment: %v %v", ins, err)
	}
	if ins, err := ParseMessaging(readTestdata(t, "page_feed_comment.json"), "page"); err != nil || len(ins) != 0 {
		t.Errorf("comment as a messenger message: %v %v", ins, err)
	}
	anonymous := `{"object": "page", "entry": [{"id": "1", "changes": [{"field": "feed", "value": {"item": "comment", "verb": "add", "comment_id": "9_8", "post_id": "1_9", "message": "Senza autore"}}]}]}`
	if ins, err := ParsePageFeed([]byte(anonymous)); err != nil || len(ins) != 1 || ins[0].ContactID != "post:1_9" {
		t.Errorf("a comment whose author Meta leaves out: %v %v, want it under its post", ins, err)
	}
	for name, body := range map[string]string{
		"not JSON":       `{"object": "page"`,
		"wrong object":   `{"object": "instagram", "entry": []}`,
		"no comment id":  `{"object": "page", "entry": [{"id": "1", "changes": [{"field": "feed", "value": {"item": "comment", "verb": "add", "from": {"id": "2"}, "message": "x"}}]}]}`,
		"value not JSON": `{"object": "page", "entry": [{"id": "1", "changes": [{"field": "feed", "value": "testo"}]}]}`,
	} {
		if _, err := ParsePageFeed([]byte(body)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParseInstagramComments(t *testing.T) {
	ins, err := ParseInstagramComments(readTestdata(t, "instagram_comment.json"))
	if err != nil || len(ins) != 1 {
		t.Fatalf("%v %v", ins, err)
	}
	if in := ins[0]; !in.Public || in.ExternalID != "17865799348089039" || in.ContactID != "232323232" || in.ContactName != "marta.bianchi" ||
		in.Text != "Quando riapre la piscina comunale?" {
		t.Errorf("comment = %+v", in)
	}
	if ins, err := ParseInstagramComments(readTestdata(t, "instagram_own_comment.json")); err != nil || len(ins) != 0 {
		t.Errorf("the account's own answer: %v %v, want none", ins, err)
	}
	if ins, err := ParseInstagramComments(readTestdata(t, "instagram_text.json")); err != nil || len(ins) != 0 {
		t.Errorf("a direct message as a comment: %v %v", ins, err)
	}
	if _, err := ParseInstagramComments(readTestdata(t, "page_feed_comment.json")); err == nil {
		t.Error("a Page payload read as Instagram")
	}
}

// The parsers never panic, and what they accept is valid to store.
func FuzzParsePageFeed(f *testing.F) {
	for _, name := range []string{"page_feed_comment.json", "page_feed_other.json", "messenger_text.json"} {
		f.Add(readTestdata(f, name))
	}
	f.Add([]byte(`{"object": "page", "entry": [{"id": "1", "changes": [{"field": "feed", "value": null}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ins, err := ParsePageFeed(body)
		if err != nil && len(ins) > 0 {
			t.Fatal("messages returned with an error")
		}
		for _, in := range ins {
			if err := in.Validate(); err != nil || !in.Public {
				t.Fatalf("accepted %+v: %v", in, err)
			}
		}
	})
}

func FuzzParseInstagramComments(f *testing.F) {
	for _, name := range []string{"instagram_comment.json", "instagram_own_comment.json", "instagram_text.json"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ins, err := ParseInstagramComments(body)
		if err != nil && len(ins) > 0 {
			t.Fatal("messages returned with an error")
		}
		for _, in := range ins {
			if err := in.Validate(); err != nil || !in.Public {
				t.Fatalf("accepted %+v: %v", in, err)
			}
		}
	})
}
