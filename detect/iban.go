package detect

// ibanLengths holds the IBAN length of the countries whose length is checked
// exactly (ISO 13616 registry). Other country codes are accepted with any
// length between 15 and 34 characters, still subject to the mod-97 check.
var ibanLengths = map[string]int{
	"AD": 24, "AL": 28, "AT": 20, "BA": 20, "BE": 16, "BG": 22, "CH": 21,
	"CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18,
	"FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22,
	"IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27,
	"MD": 24, "ME": 22, "MK": 19, "MT": 31, "NL": 18, "NO": 15, "PL": 28,
	"PT": 25, "RO": 24, "RS": 22, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
	"TR": 26, "UA": 29, "VA": 22, "XK": 20,
}

const maxIBAN = 34

// ibanMod97 computes the ISO 7064 mod 97-10 remainder of an upper-case IBAN
// (country code and check digits moved to the end, letters as 10..35).
func ibanMod97(s []byte) int {
	r := 0
	add := func(c byte) {
		if isDigit(c) {
			r = (r*10 + int(c-'0')) % 97
		} else {
			r = (r*100 + int(c-'A') + 10) % 97
		}
	}
	for _, c := range s[4:] {
		add(c)
	}
	for _, c := range s[:4] {
		add(c)
	}
	return r
}

// validIBAN checks an IBAN given without separators, already upper-cased.
func validIBAN(s []byte) bool {
	n := len(s)
	if n < 15 || n > maxIBAN || !isUpper(s[0]) || !isUpper(s[1]) || !isDigit(s[2]) || !isDigit(s[3]) {
		return false
	}
	for _, c := range s {
		if !isUpper(c) && !isDigit(c) {
			return false
		}
	}
	cc := string(s[:2])
	if want, ok := ibanLengths[cc]; ok && n != want {
		return false
	}
	if cc == "IT" || cc == "SM" {
		// CIN letter, 5-digit ABI, 5-digit CAB, 12-character account.
		if !isUpper(s[4]) {
			return false
		}
		for _, c := range s[5:15] {
			if !isDigit(c) {
				return false
			}
		}
	}
	if ck := int(s[2]-'0')*10 + int(s[3]-'0'); ck < 2 || ck > 98 {
		return false
	}
	return ibanMod97(s) == 1
}

// findIBANs looks for IBANs written contiguously ("IT60X0542811101000000123456")
// or split in groups by single spaces ("IT60 X054 2811 1010 0000 0123 456";
// any group sizes are accepted, the usual one being 4). The grouped form
// requires an upper-case country code, so that lower-case words following an
// IBAN are never glued to it; the longest group sequence that validates wins.
func findIBANs(text string, toks []token, out []Finding) []Finding {
	var buf [maxIBAN + 8]byte
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if !t.ascii || t.end-t.start < 4 || t.end-t.start > maxIBAN {
			continue
		}
		c := text[t.start:]
		if !isLetter(c[0]) || !isLetter(c[1]) || !isDigit(c[2]) || !isDigit(c[3]) {
			continue
		}
		grouped := isUpper(c[0]) && isUpper(c[1])
		// Collect the tokens that could belong to the IBAN.
		n := 0
		ends := make([]int, 0, 10) // cumulative length after each token
		lastTok := make([]int, 0, 10)
		for j := i; j < len(toks); j++ {
			tj := toks[j]
			if j > i {
				if !grouped || tj.start != toks[j-1].end+1 || text[tj.start-1] != ' ' {
					break
				}
			}
			if !tj.ascii || n+tj.end-tj.start > maxIBAN {
				break
			}
			for k := tj.start; k < tj.end; k++ {
				buf[n] = upper(text[k])
				n++
			}
			ends = append(ends, n)
			lastTok = append(lastTok, j)
		}
		for k := len(ends) - 1; k >= 0; k-- {
			if validIBAN(buf[:ends[k]]) {
				end := toks[lastTok[k]].end
				reason := "IBAN valido (cifre di controllo ISO 13616 verificate)"
				if buf[0] == 'I' && buf[1] == 'T' {
					reason = "IBAN italiano valido (cifre di controllo ISO 13616 verificate)"
				}
				out = append(out, newFinding(text, IBAN, t.start, end, reason))
				i = lastTok[k]
				break
			}
		}
	}
	return out
}
