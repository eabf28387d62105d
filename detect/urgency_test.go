package detect

import "testing"

func TestUrgency(t *testing.T) {
	cases := []struct {
		text string
		want []Danger
	}{
		{"C'è una fuga di gas in via Roma 3, sento un forte odore!", []Danger{Emergency}},
		{"Se non mi ridate la multa vi ammazzo tutti", []Danger{Threat}},
		{"Non ce la faccio più, sto pensando al suicidio", []Danger{SelfHarm}},
		{"Stavo pensando di suicidarmi", []Danger{SelfHarm}},
		{"Il lampione è spento da una settimana", nil},
		{"L'incendiario è stato preso", nil},                      // not "incendio"
		{"Ho visto il film La bomba dell'anno", []Danger{Threat}}, // a phrase list errs on the side of caution
		{"Dove si paga la TARI?", nil},
		{"ALLAGAMENTO nel sottopasso, auto bloccate", []Danger{Emergency}},
	}
	for _, tc := range cases {
		got := Urgency(tc.text)
		if len(got) != len(tc.want) {
			t.Errorf("%q: %+v, want %v", tc.text, got, tc.want)
			continue
		}
		for i, a := range got {
			if a.Danger != tc.want[i] || tc.text[a.Start:a.End] != a.Value || a.Reason == "" {
				t.Errorf("%q: %+v, want %v", tc.text, a, tc.want[i])
			}
		}
	}
}
