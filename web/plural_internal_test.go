package web

import "testing"

// Numbers read as a person would write them: "1 conversazione", "2
// conversazioni", "1.234 conversazioni", never "1 risposte trovate".
func TestPluralTexts(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		lang, key string
		n         int
		want      string
	}{
		{"it", "inbox.count", 0, "Nessuna conversazione"},
		{"it", "inbox.count", 1, "1 conversazione"},
		{"it", "inbox.count", 2, "2 conversazioni"},
		{"it", "inbox.count", 1234, "1.234 conversazioni"},
		{"en", "inbox.count", 1, "1 conversation"},
		{"en", "inbox.count", 1234, "1,234 conversations"},
		{"it", "answers.found", 1, "1 risposta trovata: Invio per inserirla, Esc per tornare al testo."},
		{"it", "answers.found", 3, "3 risposte trovate: frecce per scegliere, Invio per inserire, Esc per tornare al testo."},
		{"it", "ago.days", 1, "1 giorno"},
		{"it", "ago.days", 8, "8 giorni"},
		{"it", "audit.chain.ok", 1, "Catena integra (1 voce)"},
		{"it", "access.notified.count", 1, "Avvisato 1 richiedente"},
	} {
		if got := translateN(c.lang, c.key, c.n); got != c.want {
			t.Errorf("translateN(%s, %s, %d) = %q, want %q", c.lang, c.key, c.n, got, c.want)
		}
	}
	for key, forms := range pluralCatalog {
		for i, f := range forms {
			if f["one"] == "" || f["other"] == "" {
				t.Errorf("%s: language %d lacks the one or the other form", key, i)
			}
		}
	}
}
