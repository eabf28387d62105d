package meta

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/redazione/redazione"
)

func TestParseInstagramMentions(t *testing.T) {
	ms, err := ParseInstagramMentions(readTestdata(t, "instagram_mention.json"))
	if err != nil || len(ms) != 1 || ms[0] != (Mention{MediaID: "17920238422030506", CommentID: "17895695668004550"}) {
		t.Fatalf("%v %v", ms, err)
	}
	if m, ok := ParseMention(ms[0].ExternalID()); !ok || m != ms[0] {
		t.Errorf("external id round trip: %v", m)
	}
	if ms, err := ParseInstagramMentions(readTestdata(t, "instagram_comment.json")); err != nil || len(ms) != 0 {
		t.Errorf("a comment read as a mention: %v %v", ms, err)
	}
	if _, err := ParseInstagramMentions([]byte(`{"object": "instagram", "entry": [{"changes": [{"field": "mentions", "value": {"comment_id": "1"}}]}]}`)); err == nil {
		t.Error("a mention without media accepted")
	}
}

// The text of a mention comes from the Graph API: a caption mention's
// contact is the post's author, a comment mention's the post.
func TestFetchMention(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v21.0/17841400008460056" || r.Header.Get("Authorization") != "Bearer IG-TOKEN" {
			http.Error(w, `{"error": {"message": "Invalid OAuth access token", "code": 190}}`, 400)
			return
		}
		f := r.URL.Query().Get("fields")
		switch {
		case strings.HasPrefix(f, "mentioned_comment.comment_id(17895695668004550)"):
			w.Write(readTestdata(t, "mentioned_comment.json"))
		case strings.HasPrefix(f, "mentioned_media.media_id(17920238422030599)"):
			w.Write(readTestdata(t, "mentioned_media.json"))
		default:
			http.Error(w, `{"error": {"message": "Unsupported get request", "code": 100}}`, 400)
		}
	}))
	defer srv.Close()
	ch := &redazione.Channel{Kind: redazione.ChannelInstagram, Settings: map[string]string{"token": "IG-TOKEN", "page_id": "17841400008460056", "api_base_url": srv.URL}}
	in, err := FetchMention(t.Context(), nil, ch, Mention{MediaID: "17920238422030506", CommentID: "17895695668004550"})
	if err != nil || !in.Public || in.ContactID != "post:17920238422030506" || in.ContactName != "Commenti al post di @quartiere.nord" ||
		!strings.Contains(in.Text, "lampione") || in.SentAt.IsZero() {
		t.Fatalf("comment mention = %+v, %v", in, err)
	}
	in, err = FetchMention(t.Context(), nil, ch, Mention{MediaID: "17920238422030599"})
	if err != nil || in.ContactID != "paolo.neri" || in.ContactName != "@paolo.neri" || in.Text != "Buche in via Manzoni da mesi @comune.montevecchio" {
		t.Fatalf("caption mention = %+v, %v", in, err)
	}
	if _, err := FetchMention(t.Context(), nil, ch, Mention{MediaID: "1"}); err == nil {
		t.Error("a mention Instagram does not know was read")
	}
	ch.Settings["token"] = "sbagliato"
	if _, err := FetchMention(t.Context(), nil, ch, Mention{MediaID: "17920238422030599"}); err == nil || strings.Contains(err.Error(), "sbagliato") {
		t.Errorf("bad token: %v (the token must not appear)", err)
	}
}

func FuzzParseInstagramMentions(f *testing.F) {
	for _, name := range []string{"instagram_mention.json", "instagram_caption_mention.json", "instagram_comment.json"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ms, err := ParseInstagramMentions(body)
		if err != nil && len(ms) > 0 {
			t.Fatal("mentions returned with an error")
		}
		for _, m := range ms {
			if back, ok := ParseMention(m.ExternalID()); !ok || back != m {
				t.Fatalf("mention %+v does not survive its external id (%+v)", m, back)
			}
		}
	})
}
