// Package search turns Italian text into the terms Redazione indexes and
// queries: words are lower-cased, elisions split ("l'anagrafe" → "anagrafe"),
// stop words dropped and the rest reduced to their Snowball Italian stem, so
// that "multa" finds "multe" and "rifiuti" finds "rifiuto".
//
// The same functions feed both databases: SQLite's FTS5 and PostgreSQL's
// tsvector index the output of Document with a plain (non-stemming)
// tokenizer, and queries are built from Query's stems.
package search

import (
	"html"
	"html/template"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/italian"
)

// maxTermRunes bounds one term: longer "words" (URLs, base64) are cut.
const maxTermRunes = 40

// maxQueryTerms bounds a query, so a pasted paragraph stays cheap.
const maxQueryTerms = 12

var envPool = sync.Pool{New: func() any { return snowballstem.NewEnv("") }}

// Stem returns the Snowball Italian stem of one lower-case word.
func Stem(word string) string {
	env := envPool.Get().(*snowballstem.Env)
	env.SetCurrent(word)
	italian.Stem(env)
	s := env.Current()
	envPool.Put(env)
	return s
}

// word is one word of a text, with its byte offsets.
type word struct {
	start, end int
	text       string // lower case, elision removed
}

// words splits text into words. An apostrophe inside a word ends an elided
// article or preposition ("dell'ufficio"), which is dropped.
func words(text string) []word {
	var out []word
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := strings.ToLower(text[start:end])
		out = append(out, word{start: start, end: end, text: w})
		start = -1
	}
	for i, r := range text {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if start < 0 {
				start = i
			}
		case r == '\'' || r == '’' || r == '`':
			// elision: keep the article as its own word (a stop word, dropped later)
			flush(i)
		default:
			flush(i)
		}
	}
	flush(len(text))
	return out
}

// term returns the index term for a word, or "" for a stop word.
func term(w string) string {
	if stopWords[w] {
		return ""
	}
	if utf8.RuneCountInString(w) > maxTermRunes {
		w = string([]rune(w)[:maxTermRunes])
	}
	if !isLetters(w) {
		return w // numbers, codes: as they are
	}
	return stemCached(w)
}

// stems memoises Stem for index terms: citizens write the same few
// thousand words again and again, and Snowball was most of the cost of a
// message's search document, which ingest computes for every message. A
// pure function's results, bounded: once full, words not yet seen are
// stemmed each time.
var stems struct {
	sync.RWMutex
	m map[string]string
}

// maxStems and maxStemmedLen bound the memo: at most 65,536 words of at
// most 24 bytes (about 6 MB at its fullest, whatever the texts).
const (
	maxStems      = 1 << 16
	maxStemmedLen = 24
)

func stemCached(w string) string {
	if len(w) > maxStemmedLen {
		return Stem(w)
	}
	stems.RLock()
	s, ok := stems.m[w]
	stems.RUnlock()
	if ok {
		return s
	}
	s = Stem(w)
	stems.Lock()
	if stems.m == nil {
		stems.m = make(map[string]string, 1024)
	}
	if len(stems.m) < maxStems {
		// w may share the memory of the whole text it came from.
		stems.m[strings.Clone(w)] = s
	}
	stems.Unlock()
	return s
}

func isLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// Terms returns the index terms of a text, in order, with repeats.
func Terms(text string) []string {
	ws := words(text)
	out := make([]string, 0, len(ws))
	for _, w := range ws {
		if t := term(w.text); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// Document returns the text to index for a message: its terms separated by
// spaces.
func Document(text string) string {
	return strings.Join(Terms(text), " ")
}

// Query returns the distinct terms of a search query, at most maxQueryTerms.
// A query made only of stop words returns nothing.
func Query(q string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range Terms(q) {
		if seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
		if len(out) == maxQueryTerms {
			break
		}
	}
	return out
}

// FTS5Match returns an SQLite FTS5 MATCH expression requiring every term.
// Each term is quoted, so no user input is read as FTS5 syntax.
func FTS5Match(terms []string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
	}
	return strings.Join(parts, " AND ")
}

// TSQuery returns a PostgreSQL to_tsquery('simple', ...) expression requiring
// every term. Each term is quoted as a lexeme.
func TSQuery(terms []string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = "'" + strings.ReplaceAll(strings.ReplaceAll(t, `\`, `\\`), "'", "''") + "'"
	}
	return strings.Join(parts, " & ")
}

// hits returns the words of text whose term is one of terms.
func hits(text string, terms []string) []word {
	if len(terms) == 0 {
		return nil
	}
	want := make(map[string]bool, len(terms))
	for _, t := range terms {
		want[t] = true
	}
	var out []word
	for _, w := range words(text) {
		if t := term(w.text); t != "" && want[t] {
			out = append(out, w)
		}
	}
	return out
}

// Highlight returns text, HTML-escaped, with every word matching one of terms
// wrapped in <mark>.
func Highlight(text string, terms []string) template.HTML {
	return mark(text, hits(text, terms), 0, len(text))
}

func mark(text string, hs []word, from, to int) template.HTML {
	var b strings.Builder
	pos := from
	for _, h := range hs {
		if h.start < from || h.end > to {
			continue
		}
		b.WriteString(html.EscapeString(text[pos:h.start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[h.start:h.end]))
		b.WriteString("</mark>")
		pos = h.end
	}
	b.WriteString(html.EscapeString(text[pos:to]))
	return template.HTML(b.String())
}

// Snippet returns about max runes of text around its first match, escaped and
// highlighted, with "…" where it was cut.
func Snippet(text string, terms []string, max int) template.HTML {
	hs := hits(text, terms)
	if utf8.RuneCountInString(text) <= max {
		return mark(text, hs, 0, len(text))
	}
	from := 0
	if len(hs) > 0 {
		// start about a quarter of the window before the first match
		from = backRunes(text, hs[0].start, max/4)
	}
	to := forwardRunes(text, from, max)
	// do not cut words
	if from > 0 {
		if i := strings.IndexByte(text[from:], ' '); i >= 0 && from+i < hsStart(hs, to) {
			from += i + 1
		}
	}
	if to < len(text) {
		if i := strings.LastIndexByte(text[from:to], ' '); i > 0 && from+i > hsEnd(hs, from) {
			to = from + i
		}
	}
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	b.WriteString(string(mark(text, hs, from, to)))
	if to < len(text) {
		b.WriteString("…")
	}
	return template.HTML(b.String())
}

func hsStart(hs []word, def int) int {
	if len(hs) > 0 {
		return hs[0].start
	}
	return def
}

func hsEnd(hs []word, from int) int {
	for _, h := range hs {
		if h.start >= from {
			return h.end
		}
	}
	return from
}

func backRunes(s string, i, n int) int {
	for ; n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return i
}

func forwardRunes(s string, i, n int) int {
	for ; n > 0 && i < len(s); n-- {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

// Prefixes returns the lower-case words of a name query, unstemmed, for a
// word-prefix search ("ross mar" finds "Mario Rossi"); at most 6.
func Prefixes(q string) []string {
	var out []string
	for _, w := range words(q) {
		t := w.text
		if utf8.RuneCountInString(t) > maxTermRunes {
			t = string([]rune(t)[:maxTermRunes])
		}
		out = append(out, t)
		if len(out) == 6 {
			break
		}
	}
	return out
}

// FTS5Prefix returns an FTS5 MATCH expression requiring a word starting with
// each prefix.
func FTS5Prefix(prefixes []string) string {
	parts := make([]string, len(prefixes))
	for i, p := range prefixes {
		parts[i] = `"` + strings.ReplaceAll(p, `"`, `""`) + `"*`
	}
	return strings.Join(parts, " AND ")
}

// TSPrefix returns a to_tsquery('simple', ...) expression requiring a word
// starting with each prefix.
func TSPrefix(prefixes []string) string {
	parts := make([]string, len(prefixes))
	for i, p := range prefixes {
		parts[i] = "'" + strings.ReplaceAll(strings.ReplaceAll(p, `\`, `\\`), "'", "''") + "':*"
	}
	return strings.Join(parts, " & ")
}
