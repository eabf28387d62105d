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

// Urgency returns the urgency and danger phrases of text, in order.
func Urgency(text string) []Alarm {
	low := strings.ToLower(text)
	if len(low) != len(text) {
		// lower-casing changed byte lengths (rare letters): offsets would
		// not match; fall back to an ASCII-only lower case.
		low = strings.Map(func(r rune) rune {
			if r < utf8.RuneSelf {
				return unicode.ToLower(r)
			}
			return r
		}, text)
	}
	var out []Alarm
	for d, phrases := range dangerPhrases {
		for _, p := range phrases {
			prefix := strings.HasSuffix(p, "*")
			p = strings.TrimSuffix(p, "*")
			for from := 0; ; {
				i := strings.Index(low[from:], p)
				if i < 0 {
					break
				}
				start, end := from+i, from+i+len(p)
				from = end
				if boundaryBefore(low, start) && (prefix || boundaryAfter(low, end)) {
					if prefix {
						for end < len(low) {
							r, size := utf8.DecodeRuneInString(low[end:])
							if !unicode.IsLetter(r) {
								break
							}
							end += size
						}
					}
					out = append(out, Alarm{Danger: d, Start: start, End: end, Value: text[start:end],
						Reason: dangerReasons[d] + ": «" + text[start:end] + "»"})
				}
			}
		}
	}
	// order by position, drop overlaps (keep the first, longest)
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
