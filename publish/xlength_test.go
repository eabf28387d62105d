package publish_test

import (
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/publish"
)

// The examples of twitter-text's conformance suite (conformance/validate.yml,
// sections WeightedTweetsCounterTest and
// WeightedTweetsWithDiscountedEmojiCounterTest, v3 configuration, and
// lengths), with their expected weighted length.
func TestXLengthConformance(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		text string
		want int
	}{
		{"This is a test.", 15},
		{"http://test.com", 23},
		{"https://test.com", 23},
		{"test.com", 23},
		{"Test https://test.com test https://test.com test.com test", 86},
		{"Hi http://test.co", 26},
		{"http://test.co", 23},
		{"285 chars-" + strings.Repeat("xxxxxxxxxx-", 25), 285},
		{strings.Repeat("https://www.twitter.com/aloha ", 10), 240},
		{"H\U0001f431☺\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466", 7},
		{"\U0001f637\U0001f47e\U0001f621\U0001f525\U0001f4a9", 10},
		{"\U0001f64b\U0001f3fd\U0001f468\u200d\U0001f3a4", 4},
		{"1\u20e3", 2},
		{"Unicode 10.0 emoji: \U0001f92a; \U0001f9d5; \U0001f9d5\U0001f3fe; \U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f", 34},
		{"Unicode 9.0 emoji: \U0001f920; \U0001f483; \U0001f483\U0001f3fe", 29},
		{"randomurlrandomurlrandomurlrandomurlrandomurlrandomurlrandomurls.com", 68},
		{"example.com", 23},
		{"foo.co.jp", 23},
		{"\U00010000\U0010ffff", 4},
		{"저찀쯿쿿", 8},
		{"A\u0301B", 2}, // NFC: Á is one character
	} {
		if got := publish.Length(redazione.ChannelX, c.text); got != c.want {
			t.Errorf("Length(x, %q) = %d, want %d", c.text, got, c.want)
		}
	}
}

// What an Italian office writes: accents weigh 1, a link 23 however long,
// a bare country-code domain is text unless it has a subdomain or a path.
func TestXLengthItalian(t *testing.T) {
	t.Parallel()
	long := "https://www.comune.esempio.it/it/notizie/avvisi/2026/bando-contributi-associazioni-sportive-e-culturali"
	for _, c := range []struct {
		text string
		want int
	}{
		{"Perché è così? Più città, più età.", 34},
		{"Il bando è online: " + long + ".", 19 + 23 + 1},
		{"Scrivici a comune.it", 20},
		{"Vai su www.comune.esempio.it/bandi", 7 + 23},
		{"Buon Natale 🎄🎅🏻", 12 + 2 + 2},
	} {
		if got := publish.Length(redazione.ChannelX, c.text); got != c.want {
			t.Errorf("Length(x, %q) = %d, want %d", c.text, got, c.want)
		}
	}
	if publish.MaxLength(redazione.ChannelX) != 280 {
		t.Error("X takes 280")
	}
}

// The length check blocks a post X would refuse, and only that: 140
// ideograms fill an X post, 141 do not; a long link does not.
func TestXLengthCheck(t *testing.T) {
	t.Parallel()
	rules := publish.Rules{MaxLength: publish.MaxLength(redazione.ChannelX), Kind: redazione.ChannelX}
	day := calendar.Date{Year: 2026, Month: 12, Day: 7}
	blocked := func(text string) bool {
		for _, f := range publish.Check(text, day, false, rules) {
			if f.Check == "length" {
				return true
			}
		}
		return false
	}
	if blocked(strings.Repeat("の", 140)) || !blocked(strings.Repeat("の", 141)) {
		t.Error("140 ideograms weigh 280")
	}
	if blocked(strings.Repeat("a", 250) + " https://www.comune.esempio.it/" + strings.Repeat("x", 200)) {
		t.Error("a long link counts 23")
	}
	for _, f := range publish.Check(strings.Repeat("の", 141), day, false, rules) {
		if f.Check == "length" && !strings.Contains(f.Message, "282") {
			t.Errorf("the message gives the weighted length: %s", f.Message)
		}
	}
}
