package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// `user create --role administrator` makes an administrator (the name the
// product's documents use); `user disable` refuses, in a running server
// (another process), the user's password, open session and API token at
// once, and goes to the audit trail.
func TestUserDisable(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("REDAZIONE_DATA_DIR", dir)
			if d == store.Postgres {
				t.Setenv("REDAZIONE_DATABASE_URL", testdb.URL(t, d))
			} else {
				t.Setenv("REDAZIONE_DATABASE_URL", "")
			}
			cli(t, "ente", "create", "--slug", "comune", "--name", "Comune di Prova")
			if a := cli(t, "user", "create", "--email", "sindaco@comune.example.it", "--role", "administrator"); a["role"] != "admin" {
				t.Errorf("--role administrator made %v, want admin", a["role"])
			}
			if a := cli(t, "user", "create", "--email", "vice@comune.example.it", "--role", "Admin"); a["role"] != "admin" {
				t.Errorf("--role Admin made %v, want admin", a["role"])
			}
			anna := cli(t, "user", "create", "--email", "anna@comune.example.it", "--role", "operator", "--desk", "contatti")
			tok := cli(t, "token", "create", "--user", "anna@comune.example.it")["token"].(string)

			db, err := openDB(context.Background(), configFromEnv())
			if err != nil {
				t.Fatal(err)
			}
			a, err := app.StartWith(context.Background(), db, app.Config{DataDir: t.TempDir()}, quietLog())
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(a.Handler())
			defer func() { srv.Close(); a.Close(context.Background()) }()
			get := func(c *http.Client, path, tok string) (int, string) {
				req, _ := http.NewRequest("GET", srv.URL+path, nil)
				if tok != "" {
					req.Header.Set("Authorization", "Bearer "+tok)
				}
				resp, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				return resp.StatusCode, resp.Request.URL.Path
			}
			// Anna signs in with the printed password.
			jar, _ := cookiejar.New(nil)
			browser := &http.Client{Jar: jar}
			resp, err := browser.PostForm(srv.URL+"/login", url.Values{"email": {"anna@comune.example.it"}, "password": {anna["password"].(string)}})
			if err != nil || resp.Request.URL.Path != "/inbox" {
				t.Fatalf("Anna signs in: %v %v", resp.Request.URL, err)
			}
			resp.Body.Close()
			if c, _ := get(http.DefaultClient, "/api/v1/conversations", tok); c != http.StatusOK {
				t.Fatalf("the token before disabling: %d", c)
			}

			out := cli(t, "user", "disable", "--email", "anna@comune.example.it")
			if out["disabled"] != true || out["sessions_ended"] != float64(1) || out["tokens_revoked"] != float64(1) || out["email"] != "anna@comune.example.it" {
				t.Errorf("user disable = %v", out)
			}
			if c, _ := get(http.DefaultClient, "/api/v1/conversations", tok); c != http.StatusUnauthorized {
				t.Errorf("the token after disabling: %d, want 401", c)
			}
			if _, path := get(browser, "/inbox", ""); path != "/login" {
				t.Errorf("Anna's session after disabling is at %s, want /login", path)
			}
			resp, err = http.PostForm(srv.URL+"/login", url.Values{"email": {"anna@comune.example.it"}, "password": {anna["password"].(string)}})
			if err != nil || resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("a disabled user signs in: %v %v", resp.StatusCode, err)
			}
			resp.Body.Close()
			list := cliLines(t, "user", "list")
			for _, u := range list {
				if u["email"] == "anna@comune.example.it" && u["disabled"] != true {
					t.Errorf("user list: %v, want disabled", u)
				}
			}
			en, err := db.EnteBySlug(context.Background(), "comune")
			if err != nil {
				t.Fatal(err)
			}
			entries, err := db.AuditLog(context.Background(), redazione.SystemActor(en.ID), 100)
			if err != nil {
				t.Fatal(err)
			}
			var audited bool
			for _, e := range entries {
				audited = audited || (e.Action == "user.disable" && e.Target == "anna@comune.example.it" && strings.Contains(e.Detail, "sessions=1 tokens=1"))
			}
			if !audited {
				t.Error("no user.disable entry in the audit trail")
			}
			var o, errb bytes.Buffer
			for _, args := range [][]string{{"user", "disable"}, {"user", "disable", "--email", "nessuno@comune.example.it"}} {
				if err := run(context.Background(), args, &o, &errb); err == nil {
					t.Errorf("redazione %s succeeded", strings.Join(args, " "))
				}
			}
		})
	}
}
