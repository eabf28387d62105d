package publish_test

import (
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/publish"
)

func TestCheckInstagram(t *testing.T) {
	t.Parallel()
	messages := func(fs []publish.Finding) string {
		var out []string
		for _, f := range fs {
			if f.Level != publish.Block {
				t.Errorf("%s is not a block", f.Message)
			}
			out = append(out, f.Message)
		}
		return strings.Join(out, "\n")
	}
	if got := messages(publish.CheckInstagram("Solo testo", nil)); !strings.Contains(got, "Instagram pubblica solo post con almeno un'immagine") {
		t.Errorf("text only: %q", got)
	}
	if got := messages(publish.CheckInstagram("Una foto", []string{"image/png"})); !strings.Contains(got, "solo immagini JPEG") {
		t.Errorf("a PNG: %q", got)
	}
	if got := publish.CheckInstagram("Festa del #patrono con @comune.alfa, scrivi a urp@comune.it #festa", []string{"image/jpeg", "image/jpeg"}); len(got) != 0 {
		t.Errorf("a good post: %v", got)
	}
	tags := strings.Repeat("#tag ", 31)
	if got := messages(publish.CheckInstagram(tags, []string{"image/jpeg"})); !strings.Contains(got, "31 hashtag") {
		t.Errorf("31 hashtags: %q", got)
	}
	if got := publish.CheckInstagram(strings.Repeat("#tag ", 30)+"C#", []string{"image/jpeg"}); len(got) != 0 {
		t.Errorf("30 hashtags: %v", got)
	}
	mentions := strings.Repeat("@ufficio ", 21) + "e urp@comune.it"
	if got := messages(publish.CheckInstagram(mentions, []string{"image/jpeg"})); !strings.Contains(got, "menziona 21 account") {
		t.Errorf("21 mentions: %q", got)
	}
	if publish.MaxLength(redazione.ChannelInstagram) != 2200 {
		t.Errorf("caption limit %d", publish.MaxLength(redazione.ChannelInstagram))
	}
}
