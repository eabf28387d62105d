package accesso_test

import (
	"testing"
	"time"

	"github.com/redazione/redazione/accesso"
	"github.com/redazione/redazione/calendar"
)

func date(t *testing.T, s string) calendar.Date {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDue(t *testing.T) {
	cal := calendar.Standard()
	milano := calendar.Standard()
	milano.Patron = &calendar.MonthDay{Month: time.December, Day: 7}
	for _, c := range []struct {
		name      string
		cal       *calendar.Calendar
		received  string
		suspended int
		want      string
	}{
		{"thirty days, on a weekday", cal, "2026-03-02", 0, "2026-04-01"},
		{"ends on a Saturday: a legal term runs through it", cal, "2026-02-28", 0, "2026-03-30"},
		{"ends on a Sunday: next day", cal, "2026-03-01", 0, "2026-03-31"},
		{"ends on Easter Monday 2026 (6 April): next day", cal, "2026-03-07", 0, "2026-04-07"},
		{"ends on Sunday 5 April then Easter Monday: Tuesday", cal, "2026-03-06", 0, "2026-04-07"},
		{"ends on 4 October, a holiday from 2026", cal, "2026-09-04", 0, "2026-10-05"},
		{"controinteressati: suspended ten days (ends on a Saturday)", cal, "2026-03-02", 10, "2026-04-11"},
		{"suspension is capped at ten days", cal, "2026-03-02", 25, "2026-04-11"},
		{"ends on the patron saint's day of Milano", milano, "2026-11-07", 0, "2026-12-09"},
		{"across the year", cal, "2026-12-10", 0, "2027-01-09"},
	} {
		if got := accesso.Due(c.cal, date(t, c.received), c.suspended).String(); got != c.want {
			t.Errorf("%s: Due(%s, %d) = %s, want %s", c.name, c.received, c.suspended, got, c.want)
		}
	}
	if got := accesso.ReviewDue(cal, date(t, "2026-05-12")).String(); got != "2026-06-01" {
		t.Errorf("riesame asked on 12 May 2026: due %s, want 2026-06-01 (20 days)", got)
	}
	if got := accesso.ReviewDue(cal, date(t, "2026-05-13")).String(); got != "2026-06-03" {
		t.Errorf("riesame due on 2 June (Festa della Repubblica): %s, want 2026-06-03", got)
	}
}

func TestDaysBetween(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{{"2026-03-01", "2026-03-31", 30}, {"2026-03-31", "2026-03-01", -30}, {"2026-03-28", "2026-03-30", 2}, {"2026-10-24", "2026-10-26", 2}} {
		if got := accesso.DaysBetween(date(t, c.a), date(t, c.b)); got != c.want {
			t.Errorf("DaysBetween(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestDocumentKey(t *testing.T) {
	same := []string{
		"Delibere della giunta sul bilancio 2026",
		"delibere giunta bilancio 2026",
		"Bilancio 2026: delibere di giunta",
		"  DELIBERE   della Giunta, bilancio 2026. ",
	}
	want := accesso.DocumentKey(same[0])
	if want == "" {
		t.Fatal("empty key")
	}
	for _, s := range same[1:] {
		if got := accesso.DocumentKey(s); got != want {
			t.Errorf("DocumentKey(%q) = %q, want %q", s, got, want)
		}
	}
	if accesso.DocumentKey("Delibere della giunta sul bilancio 2025") == want {
		t.Error("another year's budget has the same key")
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"Richiesta di Mario, tel. 333 123 4567, per il cantiere": "Richiesta di Mario, tel. [omissis], per il cantiere",
		"CF RSSMRA80A01H501U e mail mario@example.it":            "CF [omissis] e mail [omissis]",
		"Verbali della commissione edilizia 2026":                "Verbali della commissione edilizia 2026",
	} {
		if got := accesso.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
