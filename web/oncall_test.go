package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// A coordinator puts a colleague on call; on a Sunday a spike of messages
// alerts the coordinators and the person on call, once per window.
func TestOnCallAndSpikes(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	admin := e.newUser(e.ente, redazione.RoleAdmin)
	coord := e.newUser(e.ente, redazione.RoleCoordinator)
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	ab, cb, ob := e.login(admin), e.login(coord), e.login(op)
	// Sunday 30 November 2025, 10:00 in Rome: the office is closed.
	sunday := time.Date(2025, 11, 30, 9, 0, 0, 0, time.UTC)
	e.db.SetNow(func() time.Time { return sunday })
	defer e.db.SetNow(time.Now)
	if code, _ := ob.post("/reperibilita", url.Values{"user": {fmt.Sprint(op.ID)}, "from": {"2025-11-29T08:00"}, "to": {"2025-12-01T08:00"}}); code != 403 {
		t.Errorf("an operator made a shift: %d", code)
	}
	if code, _ := cb.post("/reperibilita", url.Values{"user": {fmt.Sprint(op.ID)}, "from": {"2025-11-29T08:00"}, "to": {"ieri"}}); code != 400 {
		t.Errorf("a shift without its end: %d", code)
	}
	if code, _ := cb.post("/reperibilita", url.Values{"user": {fmt.Sprint(op.ID)}, "from": {"2025-11-29T08:00"}, "to": {"2025-12-01T08:00"}}); code != 200 {
		t.Fatalf("shift: %d", code)
	}
	code, page := ob.get("/reperibilita")
	if code != 200 || !strings.Contains(page, `id="office-state">chiuso`) || !strings.Contains(page, op.Name) {
		t.Errorf("on-call page: %d", code)
	}
	if code, _ := ab.post("/reperibilita/picco", url.Values{"threshold": {"3"}, "minutes": {"5"}}); code != 200 {
		t.Fatalf("spike rule: %d", code)
	}
	for i := range 3 {
		e.ingest(e.api, fmt.Sprintf("spike-%d", i), fmt.Sprintf("c%d", i), "Non c'è acqua in tutto il quartiere")
	}
	if n, err := e.app.Inbox.CheckSpikes(t.Context()); n != 1 || err != nil {
		t.Fatalf("spike alerts: %d, %v", n, err)
	}
	if n, _ := e.app.Inbox.CheckSpikes(t.Context()); n != 0 {
		t.Error("the same spike alerted twice")
	}
	for _, b := range []*browser{cb, ob} {
		if _, page := b.get("/notifications"); !strings.Contains(page, "Picco di messaggi fuori orario: 3 negli ultimi 5 minuti") {
			t.Error("a coordinator or the person on call was not alerted of the spike")
		}
	}
	if _, page := ab.get("/notifications"); strings.Contains(page, "Picco di messaggi") {
		t.Error("an administrator not on call was alerted")
	}
}
