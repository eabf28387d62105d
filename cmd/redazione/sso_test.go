package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// sso set, show and off: their JSON, the secret never printed, and the way
// back: with password sign-in turned off a running server (another
// process) refuses the password, after sso off it takes it again.
func TestSSOCommands(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("REDAZIONE_DATA_DIR", dir)
			t.Setenv("REDAZIONE_PUBLIC_URL", "https://redazione.comune.example.it/")
			if d == store.Postgres {
				t.Setenv("REDAZIONE_DATABASE_URL", testdb.URL(t, d))
			} else {
				t.Setenv("REDAZIONE_DATABASE_URL", "")
			}
			cli(t, "ente", "create", "--slug", "comune", "--name", "Comune di Prova")
			cli(t, "ente", "create", "--slug", "altro", "--name", "Altro Comune")
			pw := filepath.Join(dir, "pw")
			os.WriteFile(pw, []byte("password-da-file-123\n"), 0o600)
			cli(t, "user", "create", "--ente", "comune", "--email", "anna@comune.example.it", "--role", "operator", "--password-file", pw)

			if m := cli(t, "sso", "show", "--ente", "comune"); m["enabled"] != false || m["password_login"] != true {
				t.Errorf("sso show before any set = %v", m)
			}
			const secret = "il-segreto-del-client-42"
			sf := filepath.Join(dir, "secret")
			os.WriteFile(sf, []byte(secret+"\n"), 0o600)
			var out, errb bytes.Buffer
			if err := run(context.Background(), []string{"sso", "set", "--ente", "comune", "--issuer", "https://login.example.it/tenant/v2.0", "--client-id", "redazione"}, &out, &errb); err == nil || !strings.Contains(message(err), "client secret") {
				t.Errorf("sso set without a secret the first time: %v", err)
			}
			if err := run(context.Background(), []string{"sso", "set", "--ente", "comune", "--issuer", "http://login.example.it", "--client-id", "redazione", "--client-secret-file", sf}, &out, &errb); err == nil || !strings.Contains(message(err), "https") {
				t.Errorf("sso set with an http issuer: %v", err)
			}
			set := cli(t, "sso", "set", "--ente", "comune", "--issuer", "https://login.example.it/tenant/v2.0/", "--client-id", "redazione",
				"--client-secret-file", sf, "--allowed-domain", "comune.example.it", "--allowed-domain", "@Uffici.Comune.example.it", "--create-users")
			want := map[string]any{"ente": "comune", "enabled": true, "issuer": "https://login.example.it/tenant/v2.0", "client_id": "redazione",
				"client_secret_set": true, "create_users": true, "password_login": true, "name": "login.example.it",
				"redirect_url": "https://redazione.comune.example.it/login/sso/callback", "login_url": "https://redazione.comune.example.it/login?ente=comune"}
			for k, v := range want {
				if set[k] != v {
					t.Errorf("sso set: %s = %v, want %v", k, set[k], v)
				}
			}
			if ds, _ := set["allowed_domains"].([]any); len(ds) != 2 || ds[0] != "comune.example.it" || ds[1] != "uffici.comune.example.it" {
				t.Errorf("sso set: allowed_domains = %v", set["allowed_domains"])
			}
			// Again without the secret file: the secret is kept.
			show := cli(t, "sso", "set", "--ente", "comune", "--issuer", "https://login.example.it/tenant/v2.0", "--client-id", "redazione",
				"--allowed-domain", "comune.example.it", "--name", "Entra ID", "--password-login=false")
			if show["client_secret_set"] != true || show["password_login"] != false || show["create_users"] != false || show["name"] != "Entra ID" {
				t.Errorf("sso set again = %v", show)
			}
			var all bytes.Buffer
			for _, args := range [][]string{{"sso", "show", "--ente", "comune"}, {"sso", "set", "--ente", "comune", "--issuer", "https://login.example.it/tenant/v2.0", "--client-id", "redazione", "--client-secret-file", sf}} {
				if err := run(context.Background(), args, &all, &all); err != nil {
					t.Fatal(err)
				}
			}
			if strings.Contains(all.String(), secret) {
				t.Errorf("the secret is printed: %s", all.String())
			}
			if m := cli(t, "sso", "show", "--ente", "altro"); m["enabled"] != false {
				t.Errorf("another ente's sso show = %v", m)
			}
			cli(t, "sso", "set", "--ente", "comune", "--issuer", "https://login.example.it/tenant/v2.0", "--client-id", "redazione", "--password-login=false")

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
			login := func() (int, string) {
				jar, _ := cookiejar.New(nil)
				resp, err := (&http.Client{Jar: jar}).PostForm(srv.URL+"/login", url.Values{"email": {"anna@comune.example.it"}, "password": {"password-da-file-123"}})
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode, resp.Request.URL.Path
			}
			if c, at := login(); c != 403 || at != "/login" {
				t.Errorf("a password sign-in with passwords off: %d at %s, want 403", c, at)
			}
			if m := cli(t, "sso", "off", "--ente", "comune"); m["enabled"] != false || m["password_login"] != true {
				t.Errorf("sso off = %v", m)
			}
			if c, at := login(); c != 200 || at != "/inbox" {
				t.Errorf("a password sign-in after sso off: %d at %s", c, at)
			}
		})
	}
}
