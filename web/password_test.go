package web_test

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// A user changes their own password: the current one is required, a short
// or common new one is refused with the reason, and after the change the
// new password signs in, the old does not, and the other sessions end.
func TestChangeOwnPassword(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		u := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		b := e.login(u)
		other := e.login(u) // another device

		if code, page := b.get("/me/password"); code != 200 || !strings.Contains(page, `autocomplete="new-password"`) {
			t.Fatalf("the page: %d", code)
		}
		if _, page := b.get("/inbox"); !strings.Contains(page, `href="/me/password"`) {
			t.Error("the header does not link to the account page")
		}
		for _, tc := range []struct{ current, next, why string }{
			{"sbagliata-del-tutto", "cavallo batteria graffetta", "la password attuale non è giusta"},
			{testPassword, "breve", "almeno 12 caratteri"},
			{testPassword, "qwertyuiop12", "password più usate"},
			{testPassword, "123456789012", "password più usate"},
		} {
			code, page := b.post("/me/password", url.Values{"current": {tc.current}, "password": {tc.next}})
			if code != 400 || !strings.Contains(html.UnescapeString(page), tc.why) {
				t.Errorf("%q → %q: %d, want 400 saying %q", tc.current, tc.next, code, tc.why)
			}
		}
		if code, _ := e.loginWith(u.Email, testPassword); code != 200 {
			t.Fatal("a refused change changed the password")
		}

		const next = "cavallo batteria graffetta"
		code, page := b.post("/me/password", url.Values{"current": {testPassword}, "password": {next}})
		if code != 200 || !strings.Contains(page, "Password cambiata") {
			t.Fatalf("the change: %d", code)
		}
		if code, _ := b.get("/me/password"); code != 200 {
			t.Error("the session that made the change ended")
		}
		if resp, err := other.c.Get(e.srv.URL + "/inbox"); err != nil || resp.Request.URL.Path != "/login" {
			t.Error("the other session is still open")
		} else {
			resp.Body.Close()
		}
		if code, _ := e.loginWith(u.Email, testPassword); code == 200 {
			t.Error("the old password still signs in")
		}
		if code, _ := e.loginWith(u.Email, next); code != 200 {
			t.Error("the new password does not sign in")
		}
		audit, err := db.AuditLog(t.Context(), redazione.SystemActor(e.ente.ID), 50)
		if err != nil {
			t.Fatal(err)
		}
		if !auditHas(audit, "user.password.change") {
			t.Error("no audit entry for the change")
		}

		// wrong current passwords count as failed sign-ins: after too many,
		// the next check waits
		now := time.Now()
		db.SetNow(func() time.Time { return now })
		codes := []int{}
		for range store.MaxFailedLogins + 1 {
			code, _ := b.post("/me/password", url.Values{"current": {"non-e-questa-no"}, "password": {"una frase nuova ancora"}})
			codes = append(codes, code)
		}
		if codes[store.MaxFailedLogins-1] != 400 || codes[store.MaxFailedLogins] != 429 {
			t.Errorf("wrong current passwords in a row: %v, want 400s then 429", codes)
		}
	})
}

func readAll(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func auditHas(entries []redazione.AuditEntry, action string) bool {
	for _, a := range entries {
		if a.Action == action {
			return true
		}
	}
	return false
}

var resetLinkRe = regexp.MustCompile(`/reimposta/[A-Za-z0-9_-]+`)

// An administrator sends a one-time link: shown once without SMTP; it sets
// a password that passes the policy, works once, ends the user's sessions
// and expires after 24 hours.
func TestPasswordResetLink(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		now := time.Now()
		db.SetNow(func() time.Time { return now })
		admin := e.newUser(e.ente, redazione.RoleAdmin)
		u := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		a := e.login(admin)
		ub := e.login(u)

		linkFor := func() string {
			t.Helper()
			code, page := a.post(fmt.Sprintf("/admin/users/%d/password-link", u.ID), url.Values{})
			link := resetLinkRe.FindString(page)
			if code != 200 || link == "" {
				t.Fatalf("the link: %d, none shown", code)
			}
			return link
		}
		link := linkFor()
		c := newJarClient()
		get := func(path string) (int, string) {
			resp, err := c.Get(e.srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			return resp.StatusCode, readAll(resp)
		}
		post := func(path, pw string) (int, string) {
			resp, err := c.PostForm(e.srv.URL+path, url.Values{"password": {pw}})
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			return resp.StatusCode, readAll(resp)
		}
		if code, page := get(link); code != 200 || !strings.Contains(page, u.Email) {
			t.Fatalf("the reset page: %d", code)
		}
		for pw, why := range map[string]string{"breve": "almeno 12 caratteri", "password1234": "password più usate"} {
			if code, page := post(link, pw); code != 400 || !strings.Contains(html.UnescapeString(page), why) {
				t.Errorf("%q: %d, want 400 saying %q", pw, code, why)
			}
		}
		const next = "una frase nuova e lunga"
		if code, page := post(link, next); code != 200 || !strings.Contains(page, "Password impostata") {
			t.Fatalf("setting it: %d", code)
		}
		if resp, err := ub.c.Get(e.srv.URL + "/inbox"); err != nil || resp.Request.URL.Path != "/login" {
			t.Error("the user's session is still open after the reset")
		} else {
			resp.Body.Close()
		}
		if code, _ := post(link, "un'altra frase lunga ancora"); code != 404 {
			t.Errorf("the link used twice: %d, want 404", code)
		}
		if code, _ := e.loginWith(u.Email, next); code != 200 {
			t.Error("the password set by the link does not sign in")
		}
		if code, _ := e.loginWith(u.Email, testPassword); code == 200 {
			t.Error("the old password still signs in")
		}

		// a link expires after 24 hours; a new link replaces the old one
		old := linkFor()
		link = linkFor()
		if code, _ := get(old); code != 404 {
			t.Errorf("a replaced link: %d, want 404", code)
		}
		now = now.Add(store.PasswordResetTTL + time.Minute)
		if code, _ := post(link, "ancora una frase lunga"); code != 404 {
			t.Errorf("an expired link: %d, want 404", code)
		}
		if code, _ := e.loginWith(u.Email, next); code != 200 {
			t.Error("an expired link changed the password")
		}

		audit, err := db.AuditLog(t.Context(), redazione.SystemActor(e.ente.ID), 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, act := range []string{"user.password.link", "user.password.reset"} {
			if !auditHas(audit, act) {
				t.Errorf("no audit entry %s", act)
			}
		}

		// an operator may not send links
		op := e.login(e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID))
		if code, _ := op.post(fmt.Sprintf("/admin/users/%d/password-link", admin.ID), url.Values{}); code != 403 {
			t.Error("an operator sent a link")
		}
	})
}

// With SMTP set, the link goes by e-mail and is not shown.
func TestPasswordResetLinkByEmail(t *testing.T) {
	t.Parallel()
	mail := &capturedMail{}
	e := start(t, testdb.Open(t, store.SQLite), func(c *app.Config) { c.Mailer = mail; c.PublicURL = "https://redazione.comune.example.it" })
	admin := e.newUser(e.ente, redazione.RoleAdmin)
	u := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	code, page := e.login(admin).post(fmt.Sprintf("/admin/users/%d/password-link", u.ID), url.Values{})
	if code != 200 || resetLinkRe.MatchString(page) || !strings.Contains(page, "inviato per e-mail a "+u.Email) {
		t.Fatalf("%d: the page shows the link or does not say it was sent", code)
	}
	mail.mu.Lock()
	defer mail.mu.Unlock()
	var found bool
	for _, m := range mail.sent {
		if strings.HasPrefix(m, u.Email+"|Redazione: reimposta la tua password|") && strings.Contains(m, "https://redazione.comune.example.it/reimposta/") {
			found = true
		}
	}
	if !found {
		t.Errorf("no e-mail with the link: %q", mail.sent)
	}
}
