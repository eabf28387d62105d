package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// An administrator publishes both policies (not without all their
// contents); every user is asked on every page to acknowledge the internal
// one until they do; the external one is public; the training register
// is kept by coordinators.
func TestPoliciesAndTraining(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	admin := e.newUser(e.ente, redazione.RoleAdmin)
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	ab, ob := e.login(admin), e.login(op)
	full := func(kind string) url.Values {
		v := url.Values{}
		for _, n := range store.PolicySections[kind] {
			v.Set(n, "Contenuto "+n+" del Comune di Alfa")
		}
		return v
	}
	partial := full("external")
	partial.Set("privacy", " ")
	if code, page := ab.post("/admin/policy/external", partial); code != 400 || !strings.Contains(page, "mancano contenuti obbligatori: privacy") ||
		!strings.Contains(page, "Contenuto contacts del Comune di Alfa") {
		t.Errorf("an external policy without its privacy notice: %d", code)
	}
	if code, _ := ab.post("/admin/policy/external", full("external")); code != 200 {
		t.Fatalf("external: %d", code)
	}
	resp, _ := http.Get(e.srv.URL + "/social-policy/comune-a")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Contenuto privacy del Comune di Alfa") || !strings.Contains(string(body), "Informativa privacy tra ente e cittadino") {
		t.Errorf("public policy: %d", resp.StatusCode)
	}
	if _, page := ob.get("/inbox"); strings.Contains(page, `id="policy-banner"`) {
		t.Error("a banner before any internal policy")
	}
	if code, _ := ab.post("/admin/policy/internal", full("internal")); code != 200 {
		t.Fatalf("internal: %d", code)
	}
	if _, page := ob.get("/inbox"); !strings.Contains(page, `id="policy-banner"`) || !strings.Contains(page, "versione 1") {
		t.Fatal("the operator is not asked to acknowledge the internal policy")
	}
	pol, _ := e.db.Policy(t.Context(), e.ente.ID, store.PolicyInternal)
	code, page := ob.post("/policy/conferma", url.Values{"policy": {fmt.Sprint(pol.ID)}})
	if code != 200 || !strings.Contains(page, "la conferma è registrata") || strings.Contains(page, `id="policy-banner"`) {
		t.Errorf("acknowledge: %d", code)
	}
	if _, page := ab.get("/admin/policy"); !strings.Contains(page, "da confermare") {
		t.Error("the administrator does not see who still has to acknowledge")
	}
	if code, _ := ab.post("/admin/policy/responsabili", url.Values{"channel": {fmt.Sprint(e.api.ID)}, "user": {fmt.Sprint(op.ID)}}); code != 200 {
		t.Errorf("responsible: %d", code)
	}
	if _, page := ob.get("/policy"); !strings.Contains(page, op.Name) {
		t.Error("the policy page does not name the account's responsible")
	}
	if code, _ := ob.get("/formazione"); code != 403 {
		t.Errorf("an operator read the training register: %d", code)
	}
	if code, page := ab.post("/formazione", url.Values{"user": {fmt.Sprint(op.ID)}, "course": {"Scrivere per i cittadini"}, "day": {"2026-10-01"}, "hours": {"4"}}); code != 200 || !strings.Contains(page, "Scrivere per i cittadini") {
		t.Errorf("training: %d", code)
	}
	if code, _ := ab.post("/formazione", url.Values{"user": {fmt.Sprint(op.ID)}, "course": {"x"}, "day": {"2026-10-01"}, "hours": {"0"}}); code != 400 {
		t.Errorf("zero hours: %d", code)
	}
}
