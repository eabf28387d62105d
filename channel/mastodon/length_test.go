package mastodon

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/publish"
)

func TestReplyLimitFromTheInstance(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("testdata/instance_v2.json")
	if err != nil {
		t.Fatal(err)
	}
	// The instance of the documentation, with a limit of its own.
	doc = []byte(strings.Replace(string(doc), `"max_characters": 500`, `"max_characters": 1000`, 1))
	inst := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v2/instance" {
			http.NotFound(w, r)
			return
		}
		w.Write(doc)
	}))
	defer inst.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) }))
	defer down.Close()
	channels := map[int64]*redazione.Channel{
		1: {ID: 1, Kind: redazione.ChannelMastodon, Settings: map[string]string{"api_base_url": inst.URL}},
		2: {ID: 2, Kind: redazione.ChannelMastodon, Settings: map[string]string{"api_base_url": down.URL}},
	}
	s := Sender{Client: inst.Client(), Channel: func(_ context.Context, id int64) (*redazione.Channel, error) { return channels[id], nil }}
	conv := &redazione.Conversation{ChannelID: 1, Contact: redazione.Contact{ExternalID: "lucia@mastodon.example"}}
	// "@lucia " begins the answer: 7 of the instance's 1,000.
	if err := s.CheckReply(conv, strings.Repeat("a", 993)); err != nil {
		t.Fatalf("993 characters refused: %v", err)
	}
	err = s.CheckReply(conv, strings.Repeat("👍🏽", 994))
	if err == nil || !strings.Contains(err.Error(), "il testo ha 994 caratteri") || !strings.Contains(err.Error(), "al massimo 993") {
		t.Fatalf("994 characters: %v", err)
	}
	// A link counts 23, however long.
	if err := s.CheckReply(conv, strings.Repeat("a", 969)+" https://www.comune.example.it/"+strings.Repeat("x", 500)); err != nil {
		t.Fatalf("969 characters and a link refused: %v", err)
	}
	if got := s.ReplyLimit(conv); got != 993 {
		t.Fatalf("ReplyLimit = %d, want the instance's 1,000 less the mention", got)
	}
	// An instance that cannot say: Mastodon's default for the counter,
	// and no refusal here (the instance decides at delivery).
	conv2 := &redazione.Conversation{ChannelID: 2, Contact: redazione.Contact{ExternalID: "marco@altra.example"}}
	if err := s.CheckReply(conv2, strings.Repeat("a", 2000)); err != nil {
		t.Fatalf("refused without knowing the instance's limit: %v", err)
	}
	if got := s.ReplyLimit(conv2); got != publish.MastodonMaxCharacters-len("@marco ") {
		t.Fatalf("ReplyLimit = %d, want Mastodon's default less the mention", got)
	}
}
