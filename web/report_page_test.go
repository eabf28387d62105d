package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/sla"
	"github.com/redazione/redazione/store"
)

// seedReport stores three conversations at known times in Rome, with a
// one-hour first-answer target on office hours:
//
//	A desk 0, Fri 27/03/2026 10:00, answered 10:30 (on time), resolved 12:00, rated positive
//	B desk 0, Fri 27/03/2026 11:00, answered 13:00 (late)
//	C desk 1, Mon 30/03/2026 09:00, never answered (late)
//
// and gives the store the real clock back.
func seedReport(t *testing.T, e *env) (opDesk0 *redazione.User) {
	t.Helper()
	ctx := context.Background()
	at := func(s string) {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, calendar.Rome)
		if err != nil {
			t.Fatal(err)
		}
		e.db.SetNow(func() time.Time { return tm })
	}
	defer e.db.SetNow(time.Now)
	sys := redazione.SystemActor(e.ente.ID)
	if err := e.db.SaveCalendar(ctx, sys, calendar.StandardSettings()); err != nil {
		t.Fatal(err)
	}
	if err := e.db.SavePolicy(ctx, sys, &sla.Policy{Name: "Standard", FirstResponse: time.Hour, Resolution: 16 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	chat := e.newChannel(e.ente, redazione.ChannelWebChat, e.desks[1].ID, "")
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	open := func(ch *redazione.Channel, who, when string) int64 {
		at(when)
		res, err := e.db.Ingest(ctx, ch, redazione.Inbound{ExternalID: who, ContactID: who, ContactName: "Cittadino " + who, Text: "Buongiorno"})
		if err != nil {
			t.Fatal(err)
		}
		return res.ConversationID
	}
	reply := func(c int64, when string) {
		at(when)
		if _, err := e.db.AddMessage(ctx, redazione.ActorOf(op), c, store.Outgoing{Text: "Risposta"}); err != nil {
			t.Fatal(err)
		}
	}
	a := open(e.api, "a", "2026-03-27 10:00")
	b := open(e.api, "b", "2026-03-27 11:00")
	open(chat, "c", "2026-03-30 09:00")
	reply(a, "2026-03-27 10:30")
	at("2026-03-27 12:00")
	resolved := redazione.StatusResolved
	if _, err := e.db.ChangeConversation(ctx, redazione.ActorOf(op), a, store.Change{Status: &resolved}); err != nil {
		t.Fatal(err)
	}
	if ok, err := e.db.CreateSurvey(ctx, sys, a, "hash-a"); err != nil || !ok {
		t.Fatalf("survey: %v %v", ok, err)
	}
	if err := e.db.AnswerSurvey(ctx, "hash-a", store.RatingPositive, ""); err != nil {
		t.Fatal(err)
	}
	reply(b, "2026-03-27 13:00")
	return op
}

// rowOf is the row of the table (by its caption's id) whose header cell is
// label, as its cells' texts.
func rowOf(t *testing.T, page, tableID, label string) []string {
	t.Helper()
	_, table, ok := strings.Cut(page, `id="`+tableID+`-caption"`)
	if !ok {
		t.Fatalf("no table %s", tableID)
	}
	table, _, _ = strings.Cut(table, "</table>")
	_, row, ok := strings.Cut(table, `<th scope="row">`+label+`</th>`)
	if !ok {
		t.Fatalf("table %s has no row %q:\n%s", tableID, label, table)
	}
	row, _, _ = strings.Cut(row, "</tr>")
	var cells []string
	for _, m := range regexp.MustCompile(`<td>([^<]*)</td>`).FindAllStringSubmatch(row, -1) {
		cells = append(cells, m[1])
	}
	return cells
}

// The reports page shows, for the period and desk chosen, the messages and
// conversations of every day, the first-answer and resolution times
// (median and 90th percentile), the targets met and the ratings, each as a
// chart with its words and table, and each chart's data as CSV; an
// operator sees only the desks they belong to.
func TestReportsPage(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		op := seedReport(t, e)
		co := e.login(e.newUser(e.ente, redazione.RoleCoordinator))
		const period = "from=2026-03-27&to=2026-03-31"
		code, page := co.get("/reports?" + period)
		if code != 200 {
			t.Fatalf("reports: %d\n%s", code, page)
		}
		if !strings.Contains(page, "dal 27/03/2026 al 31/03/2026 (5 giorni)") {
			t.Error("the period is not said in Italian")
		}
		for day, want := range map[string]string{"27/03/2026": "2 2", "28/03/2026": "0 0", "30/03/2026": "1 1", "31/03/2026": "0 0"} {
			if got := strings.Join(rowOf(t, page, "volumi", day), " "); got != want {
				t.Errorf("messages and conversations on %s: %s, want %s", day, got, want)
			}
		}
		if got := strings.Join(rowOf(t, page, "prima-risposta", "27/03/2026"), " | "); got != "2 | 30 min | 2 h" {
			t.Errorf("first answers on 27/03: %s, want 2, median 30 min, 90th percentile 2 h", got)
		}
		if got := strings.Join(rowOf(t, page, "tempi-rispettati", "27/03/2026"), " "); got != "2 1 50%" {
			t.Errorf("targets on 27/03: %s, want 2 with a target, 1 met, 50%%", got)
		}
		if !strings.Contains(page, "Risposta nei tempi nel 33% dei casi (1 su 3 conversazioni).") {
			t.Error("the whole period's targets met are not said")
		}
		if !strings.Contains(page, "Valutazioni: 100% positive, 0% sufficienti, 0% negative, su 1 valutazione.") {
			t.Error("the whole period's satisfaction is not said")
		}
		if got := rowOf(t, page, "desk", e.desks[1].Name); got[0] != "1" {
			t.Errorf("desk 1 row: %v", got)
		}
		// every chart has its words and its table
		for _, id := range []string{"volumi", "prima-risposta", "risoluzione", "tempi-rispettati", "soddisfazione", "desk", "canali"} {
			if !strings.Contains(page, `role="img" aria-labelledby="`+id+`-title `+id+`-desc"`) || !strings.Contains(page, `id="`+id+`-caption"`) {
				t.Errorf("chart %s lacks its text alternative or its table", id)
			}
		}
		if !strings.Contains(page, `<p class="report-summary" id="prima-risposta-desc">Tempo di prima risposta: mediana 30 min, 90° percentile 2 h, su 2 conversazioni.</p>`) {
			t.Error("the first-answer chart's words do not give its figures")
		}

		resp, err := co.c.Get(e.srv.URL + "/reports?" + period + "&format=csv&chart=prima-risposta")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("content type %q", ct)
		}
		if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="rapporto-prima-risposta-2026-03-27-2026-03-31.csv"` {
			t.Errorf("disposition %q", cd)
		}
		want := "Giorno;Con risposta;Mediana (minuti);90° percentile (minuti)\n2026-03-27;2;30;120\n2026-03-28;0;;\n2026-03-29;0;;\n2026-03-30;0;;\n2026-03-31;0;;\n"
		if string(body) != want {
			t.Errorf("csv:\n%s\nwant:\n%s", body, want)
		}
		_, body2 := co.get("/reports?" + period + "&format=csv&chart=tempi-rispettati")
		if !strings.HasPrefix(body2, "Giorno;Con scadenza;Risposte nei tempi;Quota nei tempi (%)\n2026-03-27;2;1;50\n") || !strings.Contains(body2, "\n2026-03-30;1;0;0\n") {
			t.Errorf("targets csv:\n%s", body2)
		}

		// An operator of desk 0 sees desk 0 only, and may not ask for desk 1.
		ob := e.login(op)
		code, mine := ob.get("/reports?" + period)
		if code != 200 || strings.Contains(mine, e.desks[1].Name) {
			t.Errorf("the operator's report: %d; shows desk 1: %v", code, strings.Contains(mine, e.desks[1].Name))
		}
		if got := rowOf(t, mine, "desk", e.desks[0].Name); got[0] != "2" {
			t.Errorf("the operator's desk row: %v", got)
		}
		if code, other := ob.get(fmt.Sprintf("/reports?%s&desk=%d", period, e.desks[1].ID)); code != http.StatusForbidden || strings.Contains(other, `id="volumi-caption"`) {
			t.Errorf("an operator asked for another desk's report: %d", code)
		}
		if code, _ := ob.get(fmt.Sprintf("/reports?%s&desk=%d&format=csv&chart=volumi", period, e.desks[1].ID)); code != http.StatusForbidden {
			t.Errorf("an operator asked for another desk's CSV: %d", code)
		}
		// the coordinator narrows to desk 1
		_, one := co.get(fmt.Sprintf("/reports?%s&desk=%d&format=csv&chart=volumi", period, e.desks[1].ID))
		if one != "Giorno;Messaggi ricevuti;Conversazioni aperte\n2026-03-27;0;0\n2026-03-28;0;0\n2026-03-29;0;0\n2026-03-30;1;1\n2026-03-31;0;0\n" {
			t.Errorf("desk 1's volumes:\n%s", one)
		}
	})
}

// Bad periods and unknown charts get a clear Italian message and no report.
func TestReportsPageRefusals(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	co := e.login(e.newUser(e.ente, redazione.RoleCoordinator))
	for q, msg := range map[string]string{
		"from=2026-02-30&to=2026-03-10":        "la data di inizio non è valida",
		"from=2026-03-10&to=2026-03-01":        "la data di inizio viene dopo quella di fine",
		"from=2024-01-01&to=2026-03-01":        "il periodo supera 366 giorni",
		"days=0":                               "il numero di giorni deve essere tra 1 e 366",
		"desk=999999":                          "il desk scelto non esiste",
		"days=7&format=csv&chart=torta":        "il grafico richiesto non esiste",
		"from=2026-03-01&to=domani&format=csv": "la data di fine non è valida",
	} {
		code, page := co.get("/reports?" + q)
		if code != http.StatusBadRequest || !strings.Contains(page, msg) {
			t.Errorf("%s: %d, want 400 saying %q", q, code, msg)
		}
		if strings.Contains(page, `id="volumi-caption"`) {
			t.Errorf("%s: a report was shown", q)
		}
	}
	// the default: the last 30 days, with the presets
	code, page := co.get("/reports")
	if code != 200 || !strings.Contains(page, "(30 giorni)") || !strings.Contains(page, `aria-current="true">Ultimi 30 giorni</a>`) || !strings.Contains(page, "Ultimi 7 giorni") {
		t.Errorf("default report: %d", code)
	}
	if !strings.Contains(page, "Come si calcola") {
		t.Error("the page does not say how its figures are computed")
	}
}
