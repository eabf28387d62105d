// Package detect finds delicate content in citizens' messages: personal data
// (codici fiscali, IBANs, phone numbers, e-mail addresses, identity document
// numbers) that should not be left visible in public comments.
//
// The detectors are hand-written scanners (no regular expressions) so that a
// typical comment is analysed in a few microseconds. Every finding carries
// exact byte offsets so the UI can highlight precisely what was found, and an
// Italian reason meant for the operator.
//
// Precision policy: checksum-verified kinds (codice fiscale, IBAN) are only
// reported when the checksum is right; phone numbers follow the Italian
// numbering plan and a set of guards against dates, times, amounts, protocol
// numbers and URLs; identity document numbers other than CIE are only reported
// next to a keyword.
package detect

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is the kind of a finding.
type Kind string

// Kinds of personal data recognised by PersonalData.
const (
	CodiceFiscale Kind = "codice_fiscale"
	IBAN          Kind = "iban"
	Phone         Kind = "phone"
	Email         Kind = "email"
	IDDocument    Kind = "id_document" // carta d'identità elettronica (CIE), passaporto, patente
)

// Finding is one piece of personal data found in a text.
type Finding struct {
	Kind       Kind
	Start, End int    // byte offsets in the text, so the UI can highlight exactly that
	Value      string // the text matched, as written (text[Start:End])
	Reason     string // Italian, for the operator
}

// strength ranks kinds when two candidate findings overlap: the stronger one
// is kept; on a tie the longer one is kept, then the earlier one.
// Checksum-verified kinds and e-mail addresses (whose shape is unambiguous)
// beat keyword/shape based identity documents, which beat phone numbers.
func strength(k Kind) int {
	switch k {
	case CodiceFiscale, IBAN, Email:
		return 3
	case IDDocument:
		return 2
	default:
		return 1
	}
}

// PersonalData returns the personal data found in text, in order of Start,
// without overlaps. It never panics, whatever the input (invalid UTF-8
// included); every finding satisfies Value == text[Start:End].
func PersonalData(text string) []Finding {
	toks := tokenize(text)
	var cands []Finding
	cands = findCodiciFiscali(text, toks, cands)
	cands = findIBANs(text, toks, cands)
	cands = findIDDocuments(text, toks, cands)
	cands = findEmails(text, cands)
	cands = findPhones(text, cands)
	return resolve(cands)
}

// resolve removes overlaps, keeping the stronger (then longer, then earlier)
// candidate, and returns the survivors sorted by Start.
func resolve(cands []Finding) []Finding {
	if len(cands) == 0 {
		return nil
	}
	sort.SliceStable(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if sa, sb := strength(a.Kind), strength(b.Kind); sa != sb {
			return sa > sb
		}
		if la, lb := a.End-a.Start, b.End-b.Start; la != lb {
			return la > lb
		}
		return a.Start < b.Start
	})
	kept := make([]Finding, 0, len(cands))
	for _, c := range cands {
		ok := true
		for _, k := range kept {
			if c.Start < k.End && k.Start < c.End {
				ok = false
				break
			}
		}
		if ok {
			kept = append(kept, c)
		}
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].Start < kept[j].Start })
	return kept
}

func newFinding(text string, k Kind, start, end int, reason string) Finding {
	return Finding{Kind: k, Start: start, End: end, Value: text[start:end], Reason: reason}
}

// ---------------------------------------------------------------------------
// Characters and tokens

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isLetter(c byte) bool {
	return isUpper(c) || isLower(c)
}
func isAlnum(c byte) bool { return isLetter(c) || isDigit(c) }
func upper(c byte) byte {
	if isLower(c) {
		return c - 'a' + 'A'
	}
	return c
}
func lower(c byte) byte {
	if isUpper(c) {
		return c - 'A' + 'a'
	}
	return c
}

// wordRuneAt reports whether the rune starting at text[i] is a word
// character (letter, digit, mark or underscore), and its byte size.
func wordRuneAt(text string, i int) (bool, int) {
	c := text[i]
	if c < utf8.RuneSelf {
		return isAlnum(c) || c == '_', 1
	}
	r, n := utf8.DecodeRuneInString(text[i:])
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)), n
}

// wordBefore reports whether the rune ending just before byte i is a word
// character.
func wordBefore(text string, i int) bool {
	if i <= 0 {
		return false
	}
	c := text[i-1]
	if c < utf8.RuneSelf {
		return isAlnum(c) || c == '_'
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r))
}

// wordAfter reports whether the rune starting at byte i is a word character.
func wordAfter(text string, i int) bool {
	if i >= len(text) {
		return false
	}
	w, _ := wordRuneAt(text, i)
	return w
}

// token is a maximal run of word characters; ascii tells whether the run is
// made of ASCII letters and digits only.
type token struct {
	start, end int
	ascii      bool
}

func tokenize(text string) []token {
	toks := make([]token, 0, len(text)/6+1)
	i := 0
	for i < len(text) {
		w, n := wordRuneAt(text, i)
		if !w {
			i += n
			continue
		}
		t := token{start: i, ascii: true}
		for i < len(text) {
			w, n = wordRuneAt(text, i)
			if !w {
				break
			}
			if n != 1 || !isAlnum(text[i]) {
				t.ascii = false
			}
			i += n
		}
		t.end = i
		toks = append(toks, t)
	}
	return toks
}

// ---------------------------------------------------------------------------
// Codice fiscale

// omocodeDigit maps the letters used for omocodia (LMNPQRSTUV) to 0..9.
func omocodeDigit(c byte) (int, bool) {
	if isDigit(c) {
		return int(c - '0'), true
	}
	switch c {
	case 'L':
		return 0, true
	case 'M':
		return 1, true
	case 'N':
		return 2, true
	case 'P':
		return 3, true
	case 'Q':
		return 4, true
	case 'R':
		return 5, true
	case 'S':
		return 6, true
	case 'T':
		return 7, true
	case 'U':
		return 8, true
	case 'V':
		return 9, true
	}
	return 0, false
}

// cfOdd is the conversion table for characters in odd positions (1st, 3rd,
// ... 15th), indexed by letter (A..Z); digits 0..9 take the value of A..J.
var cfOdd = [26]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}

// cfCheckChar computes the control character of the first 15 characters of an
// upper-case codice fiscale (DM 12 marzo 1974 n. 345).
func cfCheckChar(s []byte) byte {
	sum := 0
	for i := 0; i < 15; i++ {
		c := s[i]
		v := 0
		if isDigit(c) {
			v = int(c - '0')
		} else {
			v = int(c - 'A')
		}
		if i%2 == 0 { // odd position, 1-based
			sum += cfOdd[v]
		} else {
			sum += v
		}
	}
	return byte('A' + sum%26)
}

// validCodiceFiscale checks a 16-character candidate (any case). It returns
// whether it is a valid personal codice fiscale and whether it is omocode.
func validCodiceFiscale(cand string) (ok, omocode bool) {
	if len(cand) != 16 {
		return false, false
	}
	var s [16]byte
	for i := 0; i < 16; i++ {
		s[i] = upper(cand[i])
	}
	num := func(i int) (int, bool) {
		d, ok := omocodeDigit(s[i])
		if ok && !isDigit(s[i]) {
			omocode = true
		}
		return d, ok
	}
	for _, i := range [...]int{0, 1, 2, 3, 4, 5, 8, 11, 15} {
		if !isUpper(s[i]) {
			return false, false
		}
	}
	switch s[8] { // month
	case 'A', 'B', 'C', 'D', 'E', 'H', 'L', 'M', 'P', 'R', 'S', 'T':
	default:
		return false, false
	}
	for _, i := range [...]int{6, 7, 12, 13, 14} {
		if _, ok := num(i); !ok {
			return false, false
		}
	}
	d1, ok1 := num(9)
	d2, ok2 := num(10)
	if !ok1 || !ok2 {
		return false, false
	}
	day := d1*10 + d2
	if !(day >= 1 && day <= 31 || day >= 41 && day <= 71) {
		return false, false
	}
	if cfCheckChar(s[:]) != s[15] {
		return false, false
	}
	return true, omocode
}

func findCodiciFiscali(text string, toks []token, out []Finding) []Finding {
	for _, t := range toks {
		if !t.ascii || t.end-t.start != 16 {
			continue
		}
		ok, omo := validCodiceFiscale(text[t.start:t.end])
		if !ok {
			continue
		}
		reason := "codice fiscale valido (carattere di controllo verificato)"
		if omo {
			reason = "codice fiscale valido, in forma omocodica (carattere di controllo verificato)"
		}
		out = append(out, newFinding(text, CodiceFiscale, t.start, t.end, reason))
	}
	return out
}

// Omissis replaces personal data in what is published.
const Omissis = "[omissis]"

// Redact returns text with the personal data the detectors recognise
// (codici fiscali, IBANs, identity documents, e-mail addresses, phone
// numbers) replaced by Omissis. Names of people are not recognised.
func Redact(text string) string {
	found := PersonalData(text)
	if len(found) == 0 {
		return text
	}
	var b strings.Builder
	pos := 0
	for _, f := range found {
		if f.Start < pos {
			continue
		}
		b.WriteString(text[pos:f.Start])
		b.WriteString(Omissis)
		pos = f.End
	}
	b.WriteString(text[pos:])
	return b.String()
}
