package detect

import (
	"unicode"
	"unicode/utf8"
)

// E-mail addresses: a dot-atom local part made of ASCII letters, digits and
// . _ % + - (quoted local parts and the rarer RFC 5322 atext symbols are not
// recognised, so that apostrophes and slashes of the surrounding prose are
// never swallowed: "all'ufficio.tributi@comune.it" yields
// "ufficio.tributi@comune.it"), an "@", and a domain of at least two labels
// whose last label (the TLD) is made of letters only. Internationalised
// domain labels (letters outside ASCII, e.g. "comune.forlì.it") are accepted.

func isLocalChar(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

// domainRune reports whether the rune at text[i] can be part of a domain label
// and its size.
func domainRune(text string, i int) (bool, int) {
	c := text[i]
	if c < utf8.RuneSelf {
		return isAlnum(c) || c == '-', 1
	}
	r, n := utf8.DecodeRuneInString(text[i:])
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)), n
}

func findEmails(text string, out []Finding) []Finding {
	next := 0 // do not look back into an address already found
	for at := 0; at < len(text); at++ {
		if text[at] != '@' {
			continue
		}
		// Local part.
		s := at
		for s > next && isLocalChar(text[s-1]) {
			s--
		}
		for s < at && text[s] == '.' {
			s++
		}
		if s == at || at-s > 64 || text[at-1] == '.' {
			continue
		}
		bad := false
		for k := s; k+1 < at; k++ {
			if text[k] == '.' && text[k+1] == '.' {
				bad = true
				break
			}
		}
		if bad {
			continue
		}
		// Domain: labels separated by single dots.
		e := at + 1
		labels := 0
		lastLabelStart, lastLabelOK := 0, false
		for {
			ls := e
			letters := true
			for e < len(text) {
				ok, n := domainRune(text, e)
				if !ok {
					break
				}
				if text[e] < utf8.RuneSelf && !isLetter(text[e]) {
					letters = false
				}
				e += n
			}
			if e == ls || text[ls] == '-' || text[e-1] == '-' {
				e = ls
				if labels > 0 {
					e-- // give back the dot
				}
				break
			}
			labels++
			lastLabelStart, lastLabelOK = ls, letters
			if e+1 < len(text) && text[e] == '.' {
				if ok, _ := domainRune(text, e+1); ok {
					e++
					continue
				}
			}
			break
		}
		if labels < 2 || !lastLabelOK || e-lastLabelStart < 2 || e-(at+1) > 253 {
			continue
		}
		if e < len(text) && text[e] == '@' {
			continue
		}
		out = append(out, newFinding(text, Email, s, e, "indirizzo e-mail"))
		next = e
		at = e - 1
	}
	return out
}
