package detect

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// urgencyByScan and abuseByScan are Urgency and Abuse as first written:
// a search of the whole text per phrase, and a list of its words (the
// ordering and the spam phrases, which did not change, are shared). The
// detectors now read the text's words once; they must find exactly what
// these found.
func urgencyByScan(text string) []Alarm {
	low := strings.ToLower(text)
	if len(low) != len(text) {
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
	return inOrder(out) // unchanged
}

func abuseByScan(text string) []AbuseFinding {
	var out []AbuseFinding
	low := strings.ToLower(text)
	if len(low) != len(text) {
		return nil
	}
	type span struct {
		start, end int
		text       string
	}
	var words []span
	start := -1
	for i, r := range low {
		if unicode.IsLetter(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			words = append(words, span{start, i, low[start:i]})
			start = -1
		}
	}
	if start >= 0 {
		words = append(words, span{start, len(low), low[start:]})
	}
	for _, w := range words {
		hit := insultExact[w.text]
		for _, p := range insultPrefixes {
			hit = hit || strings.HasPrefix(w.text, p)
		}
		if hit {
			out = append(out, AbuseFinding{Kind: Insult, Start: w.start, End: w.end, Value: text[w.start:w.end],
				Reason: "linguaggio offensivo: «" + text[w.start:w.end] + "»"})
		}
	}
	return spamAndOrder(out, text, low) // unchanged
}

// TestDetectorsAsByScan compares the detectors with the search per phrase
// on texts made of their own phrases, glued to letters, digits and
// punctuation, in mixed case, with accented and rare letters.
func TestDetectorsAsByScan(t *testing.T) {
	t.Parallel()
	var vocab []string
	for _, phrases := range dangerPhrases {
		for _, p := range phrases {
			vocab = append(vocab, strings.TrimSuffix(p, "*"))
		}
	}
	vocab = append(vocab, insultWords...)
	for i, w := range vocab {
		vocab[i] = strings.TrimSuffix(w, "*")
	}
	vocab = append(vocab, spamPhrases...)
	vocab = append(vocab, "la", "di", "gas", "multa", "via", "112", "x", "io", "mi", "sola", "più", "giù", "à", "È",
		"İ", "ǅ", "Ⱥ", "https://a.example", "http://b", "dio", "arm", "ato", "ferit", "idio", "zia")
	glue := []string{" ", " ", " ", "", "", ",", ", ", "!", "'", "’", "\n", "3", "é", "-"}
	rnd := rand.New(rand.NewPCG(1, 2))
	texts := []string{"", " ", "suicid", "SUICIDARMI!", "armato3", "3armato", "fuga di gasx", "me la pagherete"}
	for range 20000 {
		var b strings.Builder
		for range 1 + rnd.IntN(12) {
			w := vocab[rnd.IntN(len(vocab))]
			switch rnd.IntN(4) {
			case 0:
				w = strings.ToUpper(w)
			case 1:
				if w != "" {
					r, size := utf8.DecodeRuneInString(w)
					w = strings.ToUpper(string(r)) + w[size:]
				}
			}
			b.WriteString(w)
			b.WriteString(glue[rnd.IntN(len(glue))])
		}
		texts = append(texts, b.String())
	}
	alarms, insults := 0, 0
	for _, text := range texts {
		got, want := Urgency(text), urgencyByScan(text)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Urgency(%q) = %+v, by scan %+v", text, got, want)
		}
		alarms += len(got)
		gotA, wantA := Abuse(text), abuseByScan(text)
		if !reflect.DeepEqual(gotA, wantA) {
			t.Fatalf("Abuse(%q) = %+v, by scan %+v", text, gotA, wantA)
		}
		insults += len(gotA)
	}
	if got := Urgency("incendio \xff"); got != nil {
		t.Errorf("Urgency of a text that is not UTF-8: %+v", got)
	}
	if alarms < 1000 || insults < 1000 {
		t.Fatalf("the texts found too little to compare: %d alarms, %d abuse findings", alarms, insults)
	}
}

// benchText is a citizen's message of about 200 characters.
const benchText = "Buongiorno, volevo segnalare che in via Garibaldi il lampione davanti al civico 12 è spento da una settimana " +
	"e la sera la strada è completamente al buio. Potete mandare qualcuno? Grazie mille, cordiali saluti"

func BenchmarkDetectors(b *testing.B) {
	text := benchText
	for b.Loop() {
		Urgency(text)
		Abuse(text)
	}
}

func BenchmarkDetectorsByScan(b *testing.B) {
	text := benchText
	for b.Loop() {
		urgencyByScan(text)
		abuseByScan(text)
	}
}
