package detect

import (
	"strings"
	"testing"
)

// want is the part of a Finding the operator notices.
type want struct {
	Kind  Kind
	Value string
	Start int // -1: compute as the first occurrence of Value in the text
}

func w(k Kind, v string) want { return want{Kind: k, Value: v, Start: -1} }

type testCase struct {
	name string
	text string
	want []want
}

func runCases(t *testing.T, cases []testCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := PersonalData(tc.text)
			checkInvariants(t, tc.text, got)
			if len(got) != len(tc.want) {
				t.Fatalf("PersonalData(%q) = %d findings %+v, want %d %+v", tc.text, len(got), got, len(tc.want), tc.want)
			}
			for i, g := range got {
				wt := tc.want[i]
				start := wt.Start
				if start < 0 {
					start = strings.Index(tc.text, wt.Value)
				}
				end := start + len(wt.Value)
				if g.Kind != wt.Kind || g.Value != wt.Value || g.Start != start || g.End != end {
					t.Errorf("finding %d = {%s %q [%d,%d)}, want {%s %q [%d,%d)}",
						i, g.Kind, g.Value, g.Start, g.End, wt.Kind, wt.Value, start, end)
				}
				if g.Reason == "" {
					t.Errorf("finding %d has no reason", i)
				}
			}
		})
	}
}

// checkInvariants asserts what every result must satisfy.
func checkInvariants(t testing.TB, text string, got []Finding) {
	t.Helper()
	prevEnd := 0
	for i, f := range got {
		if f.Start < 0 || f.End > len(text) || f.Start >= f.End {
			t.Fatalf("finding %d %+v out of bounds (len %d)", i, f, len(text))
		}
		if f.Value != text[f.Start:f.End] {
			t.Fatalf("finding %d Value %q != text[%d:%d] %q", i, f.Value, f.Start, f.End, text[f.Start:f.End])
		}
		if f.Start < prevEnd {
			t.Fatalf("finding %d %+v overlaps or is out of order (previous end %d)", i, f, prevEnd)
		}
		prevEnd = f.End
	}
}

// The check character, computed by hand with the official tables
// (odd positions 1,3,...,15 use the "dispari" table, even ones the "pari"
// table; the sum modulo 26 gives the letter, A=0).
//
// RSSMRA85T10A562 (Mario Rossi, 10/12/1985, comune A562):
//
//	odd:  R=8 S=12 R=8 8=19 T=14 0=1 5=13 2=5   -> 80
//	even: S=18 M=12 A=0 5=5 1=1 A=0 6=6         -> 42
//	122 mod 26 = 18 -> S                         => RSSMRA85T10A562S
//
// MRTMTT25D09F205 (Matteo Moretti, 9/4/1925, Milano F205, the Agenzia delle
// Entrate example):
//
//	odd:  M=18 T=14 T=14 2=5 D=7 9=21 2=5 5=13  -> 97
//	even: R=17 M=12 T=19 5=5 0=0 F=5 0=0        -> 58
//	155 mod 26 = 25 -> Z                         => MRTMTT25D09F205Z
//
// Omocode variants of RSSMRA85T10A562S:
//
//	last digit 2 -> N (odd pos. 15: 5 -> 20): 122-5+20 = 137, mod 26 = 7 -> H
//	  => RSSMRA85T10A56NH
//	and 6 -> S (even pos. 14: 6 -> 18): 137-6+18 = 149, mod 26 = 19 -> T
//	  => RSSMRA85T10A5SNT
func TestCheckCharByHand(t *testing.T) {
	for _, s := range []string{"RSSMRA85T10A562S", "MRTMTT25D09F205Z", "RSSMRA85T10A56NH", "RSSMRA85T10A5SNT"} {
		if got := cfCheckChar([]byte(s)); got != s[15] {
			t.Errorf("cfCheckChar(%s) = %c, want %c", s[:15], got, s[15])
		}
	}
}

func TestCodiceFiscale(t *testing.T) {
	// A CF whose only defect is the day (35): right check char, still rejected.
	badDay := []byte("RSSMRA85T35A562?")
	badDay[15] = cfCheckChar(badDay)
	// Month letter F does not exist.
	badMonth := []byte("RSSMRA85F10A562?")
	badMonth[15] = cfCheckChar(badMonth)
	// Woman born on the 10th: day 50.
	woman := []byte("RSSMRA85T50A562?")
	woman[15] = cfCheckChar(woman)

	runCases(t, []testCase{
		{"Mario Rossi", "Il mio CF: RSSMRA85T10A562S.", []want{w(CodiceFiscale, "RSSMRA85T10A562S")}},
		{"Agenzia example", "MRTMTT25D09F205Z", []want{w(CodiceFiscale, "MRTMTT25D09F205Z")}},
		{"omocode one letter", "cf RSSMRA85T10A56NH", []want{w(CodiceFiscale, "RSSMRA85T10A56NH")}},
		{"omocode two letters", "cf RSSMRA85T10A5SNT", []want{w(CodiceFiscale, "RSSMRA85T10A5SNT")}},
		{"lower case", "codice fiscale rssmra85t10a562s grazie", []want{w(CodiceFiscale, "rssmra85t10a562s")}},
		{"woman", "CF " + string(woman), []want{w(CodiceFiscale, string(woman))}},
		{"after C.F.", "C.F.RSSMRA85T10A562S", []want{w(CodiceFiscale, "RSSMRA85T10A562S")}},
		{"wrong check char", "CF RSSMRA85T10A562T", nil},
		{"bad day", "CF " + string(badDay), nil},
		{"bad month", "CF " + string(badMonth), nil},
		{"not word bounded", "XRSSMRA85T10A562S RSSMRA85T10A562SX RSSMRA85T10A562S1", nil},
		{"with spaces", "RSS MRA 85T10 A562S", nil},
	})
}

func TestIBAN(t *testing.T) {
	runCases(t, []testCase{
		{"IT contiguous", "IBAN IT60X0542811101000000123456", []want{w(IBAN, "IT60X0542811101000000123456")}},
		{"IT groups of 4", "IBAN: IT60 X054 2811 1010 0000 0123 456 grazie", []want{w(IBAN, "IT60 X054 2811 1010 0000 0123 456")}},
		{"IT CIN/ABI/CAB groups", "IT60X 05428 11101 000000123456", []want{w(IBAN, "IT60X 05428 11101 000000123456")}},
		{"IT lower case", "iban it60x0542811101000000123456", []want{w(IBAN, "it60x0542811101000000123456")}},
		{"IT one digit changed", "IBAN IT60X0542811101000000123457", nil},
		{"IT one digit changed, grouped", "IBAN IT60 X054 2811 1010 0000 0123 457", nil},
		{"IT too short", "IBAN IT60X054281110100000012345", nil},
		{"DE", "Konto DE89370400440532013000.", []want{w(IBAN, "DE89370400440532013000")}},
		{"DE grouped", "DE89 3704 0044 0532 0130 00", []want{w(IBAN, "DE89 3704 0044 0532 0130 00")}},
		{"GB", "GB82WEST12345698765432", []want{w(IBAN, "GB82WEST12345698765432")}},
		{"GB grouped", "(GB82 WEST 1234 5698 7654 32)", []want{w(IBAN, "GB82 WEST 1234 5698 7654 32")}},
		{"ES grouped, full last group then capitals", "ES91 2100 0418 4502 0005 1332 GRAZIE", []want{w(IBAN, "ES91 2100 0418 4502 0005 1332")}},
		{"SM", "SM86U0322509800000000270100", []want{w(IBAN, "SM86U0322509800000000270100")}},
		{"FR", "FR1420041010050500013M02606", []want{w(IBAN, "FR1420041010050500013M02606")}},
		{"card number is nothing", "4111 1111 1111 1111", nil},
		{"two spaces break groups", "IT60  X054 2811 1010 0000 0123 456", nil},
	})
}

func TestPhone(t *testing.T) {
	runCases(t, []testCase{
		{"+39 mobile", "chiamatemi al +39 333 123 4567, grazie", []want{w(Phone, "+39 333 123 4567")}},
		{"mobile dotted", "cell. 333.1234567", []want{w(Phone, "333.1234567")}},
		{"mobile contiguous", "tel:3331234567", []want{w(Phone, "3331234567")}},
		{"mobile dashes", "333-123-4567", []want{w(Phone, "333-123-4567")}},
		{"mobile 9 digits", "cell 347 123456", []want{w(Phone, "347 123456")}},
		{"Rome landline", "Tel. 06 6982 1234", []want{w(Phone, "06 6982 1234")}},
		{"landline slash", "tel. 0332/123456", []want{w(Phone, "0332/123456")}},
		{"landline parens", "(06) 69821234", []want{w(Phone, "(06) 69821234")}},
		{"0039", "0039 02 12345678", []want{w(Phone, "0039 02 12345678")}},
		{"+39 contiguous", "+393331234567", []want{w(Phone, "+393331234567")}},
		{"international", "Swiss mobile +41 79 123 45 67.", []want{w(Phone, "+41 79 123 45 67")}},
		{"after numero", "il mio numero è 347 1234567", []want{w(Phone, "347 1234567")}},
		{"house number before", "via Roma 3 06 1234567", []want{w(Phone, "06 1234567")}},
		{"landline dotted", "Tel. 06.6982.1234", []want{w(Phone, "06.6982.1234")}},
		{"+39 landline", "+39 06 6982 1234", []want{w(Phone, "+39 06 6982 1234")}},
		{"+39 in parentheses", "(+39) 333 1234567", []want{w(Phone, "(+39) 333 1234567")}},
		{"year before", "nel 2024 06 12345678", []want{w(Phone, "06 12345678")}},
		{"two numbers", "333 1234567 oppure 06 12345678", []want{w(Phone, "333 1234567"), w(Phone, "06 12345678")}},

		{"date slash", "il 12/03/2025 alle", nil},
		{"date with leading zero", "il 03/12/2025", nil},
		{"date dotted", "12.03.2025", nil},
		{"date dashed", "03-12-2025", nil},
		{"ISO date", "2025-03-12", nil},
		{"month/year", "entro 06/2025", nil},
		{"date with spaces", "03 12 2025", nil},
		{"protocol", "prot. n. 12345/2025", nil},
		{"protocol zero padded", "protocollo n. 0612345", nil},
		{"protocol number-of", "numero di protocollo 0612345678", nil},
		{"pratica", "pratica 2024-000123", nil},
		{"pratica n.", "pratica n. 0612345678", nil},
		{"partita IVA", "P.IVA 01234567890", nil},
		{"numeric codice fiscale", "codice fiscale 01234567890", nil},
		{"short after n.", "n. 0612345", nil},
		{"amount", "€ 1.250,00", nil},
		{"amount thousands", "€ 333.123.456", nil},
		{"amount suffix", "333.123.456 euro", nil},
		{"decimal", "0612345,50", nil},
		{"percentage", "0612345%", nil},
		{"CAP", "CAP 00184 Roma", nil},
		{"toll free", "numero verde 800 123 456", nil},
		{"toll free contiguous", "800123456", nil},
		{"803", "803 116", nil},
		{"premium", "199 123 456 e 892 892", nil},
		{"time", "ore 10.30", nil},
		{"time range", "dalle 09.30-12.30", nil},
		{"year", "nel 2025", nil},
		{"URL path", "https://www.comune.it/pratiche/0612345678", nil},
		{"URL query", "vedi https://example.it/?tel=3331234567", nil},
		{"www", "www.example.it/3331234567", nil},
		{"glued to letters", "ABC3331234567 3331234567X", nil},
		{"too long", "33312345678901", nil},
		{"landline 00", "0012345678", nil},
	})
}

func TestEmail(t *testing.T) {
	runCases(t, []testCase{
		{"plain", "scrivete a mario.rossi@example.it.", []want{w(Email, "mario.rossi@example.it")}},
		{"apostrophe", "all'ufficio.tributi@comune.roma.it", []want{w(Email, "ufficio.tributi@comune.roma.it")}},
		{"angle brackets and plus", "<mario+pec@pec.comune.it>", []want{w(Email, "mario+pec@pec.comune.it")}},
		{"mailto", "mailto:anna_bianchi-1@posta.it?subject=x", []want{w(Email, "anna_bianchi-1@posta.it")}},
		{"IDN", "sindaco@comune.forlì.it", []want{w(Email, "sindaco@comune.forlì.it")}},
		{"upper case", "MARIO@EXAMPLE.COM", []want{w(Email, "MARIO@EXAMPLE.COM")}},
		{"no dot in domain", "mario@localhost", nil},
		{"numeric TLD", "mario@10.0.0.1", nil},
		{"no local part", "@comune_roma", nil},
		{"double dot", "mario..rossi@example.it", nil},
		{"two addresses", "a@b.it, c@d.it", []want{w(Email, "a@b.it"), w(Email, "c@d.it")}},
	})
}

func TestIDDocument(t *testing.T) {
	runCases(t, []testCase{
		{"CIE alone", "allego CA12345AB", []want{w(IDDocument, "CA12345AB")}},
		{"CIE with keyword", "carta d'identità n. CA12345AB", []want{w(IDDocument, "CA12345AB")}},
		{"CIE lower case with keyword", "cie ca12345ab", []want{w(IDDocument, "ca12345ab")}},
		{"CIE lower case alone", "codice ca12345ab", nil},
		{"paper ID", "carta d’identità AX1234567", []want{w(IDDocument, "AX1234567")}},
		{"paper ID with space", "C.I. n. AX 1234567", []want{w(IDDocument, "AX 1234567")}},
		{"paper ID CI n", "CI n° AX1234567", []want{w(IDDocument, "AX1234567")}},
		{"documento", "documento di riconoscimento AX1234567", []want{w(IDDocument, "AX1234567")}},
		{"passport", "passaporto YA1234567", []want{w(IDDocument, "YA1234567")}},
		{"passport upper-case keyword", "PASSAPORTO N. YA1234567", []want{w(IDDocument, "YA1234567")}},
		{"patente U1", "la mia patente è U1532B456K", []want{w(IDDocument, "U1532B456K")}},
		{"patente provincial", "patente n. RM1234567X", []want{w(IDDocument, "RM1234567X")}},
		{"no keyword", "codice AX1234567 e U1532B456K", nil},
		{"keyword too far", "passaporto: ne ho parlato con l'ufficio anagrafe ieri, YA1234567", nil},
		{"keyword inside word", "specie AX1234567", nil},
		{"ID beats phone", "C.I. AX 0612345", []want{w(IDDocument, "AX 0612345")}},
	})
}

func TestOverlaps(t *testing.T) {
	runCases(t, []testCase{
		{"CF as e-mail local part", "rssmra85t10a562s@pec.it", []want{w(Email, "rssmra85t10a562s@pec.it")}},
		{"phone as e-mail local part", "3331234567@sms.example.it", []want{w(Email, "3331234567@sms.example.it")}},
		{"IBAN digits are not a phone", "IT60 X054 2811 1010 0000 0123 456", []want{w(IBAN, "IT60 X054 2811 1010 0000 0123 456")}},
	})
}

const longComment = `Buongiorno, sono Mario Rossi (C.F. RSSMRA85T10A562S) e scrivo per la pratica 2024-000123 ` +
	`(prot. n. 12345/2025 del 12/03/2025). Ho pagato € 1.250,00 ma il rimborso non è arrivato sul mio conto ` +
	`IBAN IT60 X054 2811 1010 0000 0123 456. Potete richiamarmi al +39 333 123 4567 oppure allo 06 6982 1234 ` +
	`dopo le ore 10.30? La mia e-mail è mario.rossi@example.it. Allego copia della carta d'identità n. CA12345AB. ` +
	`Il numero verde 800 123 456 non risponde mai. Abito in via Garibaldi 12, CAP 00184 Roma.`

func TestLongComment(t *testing.T) {
	runCases(t, []testCase{{"comment", longComment, []want{
		w(CodiceFiscale, "RSSMRA85T10A562S"),
		w(IBAN, "IT60 X054 2811 1010 0000 0123 456"),
		w(Phone, "+39 333 123 4567"),
		w(Phone, "06 6982 1234"),
		w(Email, "mario.rossi@example.it"),
		w(IDDocument, "CA12345AB"),
	}}})
}

func TestEmpty(t *testing.T) {
	if got := PersonalData(""); len(got) != 0 {
		t.Fatalf("PersonalData(\"\") = %v", got)
	}
}

func FuzzPersonalData(f *testing.F) {
	for _, s := range []string{
		"",
		longComment,
		"RSSMRA85T10A562S IT60X0542811101000000123456 +39 333 123 4567",
		"IT60 X054 2811 1010 0000 0123 456 mario@comune.forlì.it",
		"(+39) 06 6982 1234 / 12/03/2025 € 1.250,00",
		"carta d’identità AX 1234567 patente U1532B456K",
		"@@..@a.b.cc +++(((0",
		"\xff\xfe3331234567\xc3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkInvariants(t, text, PersonalData(text))
	})
}

// benchComment is a realistic comment of about 500 bytes.
var benchComment = longComment + " Grazie."

func BenchmarkPersonalData(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchComment)))
	for b.Loop() {
		PersonalData(benchComment)
	}
}
