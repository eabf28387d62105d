package web_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// The reports page says what citizens write about, and what is emerging
// this week; the coordinators are told of an emerging topic once.
func TestTopicsAndEmergingAlert(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	coord := e.newUser(e.ente, redazione.RoleCoordinator)
	cb := e.login(coord)
	now := time.Now()
	at := func(t time.Time) { e.db.SetNow(func() time.Time { return t }) }
	defer e.db.SetNow(time.Now)
	// In the order they arrive: messages are numbered as they come.
	for i := range 8 { // the four weeks before: the bins, twice a week
		at(now.Add(-time.Duration(29-i*3) * 24 * time.Hour))
		e.ingest(e.api, fmt.Sprintf("b%d", i), fmt.Sprintf("b%d", i), "Il cassonetto della carta è pieno")
	}
	for i := range 12 { // this week: the underpass
		at(now.Add(-time.Duration(60-i*5) * time.Hour))
		e.ingest(e.api, fmt.Sprintf("u%d", i), fmt.Sprintf("u%d", i), "Il sottopasso di via Roma è allagato, non si passa")
	}
	at(now)
	code, page := cb.get("/reports?days=60")
	if code != 200 || !strings.Contains(page, "Di che cosa scrivono i cittadini") {
		t.Fatalf("reports: %d", code)
	}
	emerging := between(page, `id="emerging-topics">`, `</ul>`)
	if !strings.Contains(emerging, "sottopasso") || strings.Contains(emerging, "cassonetto") {
		t.Errorf("emerging topics: %q", emerging)
	}
	if n, err := e.app.Inbox.AlertTopics(t.Context()); err != nil || n == 0 {
		t.Fatalf("alerts: %d, %v", n, err)
	}
	if n, _ := e.app.Inbox.AlertTopics(t.Context()); n != 0 {
		t.Errorf("the same topics announced again: %d", n)
	}
	if _, page := cb.get("/notifications"); !strings.Contains(page, "Tema emergente: «sottopasso» in 12 messaggi questa settimana") {
		t.Error("the coordinator was not told of the emerging topic")
	}
}

// The service figures are open data: public, aggregated, without texts.
func TestOpenDataServiceFigures(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	e.ingest(e.api, "o1", "lucia", "Il mio codice fiscale è RSSMRA80A01H501U, quando apre l'anagrafe?")
	resp, err := http.Get(e.srv.URL + "/opendata/comune-a/servizio.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("open data: %d, %v", resp.StatusCode, err)
	}
	if rows[0][0] != "mese" || len(rows) < 2 {
		t.Fatalf("open data rows: %v", rows)
	}
	last := rows[len(rows)-1]
	if last[0] != time.Now().Format("2006-01") || last[2] != "1" {
		t.Errorf("this month's row: %v; want 1 conversation", last)
	}
	for _, r := range rows {
		for _, c := range r {
			if strings.Contains(c, "RSSMRA") || strings.Contains(c, "lucia") {
				t.Errorf("open data shows a citizen's data: %v", r)
			}
		}
	}
	if resp, _ := http.Get(e.srv.URL + "/opendata/nessuno/servizio.csv"); resp.StatusCode != 404 {
		t.Errorf("unknown ente: %d", resp.StatusCode)
	}
}
