// Package topics finds what citizens write about: the most frequent topics
// of a period, in Italian (stemmed: "multa" and "multe" are one topic), and
// the emerging ones, far more frequent than in the weeks before.
package topics

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/redazione/redazione/search"
)

// Topic is a stemmed word and how many messages speak of it.
type Topic struct {
	Stem  string
	Label string // the form citizens used most
	Count int    // messages of the period that use it
	// Before is its weekly average in the baseline; Ratio how many times
	// that the period's weekly count is (emerging topics only).
	Before float64
	Ratio  float64
	forms  map[string]int
}

// courtesy are words of almost every message, which say nothing of its
// subject (stemmed like the topics before they are compared).
var courtesy = map[string]bool{}

func init() {
	for _, w := range []string{
		"buongiorno", "buonasera", "salve", "grazie", "gentile", "gentili", "cordiali", "saluti", "saluto", "ciao",
		"vorrei", "volevo", "sapere", "chiedo", "chiedere", "chiedevo", "potete", "potreste", "potrei", "posso",
		"informazioni", "informazione", "comune", "cortesemente", "mille", "essere", "fare", "ancora", "sempre",
		"molto", "solo", "oggi", "ieri", "domani", "giorno", "giorni", "grazie", "risposta", "rispondere",
		"scrivo", "scrivere", "messaggio", "cosa", "quando", "dove", "perché", "come", "fatto", "ufficio",
		"attesa", "favore", "allora", "qualcuno", "nessuno", "tutto", "niente", "stato", "stata",
	} {
		for _, t := range search.Terms(w) {
			courtesy[t] = true
		}
	}
}

// words splits a message into lower-case words; apostrophes end elided
// articles ("dell'ufficio").
func words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) })
}

// Count counts, in texts, the messages that use each topic (once per message).
func Count(texts []string) map[string]*Topic {
	out := map[string]*Topic{}
	for _, text := range texts {
		seen := map[string]bool{}
		for _, w := range words(text) {
			if utf8.RuneCountInString(w) < 4 {
				continue
			}
			ts := search.Terms(w)
			if len(ts) == 0 || courtesy[ts[0]] {
				continue
			}
			stem := ts[0]
			t := out[stem]
			if t == nil {
				t = &Topic{Stem: stem, forms: map[string]int{}}
				out[stem] = t
			}
			t.forms[w]++
			if !seen[stem] {
				seen[stem] = true
				t.Count++
			}
		}
	}
	for _, t := range out {
		best := 0
		for f, n := range t.forms {
			if n > best || (n == best && f < t.Label) {
				t.Label, best = f, n
			}
		}
	}
	return out
}

// Top returns the n topics most messages use, most used first.
func Top(m map[string]*Topic, n int) []Topic {
	var out []Topic
	for _, t := range m {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Label < out[j].Label
	})
	if len(out) > n {
		out = out[:n]
	}
	for i := range out {
		out[i].forms = nil
	}
	return out
}

// Emerging returns the topics of the current week used by at least min
// messages and at least ratio times their weekly average in the baseline
// (weeks long), the strongest first.
func Emerging(current, baseline map[string]*Topic, weeks float64, min int, ratio float64) []Topic {
	var out []Topic
	for stem, t := range current {
		if t.Count < min {
			continue
		}
		before := 0.0
		if b := baseline[stem]; b != nil && weeks > 0 {
			before = float64(b.Count) / weeks
		}
		r := float64(t.Count) / (before + 1) // +1: a topic new this week is not infinitely new
		if r < ratio {
			continue
		}
		x := *t
		x.forms, x.Before, x.Ratio = nil, before, r
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Ratio != out[j].Ratio {
			return out[i].Ratio > out[j].Ratio
		}
		return out[i].Label < out[j].Label
	})
	return out
}
