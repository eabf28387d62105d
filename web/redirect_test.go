package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// After login, next= leads only to a path of this site: anything some URL
// parser could read as another host lands on /inbox.
func TestLoginNextStaysOnSite(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	u := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for next, want := range map[string]string{
		"//evil":            "/inbox",
		`/\evil`:            "/inbox",
		"/%0d%0aevil":       "/inbox",
		"/\tevil":           "/inbox",
		"/%09evil":          "/inbox",
		"/%2F%2Fevil":       "/inbox",
		"https://evil":      "/inbox",
		"/ok\\evil":         "/inbox",
		"":                  "/inbox",
		"/conversations/12": "/conversations/12",
		"/search?q=a%20b":   "/search?q=a%20b",
	} {
		resp, err := c.PostForm(e.srv.URL+"/login", url.Values{"email": {u.Email}, "password": {testPassword}, "next": {next}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || got != want {
			t.Errorf("next=%q: %d to %q, want %q", next, resp.StatusCode, got, want)
		}
	}
}

// Strict-Transport-Security is sent when cookies are secure (behind HTTPS),
// and only then.
func TestHSTSOnlyWithSecureCookies(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, store.SQLite)
	plain := start(t, db)
	secure := run(t, db, func(c *app.Config) { c.SecureCookies = true })
	for _, c := range []struct {
		e    *env
		want bool
	}{{plain, false}, {secure, true}} {
		for _, path := range []string{"/healthz", "/login"} {
			resp, err := http.Get(c.e.srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			h := resp.Header.Get("Strict-Transport-Security")
			if c.want != strings.HasPrefix(h, "max-age=31536000") || !c.want && h != "" {
				t.Errorf("%s with secure cookies %v: Strict-Transport-Security %q", path, c.want, h)
			}
		}
	}
}
