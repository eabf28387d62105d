package detect

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Danger is a kind of urgent situation.
type Danger string

const (
	Emergency Danger = "emergency" // fire, flood, collapse, gas, injured people
	Threat    Danger = "threat"    // threats of violence
	SelfHarm  Danger = "self_harm" // a citizen who may hurt themself
)

// Alarm is an urgency or danger phrase found in a text.
type Alarm struct {
	Danger     Danger
	Start, End int
	Value      string
	Reason     string // Italian, for the operator
}

// dangerPhrases are matched on word boundaries, case-insensitively; a
// trailing "*" matches any word ending ("suicid*": suicidio, suicidarmi).
// Words common in ordinary PA traffic are left out on purpose ("sangue":
// blood donation; "soccorso": pronto soccorso; "112" a house number), since
// every false alarm costs a coordinator's attention.
var dangerPhrases = map[Danger][]string{
	Emergency: {"incendio", "incendi", "fiamme", "fuga di gas", "odore di gas", "crollo", "crollato", "crollata", "allagamento",
		"allagato", "allagata", "alluvione", "esondazione", "frana", "terremoto", "ferito", "ferita", "feriti", "ferite",
		"svenuto", "svenuta", "emergenza", "ambulanza", "aiuto subito",
		"pericolo di vita", "intrappolato", "intrappolata", "bambino solo", "anziano solo", "anziana sola"},
	Threat: {"ti ammazzo", "vi ammazzo", "lo ammazzo", "la ammazzo", "ammazzarvi", "ammazzarti", "vi uccido", "ti uccido",
		"bomba", "esplosivo", "vi faccio saltare", "la pagherete", "me la pagherete", "vengo a prendervi", "vi vengo a cercare",
		"spararvi", "vi sparo", "ti sparo", "armato"},
	SelfHarm: {"suicid*", "farla finita", "togliermi la vita", "uccidermi", "ammazzarmi", "non voglio più vivere",
		"non ce la faccio più a vivere", "voglio morire", "mi butto", "buttarmi giù", "tagliarmi"},
}

var dangerReasons = map[Danger]string{
	Emergency: "possibile emergenza",
	Threat:    "possibile minaccia",
	SelfHarm:  "possibile rischio per la persona (autolesionismo)",
}

// dangerPhrase is one of dangerPhrases, ready for Urgency.
type dangerPhrase struct {
	danger Danger
	text   string // without the "*" of a stem
}

// dangerByWord holds the whole-word phrases by their first word, and
// dangerStems those ending in "*" (single words). Urgency runs on every
// citizen's message: it reads the text's words once and looks each up,
// where a search per phrase read the text seventy times.
var dangerByWord, dangerStems = func() (map[string][]dangerPhrase, []dangerPhrase) {
	byWord := map[string][]dangerPhrase{}
	var stems []dangerPhrase
	for d, phrases := range dangerPhrases {
		for _, p := range phrases {
			if stem, ok := strings.CutSuffix(p, "*"); ok {
				stems = append(stems, dangerPhrase{d, stem})
				continue
			}
			first, _, _ := strings.Cut(p, " ")
			byWord[first] = append(byWord[first], dangerPhrase{d, p})
		}
	}
	return byWord, stems
}()

// dangerFirst marks the bytes a phrase begins with: most words are ruled
// out by their first byte.
var dangerFirst = func() (b [256]bool) {
	for _, phrases := range dangerPhrases {
		for _, p := range phrases {
			b[p[0]] = true
		}
	}
	return b
}()

// Urgency returns the urgency and danger phrases of text, in order.
func Urgency(text string) []Alarm {
	low := toLower(text)
	if len(low) != len(text) {
		// lower-casing changed byte lengths (rare letters): offsets would
		// not match; fall back to an ASCII-only lower case.
		low = strings.Map(func(r rune) rune {
			if r < utf8.RuneSelf {
				return unicode.ToLower(r)
			}
			return r
		}, text)
		if len(low) != len(text) {
			return nil // not UTF-8 (Inbound.Validate refuses such texts)
		}
	}
	var out []Alarm
	add := func(d Danger, start, end int) {
		out = append(out, Alarm{Danger: d, Start: start, End: end, Value: text[start:end],
			Reason: dangerReasons[d] + ": «" + text[start:end] + "»"})
	}
	// A phrase begins a word (a run of letters and digits) and, unless it
	// ends in "*", ends one.
	for i := 0; i < len(low); {
		r, size := utf8.DecodeRuneInString(low[i:])
		if !isWordRune(r) {
			i += size
			continue
		}
		start := i
		for i < len(low) {
			r, size = utf8.DecodeRuneInString(low[i:])
			if !isWordRune(r) {
				break
			}
			i += size
		}
		if !dangerFirst[low[start]] {
			continue
		}
		for _, p := range dangerByWord[low[start:i]] {
			if end := start + len(p.text); strings.HasPrefix(low[start:], p.text) && boundaryAfter(low, end) {
				add(p.danger, start, end)
			}
		}
		for _, p := range dangerStems {
			if !strings.HasPrefix(low[start:i], p.text) {
				continue
			}
			end := start + len(p.text)
			for end < len(low) {
				r, size := utf8.DecodeRuneInString(low[end:])
				if !unicode.IsLetter(r) {
					break
				}
				end += size
			}
			add(p.danger, start, end)
		}
	}
	return inOrder(out)
}

// inOrder orders alarms by position and drops overlaps (keeping the first,
// longest).
func inOrder(out []Alarm) []Alarm {
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && (out[j].Start < out[j-1].Start || out[j].Start == out[j-1].Start && out[j].End > out[j-1].End); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	var kept []Alarm
	for _, a := range out {
		if len(kept) > 0 && a.Start < kept[len(kept)-1].End {
			continue
		}
		kept = append(kept, a)
	}
	return kept
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || 'A' <= r && r <= 'Z'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func boundaryBefore(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

func boundaryAfter(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

// toLower is strings.ToLower, without its rune-by-rune mapping of a whole
// text for the few letters outside ASCII an Italian text has: the
// detectors lower-case every citizen's message.
func toLower(s string) string {
	var b []byte
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				if b == nil {
					b = []byte(s)
				}
				b[i] = c + 'a' - 'A'
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		l := unicode.ToLower(r)
		if r == utf8.RuneError && size == 1 || utf8.RuneLen(l) != size {
			return strings.ToLower(s) // invalid UTF-8, or a letter whose lower case is longer or shorter
		}
		if l != r {
			if b == nil {
				b = []byte(s)
			}
			utf8.EncodeRune(b[i:], l)
		}
		i += size
	}
	if b == nil {
		return s
	}
	return string(b)
}
