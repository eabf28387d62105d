package detect

import "strings"

// Phone numbers.
//
// A candidate is a run of "words" separated by single spaces, each word being
// groups of digits joined by single '.', '-' or '/' characters; the first word
// may start with '+' and may be enclosed in parentheses ("(06) 1234567",
// "(+39) 333 1234567"). Any contiguous run of words can be a phone number:
// the leftmost, then longest, valid one is taken. Accepted numbers:
//
//   - Italian mobile: 3[1-9]x, 9 or 10 digits;
//   - Italian landline: 0 followed by a non-zero digit, 6 to 11 digits;
//   - either of them with the +39 or 0039 prefix;
//   - other international numbers written with '+' and a country code, 8 to
//     15 digits in all (E.164).
//
// The operator prefix must not be split ("3 331234567" is not a mobile, since
// it is more likely a house number followed by something else): the first
// group of an Italian number has at least 3 digits for mobiles, 2 for
// landlines.
//
// Toll-free and premium numbers (800, 803, 199, 892...) never match the plan
// above, so the ente's own public numbers are not reported.
//
// Guards against false positives:
//   - dates (12/03/2025, 03.12.2025, 2025-03-12, 03/2025, "03 12 2025"),
//     times (09.30, 09.30-12.30), number/year pairs (12345/2025);
//   - amounts: a number next to €, "euro", "eur", or followed by a decimal
//     comma ("1.250,00"), or by '%';
//   - numbers glued to letters or inside URLs and query strings;
//   - numbers after words naming a file number (protocollo, pratica, ordine,
//     fattura, partita IVA, codice...), unless written with +39/0039;
//   - after a bare "n."/"numero", only numbers of at least 9 digits without
//     '/' are accepted.

// strongContext lists words after which a number is an identifier of a
// procedure, a document or a company, not a phone number.
var strongContext = map[string]bool{
	"prot": true, "protocollo": true, "pratica": true, "pratiche": true,
	"ordine": true, "ordinanza": true, "fattura": true, "ricevuta": true,
	"rif": true, "riferimento": true, "determina": true, "determinazione": true,
	"delibera": true, "decreto": true, "fascicolo": true, "registro": true,
	"repertorio": true, "reg": true, "rep": true, "cig": true, "cup": true,
	"iva": true, "piva": true, "matricola": true, "codice": true, "cod": true,
	"tessera": true, "istanza": true, "verbale": true, "sinistro": true,
	"polizza": true, "contratto": true, "cliente": true, "posizione": true,
	"pos": true, "ticket": true, "id": true, "pin": true, "puk": true,
	"art": true, "articolo": true, "comma": true, "legge": true, "lgs": true,
	"dpr": true, "dlgs": true, "cf": true, "fiscale": true, "iban": true,
	"conto": true, "cc": true, "avviso": true, "bollettino": true, "iuv": true,
	"cap": true, "civico": true, "foglio": true, "particella": true,
	"mappale": true, "subalterno": true, "lotto": true, "seriale": true,
	"serie": true, "targa": true, "telaio": true, "cartella": true,
}

// weakContext lists words that merely introduce a number.
var weakContext = map[string]bool{
	"n": true, "nr": true, "num": true, "numero": true, "no": true,
}

// prevWords returns up to 3 lower-case ASCII words preceding pos, looking back
// at most 40 bytes and stopping at digits.
func prevWords(text string, pos int) []string {
	var words []string
	i := pos
	lo := pos - 40
	if lo < 0 {
		lo = 0
	}
	for len(words) < 3 && i > lo {
		// Skip separators.
		for i > lo && !isAlnum(text[i-1]) && text[i-1] != '\n' {
			i--
		}
		if i <= lo || !isLetter(text[i-1]) {
			break
		}
		e := i
		for i > lo && isLetter(text[i-1]) {
			i--
		}
		var b [16]byte
		n := 0
		for k := i; k < e && n < len(b); k++ {
			b[n] = lower(text[k])
			n++
		}
		words = append(words, string(b[:n]))
	}
	return words
}

// phoneWord is one space-separated piece of a candidate.
type phoneWord struct {
	start, end int  // byte range, parentheses and '+' included
	plus       bool // starts with '+'
	paren      bool // enclosed in parentheses
	slash      bool // contains '/'
	ng, nd     int
	groups     [maxGroups]int // digit count of each group
	seps       [maxGroups]byte
	digits     [maxDigits]byte
}

const (
	maxGroups = 8
	maxDigits = 20
)

func (w *phoneWord) addGroup(g string) bool {
	if w.ng == maxGroups || w.nd+len(g) > maxDigits {
		return false
	}
	w.groups[w.ng] = len(g)
	w.ng++
	w.nd += copy(w.digits[w.nd:], g)
	return true
}

// parsePhoneWord parses a word at text[i]; ok is false if there is none.
func parsePhoneWord(text string, i int, first bool) (w phoneWord, ok bool) {
	w.start = i
	if first && i < len(text) && text[i] == '(' {
		j := i + 1
		if j < len(text) && text[j] == '+' {
			w.plus = true
			j++
		}
		k := j
		for k < len(text) && isDigit(text[k]) {
			k++
		}
		if k == j || k-j > 5 || k >= len(text) || text[k] != ')' {
			return w, false
		}
		w.paren = true
		w.addGroup(text[j:k])
		w.end = k + 1
		return w, true
	}
	j := i
	if j < len(text) && text[j] == '+' {
		w.plus = true
		j++
	}
	for {
		k := j
		for k < len(text) && isDigit(text[k]) {
			k++
		}
		if k == j {
			return w, false
		}
		if !w.addGroup(text[j:k]) {
			return w, false
		}
		j = k
		if j+1 < len(text) && (text[j] == '.' || text[j] == '-' || text[j] == '/') && isDigit(text[j+1]) {
			w.seps[w.ng-1] = text[j]
			if text[j] == '/' {
				w.slash = true
			}
			j++
			continue
		}
		break
	}
	w.end = j
	return w, true
}

func num(d []byte) int {
	v := 0
	for _, c := range d {
		v = v*10 + int(c-'0')
		if v > 1e9 {
			return v
		}
	}
	return v
}

func isYear(d []byte) bool {
	return len(d) == 4 && (d[0] == '1' && d[1] == '9' || d[0] == '2' && d[1] == '0')
}

// notPhoneWord reports words shaped like dates, times, periods or
// number/year pairs.
func notPhoneWord(w *phoneWord) bool {
	g := w.groups[:w.ng]
	seps := w.seps[:max(w.ng-1, 0)]
	if len(g) < 2 || w.paren {
		return false
	}
	// Digits of group k.
	grp := func(k int) []byte {
		off := 0
		for i := 0; i < k; i++ {
			off += g[i]
		}
		return w.digits[off : off+g[k]]
	}
	// Dates: d/m/y, y-m-d.
	if len(g) == 3 && seps[0] == seps[1] {
		if g[0] <= 2 && g[1] <= 2 && (g[2] == 2 || g[2] == 4) {
			return true
		}
		if g[0] == 4 && g[1] <= 2 && g[2] <= 2 {
			return true
		}
	}
	// Month/year and number/year (12345/2025, 2024-000123 is not a phone
	// anyway).
	if seps[len(seps)-1] != '.' && isYear(grp(len(g)-1)) {
		return true
	}
	if len(g) == 2 && g[0] <= 2 && isYear(grp(1)) {
		return true
	}
	// Times: hh.mm, hh.mm-hh.mm.
	isTime := func(a, b int) bool {
		return g[a] <= 2 && g[b] == 2 && num(grp(a)) <= 24 && num(grp(b)) <= 59
	}
	if len(g) == 2 && seps[0] == '.' && isTime(0, 1) {
		return true
	}
	if len(g) == 4 && seps[0] == '.' && seps[2] == '.' && isTime(0, 1) && isTime(2, 3) {
		return true
	}
	return false
}

// badBefore reports whether the character(s) before pos make a number there
// part of something else (a word, a URL, a decimal number...).
func badBefore(text string, pos int) bool {
	if pos == 0 {
		return false
	}
	if wordBefore(text, pos) {
		return true
	}
	switch c := text[pos-1]; c {
	case '/', '=', '?', '&', '#', '@', '%', '$', '\\', '+', '*', '^', '~':
		return true
	case '.', ',', ':', '-':
		if pos >= 2 && isDigit(text[pos-2]) {
			return true
		}
	}
	// Inside a URL?
	lo := pos - 200
	if lo < 0 {
		lo = 0
	}
	seg := text[lo:pos]
	if k := strings.LastIndexAny(seg, " \t\n\r"); k >= 0 {
		seg = seg[k+1:]
	}
	return strings.Contains(seg, "://") || strings.Contains(seg, "www.")
}

// badAfter reports whether the character(s) at pos make a number ending there
// part of something else.
func badAfter(text string, pos int) bool {
	if pos >= len(text) {
		return false
	}
	if wordAfter(text, pos) {
		return true
	}
	switch c := text[pos]; c {
	case '/', '=', '?', '&', '#', '@', '%', '$', '\\', '_', '+', '*', '^', '~':
		return true
	case ',', '.', ':', '-':
		if pos+1 < len(text) && isDigit(text[pos+1]) {
			return true
		}
	}
	return false
}

// currencyAround reports an amount: € or euro right before start or right
// after end.
func currencyAround(text string, start, end int) bool {
	b := strings.TrimRight(text[max(0, start-8):start], " \u00a0")
	b = strings.ToLower(b)
	if strings.HasSuffix(b, "€") || strings.HasSuffix(b, "euro") || strings.HasSuffix(b, "eur") || strings.HasSuffix(b, "eur.") {
		return true
	}
	a := strings.TrimLeft(text[end:min(len(text), end+8)], " \u00a0")
	a = strings.ToLower(a)
	if strings.HasPrefix(a, "€") {
		return true
	}
	for _, w := range []string{"euro", "eur"} {
		if strings.HasPrefix(a, w) && (len(a) == len(w) || !isLetter(a[len(w)])) {
			return true
		}
	}
	return false
}

// phoneKind validates the words ws as one phone number and returns the
// reason, or "" if it is not one.
func phoneKind(text string, ws []phoneWord, firstWordOfChunk bool) string {
	for k := range ws {
		if k > 0 && (ws[k].plus || ws[k].paren) {
			return ""
		}
		if notPhoneWord(&ws[k]) {
			return ""
		}
	}
	// "03 12 2025" written with spaces.
	if len(ws) == 3 && ws[0].ng == 1 && ws[1].ng == 1 && ws[2].ng == 1 &&
		ws[0].nd <= 2 && ws[1].nd <= 2 && isYear(ws[2].digits[:ws[2].nd]) {
		return ""
	}
	var d [40]byte
	n := 0
	var groups [24]int
	ng := 0
	for k := range ws {
		w := &ws[k]
		for _, g := range w.groups[:w.ng] {
			if ng < len(groups) {
				groups[ng] = g
				ng++
			}
		}
		for _, c := range w.digits[:w.nd] {
			if n == len(d) {
				return ""
			}
			d[n] = c
			n++
		}
	}
	digits := d[:n]
	prefix := 0
	slash := false
	for k := range ws {
		slash = slash || ws[k].slash
	}
	switch {
	case ws[0].plus:
		if n >= 2 && digits[0] == '3' && digits[1] == '9' {
			prefix = 2
		} else {
			if n < 8 || n > 15 || digits[0] == '0' || slash {
				return ""
			}
			return "numero di telefono internazionale"
		}
	case n >= 4 && string(digits[:4]) == "0039":
		prefix = 4
	}
	nat := digits[prefix:]
	// Length of the first group of the national number.
	first, skip := 0, prefix
	for i := 0; i < ng; i++ {
		if groups[i] <= skip {
			skip -= groups[i]
			continue
		}
		first = groups[i] - skip
		break
	}
	if len(nat) < 6 {
		return ""
	}
	var reason string
	switch {
	case nat[0] == '3' && nat[1] != '0' && (len(nat) == 9 || len(nat) == 10) && first >= 3:
		reason = "numero di cellulare italiano"
	case nat[0] == '0' && nat[1] != '0' && len(nat) <= 11 && first >= 2:
		reason = "numero di telefono fisso italiano"
	default:
		return ""
	}
	start, end := ws[0].start, ws[len(ws)-1].end
	if currencyAround(text, start, end) {
		return ""
	}
	if !firstWordOfChunk {
		return reason
	}
	if prefix == 0 {
		pw := prevWords(text, start)
		if len(pw) > 0 {
			if strongContext[pw[0]] {
				return ""
			}
			if weakContext[pw[0]] {
				// "protocollo n.", "numero di pratica"...
				for _, w := range pw[1:] {
					if strongContext[w] {
						return ""
					}
				}
				if len(nat) < 9 || slash {
					return ""
				}
			}
			if len(pw) > 2 && pw[1] == "di" && weakContext[pw[2]] && strongContext[pw[0]] {
				return ""
			}
		}
	}
	return reason
}

// inCodeGroups reports whether w starts with a group of 4 digits right after
// another space-separated 4-character group containing a digit, as in the
// middle of an IBAN or card number written in groups of 4 ("X054 2811 1010
// 0000 0123 457"): digits from there on are not a phone number.
func inCodeGroups(text string, w *phoneWord) bool {
	p := w.start
	if w.plus || w.paren || w.groups[0] != 4 || p < 5 || text[p-1] != ' ' {
		return false
	}
	digit := false
	for k := p - 5; k < p-1; k++ {
		c := text[k]
		if !isAlnum(c) {
			return false
		}
		digit = digit || isDigit(c)
	}
	return digit && !wordBefore(text, p-5)
}

// maxPhoneWords bounds the words considered for one number.
const maxPhoneWords = 8

func findPhones(text string, out []Finding) []Finding {
	i := 0
	var ws []phoneWord
	for i < len(text) {
		c := text[i]
		if !(isDigit(c) || c == '+' || c == '(') || (i > 0 && isDigit(text[i-1])) {
			i++
			continue
		}
		// Parse a chunk of words separated by single spaces.
		ws = ws[:0]
		j := i
		for {
			w, ok := parsePhoneWord(text, j, len(ws) == 0)
			if !ok {
				break
			}
			ws = append(ws, w)
			j = w.end
			if j+1 < len(text) && text[j] == ' ' && (isDigit(text[j+1]) || text[j+1] == '+') {
				j++
				continue
			}
			break
		}
		if len(ws) == 0 {
			i++
			continue
		}
		firstOK := !badBefore(text, ws[0].start)
		lastOK := !badAfter(text, ws[len(ws)-1].end)
		for a := 0; a < len(ws); {
			if a == 0 && !firstOK || inCodeGroups(text, &ws[a]) {
				a++
				continue
			}
			found := -1
			var reason string
			digits := 0
			for b := a; b < len(ws) && b-a < maxPhoneWords; b++ {
				digits += ws[b].nd
				if digits > 17 {
					break
				}
				if b == len(ws)-1 && !lastOK {
					break
				}
				if r := phoneKind(text, ws[a:b+1], a == 0); r != "" {
					found, reason = b, r
				}
			}
			if found < 0 {
				a++
				continue
			}
			out = append(out, newFinding(text, Phone, ws[a].start, ws[found].end, reason))
			a = found + 1
		}
		i = ws[len(ws)-1].end
	}
	return out
}
