package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// signedIn tells whether b's session still opens the inbox.
func (b *browser) signedIn() bool {
	b.e.t.Helper()
	code, page := b.get("/inbox")
	return code == http.StatusOK && !strings.Contains(page, `action="/login"`)
}

var sessionRowRe = regexp.MustCompile(`(?s)<li id="session-(\d+)" class="session( current-session)?">(.*?)</li>`)

// sessionRows reads the page of sessions: the id of each row, and which
// one is this session.
func sessionRows(t *testing.T, page string) (ids []string, current string) {
	t.Helper()
	for _, m := range sessionRowRe.FindAllStringSubmatch(page, -1) {
		ids = append(ids, m[1])
		if m[2] != "" {
			if !strings.Contains(m[3], "questa sessione") {
				t.Errorf("the current session is not marked \"questa sessione\": %s", m[3])
			}
			current = m[1]
		} else if strings.Contains(m[3], "questa sessione") {
			t.Errorf("another session is marked \"questa sessione\": %s", m[3])
		}
	}
	return ids, current
}

// An operator sees where their account is signed in and ends any of
// those sessions: another one, all the others, or this one (signing out).
// Another user cannot end them. Each end is in the audit trail with the
// address.
func TestSessionsPage(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		here, phone, laptop := e.login(op), e.login(op), e.login(op)

		code, page := here.get("/me/sessioni")
		if code != http.StatusOK || !strings.Contains(page, `href="/me/sessioni"`) {
			t.Fatalf("the page of sessions: %d, or the header does not link it:\n%s", code, page)
		}
		ids, current := sessionRows(t, page)
		if len(ids) != 3 || current == "" {
			t.Fatalf("%d sessions listed (current %q), want 3 with this one marked:\n%s", len(ids), current, page)
		}
		// The test client names itself, from the test's own address.
		if !strings.Contains(page, "Go-http-client") || !strings.Contains(page, "127.0.0.1") || !strings.Contains(page, "Esci da tutte le altre") {
			t.Errorf("the page does not show the browser, the address or the button to end the others:\n%s", page)
		}

		// Another operator cannot end them.
		other := e.login(e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID))
		var notMine string
		for _, id := range ids {
			if id != current {
				notMine = id
			}
		}
		if code, _ := other.post("/me/sessioni/"+notMine+"/termina", url.Values{}); code != http.StatusNotFound {
			t.Errorf("another user ending the session: %d, want 404", code)
		}
		if !phone.signedIn() || !laptop.signedIn() {
			t.Fatal("another user's attempt ended a session")
		}

		// End one: which of the two others it was is found by trying them.
		if code, _ := here.post("/me/sessioni/"+notMine+"/termina", url.Values{}); code != http.StatusOK {
			t.Fatalf("end a session: %d", code)
		}
		if phone.signedIn() == laptop.signedIn() {
			t.Fatalf("ending one session ended %s", map[bool]string{true: "none", false: "both"}[phone.signedIn()])
		}
		if !here.signedIn() {
			t.Fatal("ending another session signed this one out")
		}
		if code, page := here.post("/me/sessioni/"+notMine+"/termina", url.Values{}); code != http.StatusNotFound || !strings.Contains(page, "già terminata") {
			t.Errorf("ending it again: %d, want 404 saying it already ended", code)
		}

		// Esci da tutte le altre.
		code, page = here.post("/me/sessioni/termina-altre", url.Values{})
		if code != http.StatusOK || !strings.Contains(page, "Sessioni terminate: 1.") {
			t.Fatalf("end the others: %d\n%s", code, page)
		}
		if phone.signedIn() || laptop.signedIn() || !here.signedIn() {
			t.Fatal("after \"esci da tutte le altre\" another session is open, or this one ended")
		}
		if ids, cur := sessionRows(t, page); len(ids) != 1 || cur != ids[0] || !strings.Contains(page, "Non ci sono altre sessioni aperte.") {
			t.Errorf("the list after ending the others: %v (current %q)", ids, cur)
		}

		// Ending this one signs out.
		code, page = here.post("/me/sessioni/"+current+"/termina", url.Values{})
		if code != http.StatusOK || !strings.Contains(page, `action="/login"`) || here.signedIn() {
			t.Errorf("ending this session: %d, still signed in or not at the login", code)
		}

		admin := redazione.Actor{EnteID: e.ente.ID, Role: redazione.RoleAdmin}
		entries, err := db.AuditLog(context.Background(), admin, 100)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, en := range entries {
			if en.Target == op.Email && strings.HasPrefix(en.Action, "session.") && strings.Contains(en.Detail, "127.0.0.1") {
				seen[en.Action] = true
			}
		}
		if !seen["session.end"] || !seen["session.end_others"] {
			t.Errorf("audit trail misses the ended sessions with the address: %v", seen)
		}
	})
}

// An administrator ends all of a user's sessions from the users' page;
// disabling the user there ends the new ones and refuses their API tokens
// (401) at once.
func TestAdminEndsSessions(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.newUser(e.ente, redazione.RoleAdmin)
		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		ab, ob1, ob2 := e.login(admin), e.login(op), e.login(op)
		tok := e.token(op)

		_, page := ab.get("/admin/users")
		if !strings.Contains(page, fmt.Sprintf(`action="/admin/users/%d/sessions/end"`, op.ID)) {
			t.Fatalf("no button to end the user's sessions:\n%s", page)
		}
		code, page := ab.post(fmt.Sprintf("/admin/users/%d/sessions/end", op.ID), url.Values{})
		if code != http.StatusOK || !strings.Contains(page, "Sessioni terminate: 2, di "+op.Email) {
			t.Fatalf("end the user's sessions: %d\n%s", code, page)
		}
		if ob1.signedIn() || ob2.signedIn() || !ab.signedIn() {
			t.Fatal("the user's sessions are still open, or the administrator's ended")
		}
		// The administrator's own: every other one ends, this one stays.
		ab2 := e.login(admin)
		if code, _ := ab.post(fmt.Sprintf("/admin/users/%d/sessions/end", admin.ID), url.Values{}); code != http.StatusOK || ab2.signedIn() || !ab.signedIn() {
			t.Errorf("an administrator ending their own sessions: %d; the other still open or this one ended", code)
		}
		// A user of another ente is not found.
		altro := e.newEnte("comune-b", "Comune di Beta")
		far := e.newUser(altro, redazione.RoleOperator)
		if code, _ := ab.post(fmt.Sprintf("/admin/users/%d/sessions/end", far.ID), url.Values{}); code != http.StatusNotFound {
			t.Errorf("ending the sessions of another ente's user: %d, want 404", code)
		}
		// An operator cannot.
		ob := e.login(op)
		if code, _ := ob.post(fmt.Sprintf("/admin/users/%d/sessions/end", admin.ID), url.Values{}); code != http.StatusForbidden || !ab.signedIn() {
			t.Errorf("an operator ending an administrator's sessions: %d, want 403", code)
		}

		// Disabling ends sessions and tokens at once.
		if code := e.apiGet(tok, "/api/v1/conversations", nil); code != http.StatusOK {
			t.Fatalf("the token before disabling: %d", code)
		}
		code, _ = ab.post(fmt.Sprintf("/admin/users/%d", op.ID), url.Values{"name": {op.Name}, "role": {"operator"}, "desk": {fmt.Sprint(e.desks[0].ID)}, "disabled": {"on"}})
		if code != http.StatusOK {
			t.Fatalf("disable: %d", code)
		}
		if ob.signedIn() {
			t.Error("a disabled user's session is still open")
		}
		if code := e.apiGet(tok, "/api/v1/conversations", nil); code != http.StatusUnauthorized {
			t.Errorf("a disabled user's token: %d, want 401", code)
		}
		entries, _ := db.AuditLog(context.Background(), redazione.ActorOf(admin), 100)
		var ended, disabled bool
		for _, en := range entries {
			ended = ended || (en.Action == "session.end_all" && en.Target == op.Email && strings.Contains(en.Detail, "sessions=2 address=127.0.0.1"))
			disabled = disabled || (en.Action == "user.disable" && en.Target == op.Email && en.Detail == "sessions=1 tokens=1 address=127.0.0.1")
		}
		if !ended || !disabled {
			t.Errorf("audit trail: sessions ended by the administrator %v, by disabling %v; want both with the address", ended, disabled)
		}
	})
}

// The users' form takes "administrator", the name the product's documents
// use, for the administrator's role.
func TestRoleAdministratorAccepted(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	admin := e.newUser(e.ente, redazione.RoleAdmin)
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	ab := e.login(admin)
	if code, _ := ab.post(fmt.Sprintf("/admin/users/%d", op.ID), url.Values{"name": {op.Name}, "role": {"administrator"}}); code != http.StatusOK {
		t.Fatalf("role administrator: %d", code)
	}
	if u, _ := e.db.User(context.Background(), e.ente.ID, op.ID); u == nil || u.Role != redazione.RoleAdmin {
		t.Errorf("role after \"administrator\": %+v, want admin", u)
	}
}
