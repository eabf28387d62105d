package detect

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Abuse kinds, as an ente's external social media policy (policy di
// utilizzo dei canali social) defines what is moderated.
const (
	Insult = "insult" // insults, vulgar words, hate speech
	Spam   = "spam"   // advertising, scams, repeated links
)

// AbuseFinding is a reason to moderate a message.
type AbuseFinding struct {
	Kind       string
	Start, End int
	Value      string
	Reason     string // Italian
}

// insultWords are matched as whole words (a trailing "*" matches any
// ending), case-insensitively. The list is kept short and unambiguous:
// each false alarm costs an operator's time.
var insultWords = []string{
	"stronz*", "cazz*", "vaffanculo", "fanculo", "coglion*", "merda", "merde", "puttan*", "troia", "bastard*",
	"idiot*", "imbecill*", "deficient*", "cretin*", "deficente", "schifos*",
	"negro", "negri", "frocio", "froci", "zingar*",
}

var spamPhrases = []string{"guadagna da casa", "guadagni facili", "clicca qui", "clicca sul link", "offerta imperdibile",
	"investi in bitcoin", "criptovalut", "vinci un iphone", "hai vinto", "promo esclusiva", "seguimi su", "followers gratis"}

// Abuse returns what in text calls for moderation, in order.
func Abuse(text string) []AbuseFinding {
	var out []AbuseFinding
	low := toLower(text)
	if len(low) != len(text) {
		return nil // offsets would not match: leave such rare texts to people
	}
	// Each word (a run of letters) once, without a list of them: Abuse
	// runs on every citizen's message.
	for i := 0; i < len(low); {
		r, size := utf8.DecodeRuneInString(low[i:])
		if !unicode.IsLetter(r) {
			i += size
			continue
		}
		start := i
		for i < len(low) {
			r, size = utf8.DecodeRuneInString(low[i:])
			if !unicode.IsLetter(r) {
				break
			}
			i += size
		}
		if isInsult(low[start:i]) {
			out = append(out, AbuseFinding{Kind: Insult, Start: start, End: i, Value: text[start:i],
				Reason: "linguaggio offensivo: «" + text[start:i] + "»"})
		}
	}
	return spamAndOrder(out, text, low)
}

// spamAndOrder adds to the insults found in text (low: its lower case) the
// signs of spam, and orders all by position.
func spamAndOrder(out []AbuseFinding, text, low string) []AbuseFinding {
	for _, p := range spamPhrases {
		if i := strings.Index(low, p); i >= 0 {
			out = append(out, AbuseFinding{Kind: Spam, Start: i, End: i + len(p), Value: text[i : i+len(p)],
				Reason: "possibile spam: «" + text[i:i+len(p)] + "»"})
		}
	}
	if n := strings.Count(low, "http://") + strings.Count(low, "https://"); n >= 3 {
		i := strings.Index(low, "http")
		out = append(out, AbuseFinding{Kind: Spam, Start: i, End: i + 4, Value: text[i : i+4], Reason: "possibile spam: molti collegamenti"})
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Start < out[j-1].Start; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// insultExact and insultPrefixes are insultWords split once: the whole
// words, and the beginnings of those ending in "*". Abuse runs on every
// citizen's message, for each of its words.
var insultExact, insultPrefixes = func() (map[string]bool, []string) {
	exact := map[string]bool{}
	var prefixes []string
	for _, iw := range insultWords {
		if stem, ok := strings.CutSuffix(iw, "*"); ok {
			prefixes = append(prefixes, stem)
		} else {
			exact[iw] = true
		}
	}
	return exact, prefixes
}()

// insultFirst marks the bytes an insult begins with: most words are
// ruled out by their first byte.
var insultFirst = func() (b [256]bool) {
	for _, iw := range insultWords {
		b[iw[0]] = true
	}
	return b
}()

// isInsult reports whether a lower-case word is one of insultWords.
func isInsult(w string) bool {
	if w == "" || !insultFirst[w[0]] {
		return false
	}
	if insultExact[w] {
		return true
	}
	for _, p := range insultPrefixes {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}
