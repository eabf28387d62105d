package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// An administrator writes a rule, tries it on past messages, switches it on;
// new messages are then moved, tagged, answered automatically, and the rule
// counts its firings. A desk with automatic assignment gives new
// conversations to its available operators in turn.
func TestRoutingRulesEndToEnd(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	admin := e.newUser(e.ente, redazione.RoleAdmin)
	b := e.login(admin)
	tok := e.token(admin)
	e.ingest(e.api, "o1", "c0", "Quando passa il ritiro dei rifiuti ingombranti?")
	e.ingest(e.api, "o2", "c00", "Orari della biblioteca?")
	waste := e.desks[2]
	code, page := b.post("/admin/rules", url.Values{"name": {"Rifiuti all'ambiente"}, "words": {"rifiuti ingombranti\nraccolta differenziata"},
		"desk": {fmt.Sprint(waste.ID)}, "tags": {"rifiuti"}, "auto_reply": {"Grazie, la sua richiesta sui rifiuti è all'ufficio ambiente. Orari: {orari}"}})
	if code != 200 || !strings.Contains(page, "Rifiuti all&#39;ambiente") {
		t.Fatalf("save rule: %d, the rule is not listed", code)
	}
	if code, _ := b.post("/admin/rules", url.Values{"name": {"Nessuna azione"}}); code != 400 {
		t.Errorf("a rule without actions: %d, want 400", code)
	}
	rules, _ := e.db.Rules(t.Context(), e.ente.ID)
	if len(rules) != 1 || rules[0].Enabled {
		t.Fatalf("rules = %+v, want one, switched off", rules)
	}
	id := rules[0].ID
	// tried on the past: fires on one of the two messages
	code, page = b.post(fmt.Sprintf("/admin/rules/%d/try", id), url.Values{})
	if code != 200 || !strings.Contains(page, "sarebbe scattata su 1 dei 2 messaggi") || !strings.Contains(page, "ingombranti") {
		t.Fatalf("try: %d, want «1 of 2» with the example", code)
	}
	// off: nothing happens
	c1 := e.ingest(e.api, "n1", "c1", "Dove porto i rifiuti ingombranti?")
	var conv struct {
		Desk struct{ ID int64 } `json:"desk"`
		Tags []string           `json:"tags"`
	}
	e.apiGet(tok, fmt.Sprintf("/api/v1/conversations/%d", c1), &conv)
	if conv.Desk.ID == waste.ID {
		t.Fatal("a switched-off rule fired")
	}
	b.post(fmt.Sprintf("/admin/rules/%d/enable", id), url.Values{})
	c2 := e.ingest(e.api, "n2", "c2", "Ho dei rifiuti ingombranti da buttare")
	e.apiGet(tok, fmt.Sprintf("/api/v1/conversations/%d", c2), &conv)
	if conv.Desk.ID != waste.ID || len(conv.Tags) != 1 || conv.Tags[0] != "rifiuti" {
		t.Fatalf("after the rule: desk %d tags %v, want desk %d and «rifiuti»", conv.Desk.ID, conv.Tags, waste.ID)
	}
	var th apiThread
	e.apiGet(tok, fmt.Sprintf("/api/v1/conversations/%d", c2), &th)
	if len(th.Messages) != 2 || !strings.Contains(th.Messages[1].Text, "lunedì 9:00-13:00") {
		t.Fatalf("automatic answer: %+v", th.Messages)
	}
	// a second message in the same conversation: no second automatic answer
	e.ingest(e.api, "n3", "c2", "Sono rifiuti ingombranti, ripeto")
	e.apiGet(tok, fmt.Sprintf("/api/v1/conversations/%d", c2), &th)
	if len(th.Messages) != 3 {
		t.Fatalf("%d messages, want 3 (one automatic answer only)", len(th.Messages))
	}
	rules, _ = e.db.Rules(t.Context(), e.ente.ID)
	if rules[0].Fired != 2 {
		t.Errorf("fired %d times, want 2", rules[0].Fired)
	}
	if _, page := b.get("/admin/rules"); !strings.Contains(page, "Scattata 2 volte") {
		t.Error("the rules page does not show the firings")
	}

	// round robin on the first desk
	d0 := e.desks[0]
	ops := []*redazione.User{e.newUser(e.ente, redazione.RoleOperator, d0.ID), e.newUser(e.ente, redazione.RoleOperator, d0.ID)}
	if code, _ := b.post(fmt.Sprintf("/admin/desks/%d/auto", d0.ID), url.Values{"auto_assign": {"on"}}); code != 200 {
		t.Fatalf("auto assign: %d", code)
	}
	// the second operator goes away from the header toggle
	ob := e.login(ops[1])
	if code, _ := ob.post("/me/availability", url.Values{"next": {"/inbox"}}); code != 200 {
		t.Fatalf("availability: %d", code)
	}
	if _, page := ob.get("/inbox"); !strings.Contains(page, "Non disponibile") {
		t.Error("the header does not show the operator as away")
	}
	var assignees []string
	for i := 0; i < 2; i++ {
		cid := e.ingest(e.api, fmt.Sprintf("rr%d", i), fmt.Sprintf("rr%d", i), "Una domanda qualsiasi")
		var x struct {
			Assignee *struct{ ID int64 } `json:"assignee"`
		}
		e.apiGet(tok, fmt.Sprintf("/api/v1/conversations/%d", cid), &x)
		if x.Assignee == nil {
			t.Fatalf("conversation %d not assigned automatically", cid)
		}
		assignees = append(assignees, fmt.Sprint(x.Assignee.ID))
	}
	want := fmt.Sprint(ops[0].ID)
	if assignees[0] != want || assignees[1] != want {
		t.Fatalf("assigned to %v, want both to %s (the other operator is away)", assignees, want)
	}
}

// An administrator sets an operator's cap and availability from the users page.
func TestAdminSetsOperatorCap(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	admin := e.newUser(e.ente, redazione.RoleAdmin)
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	b := e.login(admin)
	if code, _ := b.post("/me/availability", url.Values{"user": {fmt.Sprint(op.ID)}, "available": {"on"}, "max_open": {"3"}, "next": {"/admin/users"}}); code != 200 {
		t.Fatalf("set cap: %d", code)
	}
	if _, page := b.get("/admin/users"); !strings.Contains(page, fmt.Sprintf(`id="max-%d" name="max_open" value="3"`, op.ID)) {
		t.Error("the users page does not show the cap")
	}
	// an operator cannot change someone else's
	other := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	if code, _ := e.login(other).post("/me/availability", url.Values{"user": {fmt.Sprint(op.ID)}}); code != 403 {
		t.Errorf("an operator changed a colleague's availability: %d", code)
	}
	if on, max, _ := e.db.Availability(t.Context(), e.ente.ID, op.ID); !on || max != 3 {
		t.Errorf("availability = %v, cap %d; want on, 3", on, max)
	}
}
