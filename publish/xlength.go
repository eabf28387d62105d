package publish

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"golang.org/x/text/unicode/norm"
)

// X counts a post's length as twitter-text's v3 configuration says
// (https://github.com/twitter/twitter-text, config/v3.json): the text is
// normalised (NFC), every URL counts transformedURLLength (23), every
// emoji (a whole sequence: skin tones, ZWJ families, flags, keycaps)
// counts 2, a code point in the ranges below counts 1 and any other 2; a
// post may weigh 280. No maintained Go port of twitter-text is served to
// this build, hence this one, tested against the library's conformance
// examples (publish/xlength_test.go).
const (
	xMaxWeighted = 280
	xURLLength   = 23
)

// XMaxAltText is the longest alternative text X keeps for an image
// (POST /2/media/metadata).
const XMaxAltText = 1000

// xLightRanges are the code points that weigh 1 (twitter-text v3 "ranges",
// weight 100 on a scale of 100): Latin, Greek, Cyrillic, … up to U+10FF,
// and the general punctuation spaces, dashes, quotes and primes.
var xLightRanges = [][2]rune{{0, 4351}, {8192, 8205}, {8208, 8223}, {8242, 8247}}

func xWeight(r rune) int {
	for _, rg := range xLightRanges {
		if r >= rg[0] && r <= rg[1] {
			return 1
		}
	}
	return 2
}

// xEmojiRune tells the code points that make a grapheme cluster an emoji
// sequence: pictographs, symbols and dingbats, regional indicators, the
// emoji variation selector, the keycap and the tag characters of
// subdivision flags.
func xEmojiRune(r rune) bool {
	switch {
	case r >= 0x1F000 && r <= 0x1FAFF, r >= 0x2600 && r <= 0x27BF, r >= 0x2300 && r <= 0x23FF,
		r >= 0x2B00 && r <= 0x2BFF, r >= 0x2190 && r <= 0x21FF, r >= 0xE0020 && r <= 0xE007F,
		r == 0xFE0F, r == 0x20E3, r == 0x200D, r == 0x3030, r == 0x303D, r == 0x3297, r == 0x3299,
		r == 0xA9, r == 0xAE, r == 0x203C, r == 0x2049, r == 0x2122, r == 0x2139:
		return true
	}
	return false
}

// xSchemeURL is a link with its scheme; xBareURL a domain without one
// (twitter-text finds both).
var (
	xSchemeURL = regexp.MustCompile(`(?i)https?://[^\s<>"]+`)
	xBareURL   = regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}@#$_./:-])((?:[\p{L}\p{N}](?:[\p{L}\p{N}_-]*[\p{L}\p{N}])?\.)+[a-z]{2,})((?:/[^\s<>"]*)?)`)
)

// xGenericTLDs are the generic top-level domains a bare domain is a link
// with (a subset of twitter-text's list: the ones Italian public
// administrations' posts name).
var xGenericTLDs = map[string]bool{"com": true, "net": true, "org": true, "edu": true, "gov": true, "int": true, "mil": true, "info": true,
	"biz": true, "name": true, "pro": true, "museum": true, "app": true, "dev": true, "news": true, "online": true, "site": true,
	"shop": true, "blog": true, "travel": true, "jobs": true, "mobi": true, "asia": true, "coop": true, "aero": true, "cat": true, "tel": true,
	"xyz": true, "academy": true, "cloud": true, "email": true, "social": true, "gallery": true, "events": true, "city": true, "school": true}

// trimURL drops the punctuation a sentence puts after a link.
func trimURL(u string) string {
	for {
		t := strings.TrimRight(u, ".,;:!?'»")
		if strings.HasSuffix(t, ")") && strings.Count(t, "(") < strings.Count(t, ")") {
			t = t[:len(t)-1]
		}
		if t == u {
			return u
		}
		u = t
	}
}

// SchemeLinks returns the byte ranges of the links of text written with
// their scheme (http:// or https://), without the punctuation a sentence
// puts after them: those X and Mastodon count at a fixed length.
func SchemeLinks(text string) [][2]int {
	var out [][2]int
	for _, m := range xSchemeURL.FindAllStringIndex(text, -1) {
		end := m[0] + len(trimURL(text[m[0]:m[1]]))
		if end-m[0] > len("https://") {
			out = append(out, [2]int{m[0], end})
		}
	}
	return out
}

// xLinks returns the byte ranges of the links X shortens in text.
func xLinks(text string) [][2]int {
	out := SchemeLinks(text)
	inLink := func(i int) bool {
		for _, l := range out {
			if i >= l[0] && i < l[1] {
				return true
			}
		}
		return false
	}
	for _, m := range xBareURL.FindAllStringSubmatchIndex(text, -1) {
		start, hostEnd, pathEnd := m[2], m[3], m[5]
		if inLink(start) {
			continue
		}
		host := strings.ToLower(text[start:hostEnd])
		labels := strings.Split(host, ".")
		tld, ok := labels[len(labels)-1], true
		for _, l := range labels {
			if len(l) > 63 {
				ok = false
			}
		}
		path := text[hostEnd:pathEnd]
		switch {
		case !ok:
		case xGenericTLDs[tld]:
		case len(tld) == 2:
			// A country-code domain alone (comune.it) is a link only with
			// a subdomain or a path; t.co always.
			ok = len(labels) > 2 || path != "" || host == "t.co"
		default:
			ok = false
		}
		if ok {
			out = append(out, [2]int{start, hostEnd + len(trimURL(path))})
		}
	}
	return out
}

// XLength is the weighted length X gives text (at most 280 for a post).
func XLength(text string) int {
	text = norm.NFC.String(text)
	links := xLinks(text)
	n, i := 0, 0
	for _, l := range links {
		n += xCount(text[i:l[0]]) + xURLLength
		i = l[1]
	}
	return n + xCount(text[i:])
}

// xCount weighs text without links: an emoji sequence 2, any other
// code point by its range.
func xCount(s string) int {
	n := 0
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		rs := g.Runes()
		if len(rs) > 1 && (xEmojiRune(rs[0]) || xEmojiRune(rs[len(rs)-1])) {
			n += 2
			continue
		}
		for _, r := range rs {
			if r == utf8.RuneError {
				n += 2
				continue
			}
			n += xWeight(r)
		}
	}
	return n
}
