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

// A coordinator writes the guideline for a situation; when an operator
// flags a conversation with it, or a detector does, the guideline shows
// beside the conversation.
func TestPlaybooksShownWhenFlagged(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	co := e.newUser(e.ente, redazione.RoleCoordinator)
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	cb, ob := e.login(co), e.login(op)
	if code, _ := ob.post("/playbooks/journalist", url.Values{"steps": {"x"}}); code != 403 {
		t.Errorf("an operator wrote a guideline: %d, want 403", code)
	}
	if code, _ := cb.post("/playbooks/unknown", url.Values{"steps": {"x"}}); code != 400 {
		t.Errorf("unknown situation: %d, want 400", code)
	}
	for sit, steps := range map[string]string{
		"journalist": "Non rilasciare dichiarazioni: indica l'ufficio stampa.",
		"emergency":  "Indica subito il 112.",
	} {
		if code, _ := cb.post("/playbooks/"+sit, url.Values{"steps": {steps}, "alert": {"Ufficio stampa"}}); code != 200 {
			t.Fatalf("save %s: %d", sit, code)
		}
	}
	conv := e.ingest(e.api, "j1", "giornalista", "Sono di un quotidiano locale, posso avere un commento sul nuovo parcheggio?")
	if _, page := ob.get(fmt.Sprintf("/conversations/%d", conv)); strings.Contains(page, "Non rilasciare dichiarazioni") {
		t.Fatal("the guideline shows before the situation is flagged")
	}
	if code, _ := ob.post(fmt.Sprintf("/conversations/%d/situation", conv), url.Values{"situation": {"journalist"}}); code != 200 {
		t.Fatalf("mark situation: %d", code)
	}
	if code, _ := ob.post(fmt.Sprintf("/conversations/%d/situation", conv), url.Values{"situation": {"emergency"}}); code != 400 {
		t.Errorf("an operator marked an automatic situation: %d, want 400", code)
	}
	_, page := ob.get(fmt.Sprintf("/conversations/%d", conv))
	if !strings.Contains(page, "Non rilasciare dichiarazioni: indica l&#39;ufficio stampa.") || !strings.Contains(page, "Chi avvisare") {
		t.Error("the journalist guideline is not shown on the flagged conversation")
	}
	urgent := e.ingest(e.api, "u1", "c2", "C'è un allagamento nel sottopasso di via Roma!")
	if _, page := ob.get(fmt.Sprintf("/conversations/%d", urgent)); !strings.Contains(page, "Indica subito il 112.") {
		t.Error("the emergency guideline is not shown on an urgent conversation")
	}
	if _, page := ob.get("/playbooks"); !strings.Contains(page, "Indica subito il 112.") {
		t.Error("operators cannot read the guidelines")
	}
}
