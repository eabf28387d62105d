package detect

import "testing"

func TestAbuse(t *testing.T) {
	cases := []struct {
		text string
		want []string
	}{
		{"Siete degli idioti e degli incompetenti", []string{Insult}},
		{"I ladri sono entrati in casa mia", nil}, // a citizen reporting a theft is not insulting anyone
		{"Sindaco stronzo, vergogna", []string{Insult}},
		{"Il lampione è spento", nil},
		{"Il deficit del bilancio comunale", nil},            // not "deficiente"
		{"Ho visto il cazzotto in piazza", []string{Insult}}, // a prefix list errs on the side of caution
		{"Clicca qui per guadagni facili!", []string{Spam, Spam}},
		{"https://a.example https://b.example https://c.example", []string{Spam}},
		{"Grazie per la risposta, molto gentili", nil},
	}
	for _, tc := range cases {
		got := Abuse(tc.text)
		if len(got) != len(tc.want) {
			t.Errorf("%q: %+v, want %v", tc.text, got, tc.want)
			continue
		}
		for i, f := range got {
			if f.Kind != tc.want[i] || tc.text[f.Start:f.End] != f.Value || f.Reason == "" {
				t.Errorf("%q: %+v, want %s", tc.text, f, tc.want[i])
			}
		}
	}
}
