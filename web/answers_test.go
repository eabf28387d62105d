package web_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// A coordinator writes a canned answer; an operator finds it from a
// conversation, filled in for that citizen.
func TestCannedAnswersFilledForTheCitizen(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	co := e.newUser(e.ente, redazione.RoleCoordinator)
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	cb := e.login(co)
	code, _ := cb.post("/answers", url.Values{"title": {"Orari"}, "body": {"Buongiorno {nome}, siamo aperti {orari}. {operatore}, {ente}"}})
	if code != 200 {
		t.Fatalf("save answer: %d", code)
	}
	if code, page := cb.post("/answers", url.Values{"title": {""}, "body": {"x"}}); code != 400 || !strings.Contains(page, "titolo") {
		t.Errorf("answer without a title: %d, want 400 naming the title", code)
	}
	ob := e.login(op)
	if code, _ := ob.post("/answers", url.Values{"title": {"Mia"}, "body": {"x"}}); code != 403 {
		t.Errorf("operator wrote an answer: %d, want 403", code)
	}
	conv := e.ingest(e.api, "m1", "c1", "A che ora aprite?")
	code, body := ob.get(fmt.Sprintf("/conversations/%d/answers?q=orar", conv))
	var out struct {
		Answers []struct{ Title, Text string } `json:"answers"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || code != 200 || len(out.Answers) != 1 {
		t.Fatalf("answers: %d %s", code, body)
	}
	want := "Buongiorno Cittadino c1, siamo aperti lunedì 9:00-13:00; martedì 9:00-13:00, 15:00-17:00"
	if got := out.Answers[0].Text; !strings.HasPrefix(got, want) || !strings.Contains(got, op.Name+", Comune di Alfa") {
		t.Fatalf("filled answer = %q", got)
	}
	// another desk's operator cannot reach the conversation's answers
	other := e.newUser(e.ente, redazione.RoleOperator, e.desks[1].ID)
	if code, _ := e.login(other).get(fmt.Sprintf("/conversations/%d/answers", conv)); code != 404 {
		t.Errorf("other desk: %d, want 404", code)
	}
	if _, page := ob.get(fmt.Sprintf("/conversations/%d", conv)); !strings.Contains(page, `role="combobox"`) {
		t.Error("the composer has no canned-answer search")
	}
}
