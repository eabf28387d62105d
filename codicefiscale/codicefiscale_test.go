package codicefiscale

import (
	"strings"
	"testing"

	"github.com/redazione/redazione"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, in, want, errPart string
	}{
		{name: "valid", in: "RSSMRA85T10A562S", want: "RSSMRA85T10A562S"},
		{name: "valid, a woman (day + 40)", in: "BNCLRA90A41H501F", want: "BNCLRA90A41H501F"},
		{name: "lower case and spaces normalised", in: "  rssmra85t10a562s ", want: "RSSMRA85T10A562S"},
		{name: "spaces inside", in: "RSS MRA 85T10 A562S", want: "RSSMRA85T10A562S"},
		{name: "omocodia, last digit replaced", in: "RSSMRA85T10A56NH", want: "RSSMRA85T10A56NH"},
		{name: "omocodia, every digit replaced", in: "RSSMRAURTMLARPNI", want: "RSSMRAURTMLARPNI"},
		{name: "wrong check character", in: "RSSMRA85T10A562T", errPart: "carattere di controllo"},
		{name: "omocodia with the check of the original", in: "RSSMRA85T10A56NS", errPart: "carattere di controllo"},
		{name: "too short", in: "RSSMRA85T10A562", errPart: "16 caratteri"},
		{name: "too long", in: "RSSMRA85T10A562SX", errPart: "16 caratteri"},
		{name: "empty", in: "  ", errPart: "manca"},
		{name: "digit where a letter goes", in: "RSSMR185T10A562S", errPart: "carattere 6"},
		{name: "a month that does not exist", in: "RSSMRA85Z10A562S", errPart: "carattere 9"},
		{name: "a letter not of omocodia", in: "RSSMRA85T10A56ZS", errPart: "carattere 15"},
		{name: "an impossible day", in: "RSSMRA85T35A562S", errPart: "giorno"},
		{name: "accented letters", in: "RSSMRÀ85T10A562S", errPart: "16 caratteri"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(c.in)
			if c.errPart != "" {
				if err == nil {
					t.Fatalf("Parse(%q) = %q, want an error about %q", c.in, got, c.errPart)
				}
				if e, ok := err.(*redazione.Error); !ok || e.Field != "fiscal_code" || !contains(e.Message, c.errPart) {
					t.Fatalf("Parse(%q) error = %v, want the field fiscal_code and %q", c.in, err, c.errPart)
				}
				return
			}
			if err != nil || string(got) != c.want {
				t.Fatalf("Parse(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
		})
	}
}

func TestCheckMatchesTheOfficialExample(t *testing.T) {
	t.Parallel()
	// Codes quoted as examples in public explanations of the algorithm.
	for in, want := range map[string]byte{"RSSMRA85T10A562": 'S', "MRTMTT25D09F205": 'Z'} {
		if c := Check(in); c != want {
			t.Errorf("check of %s = %c, want %c", in, c, want)
		}
	}
}

func TestMasked(t *testing.T) {
	t.Parallel()
	if m := Code("RSSMRA85T10A562S").Masked(); m != "RSS************S" {
		t.Fatalf("Masked = %q", m)
	}
}

func contains(s, part string) bool { return strings.Contains(s, part) }
