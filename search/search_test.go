package search

import (
	"strings"
	"testing"
)

func TestStemmingFindsInflections(t *testing.T) {
	pairs := [][2]string{
		{"multa", "multe"},
		{"rifiuti", "rifiuto"},
		{"lampione", "lampioni"},
		{"residenza", "residenze"},
		{"pagare", "pagato"},
	}
	for _, p := range pairs {
		a, b := Query(p[0]), Terms(p[1])
		if len(a) != 1 || len(b) != 1 || a[0] != b[0] {
			t.Errorf("%q → %v, %q → %v: want the same stem", p[0], a, p[1], b)
		}
	}
}

func TestElisionAndStopWords(t *testing.T) {
	got := Document("Buongiorno, l'ufficio dell'anagrafe è chiuso e non risponde")
	for _, stop := range []string{" l ", " dell ", " è ", " e ", " non "} {
		if strings.Contains(" "+got+" ", stop) {
			t.Errorf("document %q keeps stop word %q", got, stop)
		}
	}
	if !strings.Contains(got, Stem("anagrafe")) || !strings.Contains(got, Stem("ufficio")) {
		t.Errorf("document %q lost the elided words", got)
	}
	if q := Query("il la di"); len(q) != 0 {
		t.Errorf("stop-word query = %v, want none", q)
	}
}

func TestQueryExpressionsAreQuoted(t *testing.T) {
	terms := Query(`multa" OR x NEAR(`)
	m := FTS5Match(terms)
	if strings.Count(m, `"`)%2 != 0 || strings.Contains(m, "NEAR(") {
		t.Errorf("FTS5 match %q is not safely quoted", m)
	}
	if got := TSQuery([]string{"it's"}); got != `'it''s'` {
		t.Errorf("TSQuery = %q", got)
	}
	if len(Query(strings.Repeat("parola ", 5)+strings.Repeat("altre cose diverse tante ", 10))) > maxQueryTerms {
		t.Error("query not bounded")
	}
}

func TestHighlightEscapesAndMarks(t *testing.T) {
	got := string(Highlight("Ho preso due multe <b>ieri</b>, una multa ingiusta", Query("multa")))
	want := "Ho preso due <mark>multe</mark> &lt;b&gt;ieri&lt;/b&gt;, una <mark>multa</mark> ingiusta"
	if got != want {
		t.Errorf("Highlight:\n got %s\nwant %s", got, want)
	}
}

func TestSnippetCentresOnMatch(t *testing.T) {
	text := strings.Repeat("parola qualsiasi ", 30) + "la multa arrivata " + strings.Repeat("fine testo ", 30)
	got := string(Snippet(text, Query("multe"), 60))
	if !strings.Contains(got, "<mark>multa</mark>") || !strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "…") {
		t.Errorf("Snippet = %q", got)
	}
	if n := len([]rune(strings.NewReplacer("<mark>", "", "</mark>", "").Replace(got))); n > 64 {
		t.Errorf("snippet has %d runes, want about 60", n)
	}
	if got := string(Snippet("breve", nil, 60)); got != "breve" {
		t.Errorf("short snippet = %q", got)
	}
}

// TestStemMemo: the memoised stems are Snowball's, the memo stays within
// its bound whatever the texts, and a long word is stemmed all the same.
func TestStemMemo(t *testing.T) {
	for _, w := range []string{"multe", "rifiuti", "anagrafe", "lampioni", "precipitevolissimevolmente", strings.Repeat("a", 40)} {
		for range 2 {
			if got, want := stemCached(w), Stem(w); got != want {
				t.Errorf("stemCached(%q) = %q, want %q", w, got, want)
			}
		}
	}
	for i := range maxStems + 100 {
		stemCached("parola" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676%26)) + string(rune('a'+i/17576%26)))
	}
	stems.RLock()
	n := len(stems.m)
	stems.RUnlock()
	if n > maxStems {
		t.Errorf("the memo holds %d stems, more than %d", n, maxStems)
	}
	if got, want := Document("Le multe della città"), "mult citt"; got != want {
		t.Errorf("Document after the memo filled = %q, want %q", got, want)
	}
}
