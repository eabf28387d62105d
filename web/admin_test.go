package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/channel/apichannel"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// An administrator manages users, channels and desks in the UI, and every
// change shows in the audit trail.
func TestAdminManagesUsersChannelsDesks(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		admin := e.newUser(e.ente, redazione.RoleAdmin)
		b := e.login(admin)

		// a user with a generated password, shown once
		code, page := b.post("/admin/users", url.Values{"email": {"nuova@comune.example.it"}, "name": {"Nuova Collega"}, "role": {"operator"}, "desk": {fmt.Sprint(e.desks[1].ID)}})
		if code != 200 || !strings.Contains(page, "nuova@comune.example.it") {
			t.Fatalf("create user: %d", code)
		}
		m := regexp.MustCompile(`nuova@comune\.example\.it: ([A-Za-z0-9]{12,})`).FindStringSubmatch(page)
		if m == nil {
			t.Fatal("the generated password is not shown to the administrator")
		}
		nu := &redazione.User{Email: "nuova@comune.example.it"}
		// she can log in with it, and sees her desk only
		if code, _ := e.loginWith(nu.Email, m[1]); code != 200 {
			t.Fatalf("new user cannot log in with the shown password: %d", code)
		}
		// a bad e-mail: a clear error, nothing created
		code, page = b.post("/admin/users", url.Values{"email": {"non-una-mail"}, "role": {"operator"}})
		if code != 400 || !strings.Contains(page, "e-mail") {
			t.Errorf("bad e-mail: %d, want 400 naming the e-mail", code)
		}
		users, _ := db.Users(t.Context(), e.ente.ID)
		if len(users) != 2 {
			t.Errorf("%d users after one good and one bad create, want 2", len(users))
		}

		// an API channel: its secret shown once, and it works
		code, page = b.post("/admin/channels", url.Values{"kind": {"api"}, "name": {"Protocollo"}, "desk": {fmt.Sprint(e.desks[0].ID)}, "callback_url": {"https://example.it/hook"}})
		sm := regexp.MustCompile(`Protocollo: ([A-Za-z0-9_-]{20,})`).FindStringSubmatch(page)
		if code != 200 || sm == nil {
			t.Fatalf("create channel: %d, secret shown: %v", code, sm != nil)
		}
		chans, _ := db.Channels(t.Context(), e.ente.ID)
		ch := chans[len(chans)-1]
		body := payload("x1", "c1", "prova")
		if apichannel.Sign(sm[1], body) != apichannel.Sign(ch.Secret, body) {
			t.Fatal("the secret shown is not the channel's")
		}
		code, _ = b.post("/admin/channels", url.Values{"kind": {"api"}, "name": {"Cattivo"}, "callback_url": {"javascript:alert(1)"}})
		if code != 400 {
			t.Errorf("bad callback URL: %d, want 400", code)
		}

		// rename a desk
		if code, _ := b.post(fmt.Sprintf("/admin/desks/%d", e.desks[2].ID), url.Values{"name": {"Partecipazione civica"}}); code != 200 {
			t.Errorf("rename desk: %d", code)
		}
		if _, page := b.get("/admin/desks"); !strings.Contains(page, "Partecipazione civica") {
			t.Error("the renamed desk does not show")
		}

		// the audit trail
		_, audit := b.get("/admin/audit")
		for _, want := range []string{"nuova@comune.example.it", "Protocollo", "Partecipazione civica"} {
			if !strings.Contains(audit, want) {
				t.Errorf("the audit trail does not mention %q", want)
			}
		}
	})
}

func (e *env) loginWith(email, password string) (int, string) {
	e.t.Helper()
	b := &browser{e: e}
	b.c = newJarClient()
	resp, err := b.c.PostForm(e.srv.URL+"/login", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Request.URL.Path != "/inbox" {
		return 401, ""
	}
	return resp.StatusCode, ""
}

// The ente's accessibility statement is linked from every page's footer.
func TestAccessibilityStatementLink(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite), func(c *app.Config) { c.AccessibilityURL = "https://form.agid.gov.it/view/esempio" })
	resp, err := http.Get(e.srv.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), `href="https://form.agid.gov.it/view/esempio">Dichiarazione di accessibilità</a>`) {
		t.Error("the login page has no link to the accessibility statement")
	}
}
