package publish_test

import (
	"strings"
	"testing"

	"github.com/redazione/redazione/publish"
)

// Mastodon counts a status as its StatusLengthValidator does.
func TestMastodonLength(t *testing.T) {
	t.Parallel()
	long := "https://www.comune.example.it/servizi/" + strings.Repeat("anagrafe/", 20)
	for _, c := range []struct {
		text string
		want int
	}{
		{"ciao", 4},
		{"👍🏽 grazie", 8},                         // an emoji with its skin tone is one character
		{"è così", 6},                            // accented letters, composed or not
		{"e\u0300 cosi\u0300", 6},                // combining accents: one character each
		{"vedi " + long, 5 + 23},                 // a link counts 23 whatever its length
		{"vedi " + long + ".", 5 + 23 + 1},       // the full stop after it is not the link's
		{"vedi www.comune.example.it", 26},       // without its scheme it is text
		{"@lucia@mastodon.example ciao", 11},     // another instance's account, by its name
		{"@lucia ciao", 11},                      // an account of the instance itself
		{"scrivi a lucia@comune.example.it", 32}, // an e-mail address is text
	} {
		if got := publish.MastodonLength(c.text, 23); got != c.want {
			t.Errorf("MastodonLength(%q) = %d, want %d", c.text, got, c.want)
		}
	}
}
