// Package codicefiscale reads an Italian codice fiscale (the tax code of a
// natural person, DM 23 dicembre 1976), as App IO identifies its citizens:
// sixteen characters whose last one is a check character computed from
// the others, with the "omocodia" letters that replace digits when two
// people would otherwise share a code.
package codicefiscale

import (
	"strings"

	"github.com/redazione/redazione"
)

// Code is a codice fiscale that passed Parse: sixteen upper-case
// characters with the right check character.
type Code string

// String returns the code as it is written.
func (c Code) String() string { return string(c) }

// Masked shows the code without most of it (for logs and the audit trail):
// the first three and the last characters.
func (c Code) Masked() string {
	if len(c) != 16 {
		return ""
	}
	return string(c[:3]) + strings.Repeat("*", 12) + string(c[15:])
}

// omocodia are the letters that stand for the digits 0-9 in the places
// where a digit may be replaced.
const omocodia = "LMNPQRSTUV"

// months are the letters of the months, January to December.
const months = "ABCDEHLMPRST"

// odd is the value of a character in an odd place (1st, 3rd, ...): digits
// and letters share a value, 0 as A, 1 as B and so on.
var odd = [26]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}

// shapes tells, for each place, what it holds: L a letter, N a digit (or
// its omocodia letter), M the month's letter.
const shapes = "LLLLLLNNMNNLNNNL"

// Parse reads a codice fiscale typed by a person: spaces around are
// dropped, lower case is taken as upper case. It fails with an Italian
// message on the field "fiscal_code" when the code is not one.
func Parse(s string) (Code, error) {
	s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if s == "" {
		return "", redazione.FieldError("fiscal_code", "manca il codice fiscale")
	}
	if len(s) != 16 {
		return "", redazione.FieldError("fiscal_code", "il codice fiscale ha 16 caratteri (questo ne ha %d)", len([]rune(s)))
	}
	for i := range 16 {
		c := s[i]
		ok := false
		switch shapes[i] {
		case 'L':
			ok = c >= 'A' && c <= 'Z'
		case 'N':
			ok = (c >= '0' && c <= '9') || strings.IndexByte(omocodia, c) >= 0
		case 'M':
			ok = strings.IndexByte(months, c) >= 0
		}
		if !ok {
			return "", redazione.FieldError("fiscal_code", "il codice fiscale non è scritto correttamente (carattere %d: %q)", i+1, rune(c))
		}
	}
	if day := digit(s[9])*10 + digit(s[10]); day < 1 || (day > 31 && day < 41) || day > 71 {
		return "", redazione.FieldError("fiscal_code", "il codice fiscale non è scritto correttamente (giorno di nascita impossibile)")
	}
	if Check(s[:15]) != s[15] {
		return "", redazione.FieldError("fiscal_code", "il codice fiscale non è valido: il carattere di controllo non corrisponde, controlla di averlo scritto bene")
	}
	return Code(s), nil
}

// digit is the value of a digit or of its omocodia letter.
func digit(c byte) int {
	if c >= '0' && c <= '9' {
		return int(c - '0')
	}
	return strings.IndexByte(omocodia, c)
}

// Check computes the check character of the first fifteen characters of a
// code (upper case): the sum of their values, odd places by the odd table
// and even places by their rank, modulo 26, as a letter.
func Check(first15 string) byte {
	sum := 0
	for i := range 15 {
		c := first15[i]
		v := 0
		if c >= '0' && c <= '9' {
			v = int(c - '0')
		} else {
			v = int(c - 'A')
		}
		if i%2 == 0 { // the 1st, 3rd... place: odd, counting from one
			v = odd[v]
		}
		sum += v
	}
	return byte('A' + sum%26)
}
