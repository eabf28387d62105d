package detect

import "strings"

// Identity document numbers.
//
// Shapes recognised (letters are case-insensitive only next to a keyword):
//
//   - CIE, carta d'identità elettronica: 2 letters, 5 digits, 2 letters
//     ("CA12345AB"). Distinctive enough to be reported without a keyword, but
//     then only in upper case.
//   - Paper identity card and passport: 2 letters and 7 digits ("AX1234567",
//     "YA1234567"), also written "AX 1234567". Only after a keyword.
//   - Driving licence (patente): 10 characters. Licences issued or duplicated
//     by the Motorizzazione/MIT-UCO are "U1" + 7 alphanumeric characters + a
//     check letter ("U1532B456K", circolare MIT 18/10/2011); older provincial
//     numbers are the province code + 7 digits + a letter ("RM1234567X"), and
//     the oldest paper ones the province code + 7 digits. Only after a
//     keyword; the check letter is not verified (algorithm not public).
//
// A keyword counts when it ends at most idKeywordWindow bytes before the
// number.
const idKeywordWindow = 40

type idKeyword struct {
	word   string // lower case ASCII, apostrophe normalised to '
	doc    string // document named by the keyword, "" when generic
	prefix bool   // the keyword may be a prefix of a longer word
}

var idKeywords = []idKeyword{
	{"carta d'identit", "carta d'identità", true},
	{"carta di identit", "carta d'identità", true},
	{"carta identit", "carta d'identità", true},
	{"carta d identit", "carta d'identità", true},
	{"c.i.", "carta d'identità", false},
	{"ci n", "carta d'identità", false},
	{"cie", "carta d'identità elettronica", false},
	{"documento", "", true}, // documento, documenti
	{"doc.", "", false},
	{"passaporto", "passaporto", true},
	{"passaporti", "passaporto", false},
	{"patente", "patente", false},
	{"patenti", "patente", false},
}

// idKeywordBefore returns the keyword (if any) ending at most idKeywordWindow
// bytes before pos; the closest one wins.
func idKeywordBefore(text string, pos int) (idKeyword, bool) {
	lo := pos - idKeywordWindow - 20
	if lo < 0 {
		lo = 0
	}
	// Lower-case ASCII and turn the typographic apostrophe into '.
	var buf [idKeywordWindow + 20]byte
	var offs [idKeywordWindow + 20]int // original offset of each output byte
	n := 0
	for i := lo; i < pos; i++ {
		c := text[i]
		if c == 0xE2 && i+2 < pos && text[i+1] == 0x80 && text[i+2] == 0x99 { // ’
			c = '\''
			offs[n] = i
			i += 2
		} else {
			offs[n] = i
		}
		buf[n] = lower(c)
		n++
	}
	w := string(buf[:n])
	best, bestEnd, found := idKeyword{}, -1, false
	for _, k := range idKeywords {
		from := len(w)
		for {
			j := strings.LastIndex(w[:from], k.word)
			if j < 0 {
				break
			}
			from = j
			if j > 0 && isLetter(w[j-1]) {
				continue
			}
			e := j + len(k.word)
			if !k.prefix && e < len(w) && isLetter(w[e]) {
				continue
			}
			end := offs[e-1] + 1
			if pos-end <= idKeywordWindow && end > bestEnd {
				best, bestEnd, found = k, end, true
			}
			break
		}
	}
	return best, found
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

func allLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

func allUpperOrDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isUpper(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isCIE(s string) bool {
	return len(s) == 9 && allLetters(s[:2]) && allDigits(s[2:7]) && allLetters(s[7:])
}

func isLettersSevenDigits(s string) bool {
	return len(s) == 9 && allLetters(s[:2]) && allDigits(s[2:])
}

func isPatente(s string) bool {
	if len(s) != 10 || !isLetter(s[9]) {
		return false
	}
	if upper(s[0]) == 'U' && s[1] == '1' {
		for i := 2; i < 9; i++ {
			if !isAlnum(s[i]) {
				return false
			}
		}
		return true
	}
	return allLetters(s[:2]) && allDigits(s[2:9])
}

func findIDDocuments(text string, toks []token, out []Finding) []Finding {
	for i, t := range toks {
		if !t.ascii {
			continue
		}
		s := text[t.start:t.end]
		start, end := t.start, t.end
		// "AX 1234567": two letters, a space, seven digits.
		if len(s) == 2 && allLetters(s) && i+1 < len(toks) {
			n := toks[i+1]
			if n.start == t.end+1 && text[t.end] == ' ' && n.end-n.start == 7 && allDigits(text[n.start:n.end]) {
				end = n.end
				s = s + text[n.start:n.end]
			}
		}
		if len(s) != 9 && len(s) != 10 {
			continue
		}
		cie := isCIE(s)
		l7 := isLettersSevenDigits(s)
		pat := isPatente(s)
		if !cie && !l7 && !pat {
			continue
		}
		kw, ok := idKeywordBefore(text, start)
		if !ok {
			if cie && end == t.end && allUpperOrDigit(s) {
				out = append(out, newFinding(text, IDDocument, start, end,
					"numero di carta d'identità elettronica (formato CIE: 2 lettere, 5 cifre, 2 lettere)"))
			}
			continue
		}
		var reason string
		switch {
		case cie && end == t.end:
			reason = "numero di carta d'identità elettronica (formato CIE: 2 lettere, 5 cifre, 2 lettere)"
		case l7 && kw.doc == "passaporto":
			reason = "numero di passaporto (2 lettere e 7 cifre, dopo la parola «passaporto»)"
		case l7 && kw.doc == "patente":
			reason = "numero di patente di guida (vecchio formato, dopo la parola «patente»)"
		case l7:
			reason = "numero di documento d'identità (2 lettere e 7 cifre, dopo un riferimento al documento)"
		case pat && kw.doc == "patente":
			reason = "numero di patente di guida (10 caratteri, dopo la parola «patente»)"
		case pat && kw.doc == "":
			reason = "probabile numero di patente di guida (10 caratteri, dopo la parola «documento»)"
		default:
			continue
		}
		out = append(out, newFinding(text, IDDocument, start, end, reason))
	}
	return out
}
