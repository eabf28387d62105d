package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/channel/apichannel"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

func cli(t *testing.T, args ...string) map[string]any {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("redazione %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	var m map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(bytes.SplitN(out.Bytes(), []byte("\n"), 2)[0]), &m); err != nil {
		t.Fatalf("redazione %s printed %q, not one JSON object: %v", strings.Join(args, " "), out.String(), err)
	}
	return m
}

// The scripting contract of the README, end to end on both databases.
func TestScriptingContract(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("REDAZIONE_DATA_DIR", dir)
			t.Setenv("REDAZIONE_PUBLIC_URL", "") // no webhook registered with the real Telegram
			if d == store.Postgres {
				t.Setenv("REDAZIONE_DATABASE_URL", testdb.URL(t, d))
			} else {
				t.Setenv("REDAZIONE_DATABASE_URL", "")
			}
			cli(t, "ente", "create", "--slug", "comune", "--name", "Comune di Prova")

			pwFile := filepath.Join(dir, "pw")
			os.WriteFile(pwFile, []byte("password-da-file-123\n"), 0o600)
			u := cli(t, "user", "create", "--email", "Anna@Comune.example.it", "--role", "operator", "--desk", "contatti", "--password-file", pwFile)
			if u["id"] == nil || u["password"] != nil || u["email"] != "anna@comune.example.it" {
				t.Fatalf("user create with a password file = %v", u)
			}
			g := cli(t, "user", "create", "--email", "capo@comune.example.it", "--role", "coordinator")
			if pw, _ := g["password"].(string); len(pw) < 12 {
				t.Fatalf("user create without a password file printed no usable password: %v", g)
			}
			var out, errb bytes.Buffer
			if err := run(context.Background(), []string{"user", "create", "--email", "x@y.it", "--role", "capo"}, &out, &errb); err == nil {
				t.Fatal("an unknown role was accepted")
			}
			tok := cli(t, "token", "create", "--user", "anna@comune.example.it")["token"].(string)
			ch := cli(t, "channel", "add", "api", "--name", "Sportello", "--callback-url", "https://example.it/hook")
			id, secret := int64(ch["id"].(float64)), ch["secret"].(string)
			if id <= 0 || len(secret) < 20 {
				t.Fatalf("channel add api = %v", ch)
			}
			if err := run(context.Background(), []string{"channel", "add", "api", "--name", "X", "--callback-url", "ftp://x"}, &out, &errb); err == nil {
				t.Fatal("a callback URL that is not http(s) was accepted")
			}

			tg := cli(t, "channel", "add", "telegram", "--name", "Bot del Comune", "--set", "token=123456:SEGRETISSIMO-bot")
			if tg["webhook_url"] != fmt.Sprintf("/hooks/telegram/%v", tg["id"]) || tg["secret"] == "" || tg["token"] != "••••-bot" {
				t.Fatalf("channel add telegram = %v", tg)
			}
			if err := run(context.Background(), []string{"channel", "add", "telegram", "--name", "Senza token"}, &out, &errb); err == nil {
				t.Fatal("a Telegram channel without a token was added")
			}
			aio := cli(t, "channel", "add", "appio", "--name", "App IO anagrafe", "--set", "api_key=CHIAVE-SEGRETA-IO-1234", "--set", "service_name=Servizi demografici")
			if aio["api_key"] != "••••1234" || aio["service_name"] != "Servizi demografici" || aio["api_base_url"] != "https://api.io.pagopa.it" {
				t.Fatalf("channel add appio = %v", aio)
			}
			if err := run(context.Background(), []string{"channel", "add", "appio", "--name", "Senza chiave", "--set", "service_name=X"}, &out, &errb); err == nil || !strings.Contains(err.Error(), "api_key") {
				t.Fatalf("an App IO channel without its API key was added: %v", err)
			}
			xc := cli(t, "channel", "add", "x", "--name", "@ComuneEsempio", "--set", "client_id=CLIENT-ID-X", "--set", "client_secret=SEGRETO-DEL-CLIENT-X-9876",
				"--set", "read_mentions=on")
			if xc["client_id"] != "CLIENT-ID-X" || xc["client_secret"] != "••••9876" || xc["api_base_url"] != "https://api.x.com" || xc["auth_base_url"] != "https://x.com" ||
				xc["read_mentions"] != true || xc["callback_url"] != "/admin/x/callback" || xc["sign_in_url"] != fmt.Sprintf("/admin/channels/%v/x", xc["id"]) {
				t.Fatalf("channel add x = %v", xc)
			}
			if err := run(context.Background(), []string{"channel", "add", "x", "--name", "Senza segreto", "--set", "client_id=C"}, &out, &errb); err == nil || !strings.Contains(err.Error(), "client_secret") {
				t.Fatalf("an X channel without its client secret was added: %v", err)
			}
			if err := run(context.Background(), []string{"channel", "add", "x", "--name", "Menzioni?", "--set", "client_id=C", "--set", "client_secret=S", "--set", "read_mentions=si"}, &out, &errb); err == nil || !strings.Contains(err.Error(), "read_mentions") {
				t.Fatalf("read_mentions=si was accepted: %v", err)
			}
			cli(t, "channel", "add", "telegram", "--name", "Bot in scadenza", "--set", "token=1:ALTRO", "--set", "credentials_expire_at=2027-01-31")
			if err := run(context.Background(), []string{"channel", "add", "telegram", "--name", "Data sbagliata", "--set", "token=1:X", "--set", "credentials_expire_at=31/01/2027"}, &out, &errb); err == nil {
				t.Fatal("an unreadable expiry date was accepted")
			}
			out.Reset()
			if err := run(context.Background(), []string{"channel", "list"}, &out, &errb); err != nil || strings.Contains(out.String(), "SEGRETISSIMO") || !strings.Contains(out.String(), "Bot del Comune") {
				t.Fatalf("channel list shows the token or misses the channel: %v\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), `"credentials_expire_at":"2027-01-30T23:00:00Z"`) { // midnight in Rome
				t.Errorf("channel list does not say when the credentials expire:\n%s", out.String())
			}

			// the printed id, secret and token work against a running server
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
			body := []byte(`{"external_id":"e1","contact":{"external_id":"c1","name":"Mario"},"text":"Buongiorno","sent_at":"2026-11-23T09:00:00Z"}`)
			req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/channels/%d/messages", srv.URL, id), bytes.NewReader(body))
			req.Header.Set(apichannel.SignatureHeader, apichannel.Sign(secret, body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 202 {
				t.Fatalf("post with the printed secret: %v %v", resp.StatusCode, err)
			}
			req, _ = http.NewRequest("GET", srv.URL+"/api/v1/conversations", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err = http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			var l struct {
				Conversations []map[string]any `json:"conversations"`
			}
			json.Unmarshal(raw, &l)
			if resp.StatusCode != 200 || len(l.Conversations) != 1 {
				t.Fatalf("GET /api/v1/conversations with the printed token: %d %s", resp.StatusCode, raw)
			}
			for _, k := range []string{"id", "channel_id", "desk", "status", "contact", "last_message"} {
				if _, ok := l.Conversations[0][k]; !ok {
					t.Errorf("conversation JSON lacks %q: %s", k, raw)
				}
			}
		})
	}
}

// A first start prints the administrator's password once, and seeds demo data.
func TestFirstStart(t *testing.T) {
	dir := t.TempDir()
	cfg := config{DataDir: dir, AdminEmail: "admin@example.it", EnteName: "Comune di Esempio", Demo: true}
	db, err := openDB(context.Background(), cfg) // as serve opens it: with the sealing key
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out bytes.Buffer
	if err := bootstrap(context.Background(), db, cfg, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "password:") || !strings.Contains(out.String(), "/demo/") {
		t.Fatalf("first start printed %q", out.String())
	}
	out.Reset()
	if err := bootstrap(context.Background(), db, cfg, &out); err != nil || out.Len() != 0 {
		t.Fatalf("second start printed %q (%v); the password must be shown only once", out.String(), err)
	}
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// An e-mail channel is added with its servers and address; its passwords,
// in the URLs or apart, are never printed back.
func TestChannelAddEmail(t *testing.T) {
	t.Setenv("REDAZIONE_DATA_DIR", t.TempDir())
	t.Setenv("REDAZIONE_DATABASE_URL", "")
	cli(t, "ente", "create", "--slug", "comune", "--name", "Comune di Prova")
	ch := cli(t, "channel", "add", "email", "--name", "URP", "--set", "imap_url=imaps://urp%40comune.example.it:PW-IMAP-SEGRETA@imap.example.it/INBOX",
		"--set", "smtp_url=smtps://urp%40comune.example.it@smtp.example.it", "--set", "smtp_password=PW-SMTP-SEGRETA",
		"--set", "address=URP <urp@comune.example.it>", "--set", "pec=true")
	printed, _ := json.Marshal(ch)
	if ch["id"] == nil || ch["pec"] != true || ch["address"] != "URP <urp@comune.example.it>" || strings.Contains(string(printed), "SEGRETA") ||
		!strings.Contains(ch["imap_url"].(string), "imap.example.it") {
		t.Fatalf("channel add email = %s", printed)
	}
	var out, errb bytes.Buffer
	for _, args := range [][]string{
		{"channel", "add", "email", "--name", "Senza indirizzo", "--set", "imap_url=imaps://u:p@h", "--set", "smtp_url=smtps://u:p@h"},
		{"channel", "add", "email", "--name", "Senza SMTP", "--set", "imap_url=imaps://u:p@h", "--set", "address=a@b.it"},
		{"channel", "add", "email", "--name", "HTTP", "--set", "imap_url=http://h", "--set", "smtp_url=smtps://u:p@h", "--set", "address=a@b.it"},
	} {
		if err := run(context.Background(), args, &out, &errb); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	out.Reset()
	if err := run(context.Background(), []string{"channel", "list"}, &out, &errb); err != nil || strings.Contains(out.String(), "SEGRETA") ||
		!strings.Contains(out.String(), `"kind":"email"`) || !strings.Contains(out.String(), `"health"`) || strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("channel list: %v\n%s", err, out.String())
	}
}

// With a public https address, `channel add telegram` registers the bot's
// webhook itself and says whether Telegram accepted it.
func TestChannelAddTelegramRegistersWebhook(t *testing.T) {
	t.Setenv("REDAZIONE_DATA_DIR", t.TempDir())
	t.Setenv("REDAZIONE_DATABASE_URL", "")
	t.Setenv("REDAZIONE_PUBLIC_URL", "https://redazione.comune.example.it")
	var got []map[string]any
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		m["path"] = r.URL.Path
		got = append(got, m)
		if r.URL.Path != "/bot123456:GOOD/setWebhook" {
			w.WriteHeader(401)
			io.WriteString(w, `{"ok": false, "error_code": 401, "description": "Unauthorized"}`)
			return
		}
		io.WriteString(w, `{"ok": true, "result": true, "description": "Webhook was set"}`)
	}))
	defer api.Close()
	cli(t, "ente", "create", "--slug", "comune", "--name", "Comune di Prova")
	ch := cli(t, "channel", "add", "telegram", "--name", "Bot", "--set", "token=123456:GOOD", "--set", "api_base_url="+api.URL)
	if ch["webhook_registered"] != true || len(got) != 1 || got[0]["secret_token"] != ch["secret"] ||
		got[0]["url"] != fmt.Sprintf("https://redazione.comune.example.it/hooks/telegram/%v", ch["id"]) {
		t.Fatalf("channel add telegram = %v; Bot API got %v", ch, got)
	}
	bad := cli(t, "channel", "add", "telegram", "--name", "Bot sbagliato", "--set", "token=999:BAD", "--set", "api_base_url="+api.URL)
	if bad["webhook_registered"] != false || !strings.Contains(fmt.Sprint(bad["webhook_error"]), "401 Unauthorized") {
		t.Fatalf("a refused registration = %v", bad)
	}
}

// cliLines runs a command that prints one JSON object per line.
func cliLines(t *testing.T, args ...string) []map[string]any {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("redazione %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	var ms []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("redazione %s printed %q, not JSON lines: %v", strings.Join(args, " "), out.String(), err)
		}
		ms = append(ms, m)
	}
	return ms
}

// token create, list and revoke: their JSON, and a token revoked on the
// command line refused at once by a running server (another process).
func TestTokenCommands(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Setenv("REDAZIONE_DATA_DIR", t.TempDir())
			if d == store.Postgres {
				t.Setenv("REDAZIONE_DATABASE_URL", testdb.URL(t, d))
			} else {
				t.Setenv("REDAZIONE_DATABASE_URL", "")
			}
			cli(t, "ente", "create", "--slug", "comune", "--name", "Comune di Prova")
			cli(t, "user", "create", "--email", "anna@comune.example.it", "--role", "operator", "--desk", "contatti")
			rw := cli(t, "token", "create", "--user", "anna@comune.example.it", "--name", "protocollo")
			ro := cli(t, "token", "create", "--user", "anna@comune.example.it", "--name", "cruscotto", "--expires", "90d", "--read-only")
			for _, m := range []map[string]any{rw, ro} {
				for _, k := range []string{"id", "token", "user", "name", "read_only", "created_at", "expires_at", "last_used_at", "revoked_at"} {
					if _, ok := m[k]; !ok {
						t.Errorf("token create lacks %q: %v", k, m)
					}
				}
			}
			if rw["read_only"] != false || ro["read_only"] != true || ro["name"] != "cruscotto" || rw["last_used_at"] != nil || rw["revoked_at"] != nil {
				t.Errorf("token create = %v, %v", rw, ro)
			}
			created, _ := time.Parse(time.RFC3339, rw["created_at"].(string))
			year, _ := time.Parse(time.RFC3339, rw["expires_at"].(string))
			days, _ := time.Parse(time.RFC3339, ro["expires_at"].(string))
			if d := year.Sub(created); d < 364*24*time.Hour || d > 366*24*time.Hour {
				t.Errorf("default expiry %v after creation, want a year", d)
			}
			if d := days.Sub(created); d < 89*24*time.Hour || d > 91*24*time.Hour {
				t.Errorf("--expires 90d expires %v after creation", d)
			}
			var out, errb bytes.Buffer
			if err := run(context.Background(), []string{"token", "create", "--user", "anna@comune.example.it", "--expires", "presto"}, &out, &errb); err == nil {
				t.Error("--expires presto was accepted")
			}

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
			get := func(tok string) int {
				req, _ := http.NewRequest("GET", srv.URL+"/api/v1/conversations", nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			if c := get(rw["token"].(string)); c != 200 {
				t.Fatalf("GET with a new token: %d", c)
			}

			list := cliLines(t, "token", "list", "--user", "anna@comune.example.it")
			if len(list) != 2 || list[0]["name"] != "cruscotto" || list[1]["name"] != "protocollo" {
				t.Fatalf("token list = %v", list)
			}
			for _, m := range list {
				if _, ok := m["token"]; ok {
					t.Errorf("token list shows the token: %v", m)
				}
			}
			if list[1]["last_used_at"] == nil || list[0]["last_used_at"] != nil {
				t.Errorf("token list last use: %v", list)
			}

			rev := cli(t, "token", "revoke", fmt.Sprint(rw["id"]))
			if rev["id"] != rw["id"] || rev["revoked_at"] == nil || rev["user"] != "anna@comune.example.it" {
				t.Errorf("token revoke = %v", rev)
			}
			if c := get(rw["token"].(string)); c != 401 {
				t.Errorf("GET with a token revoked by another process: %d, want 401", c)
			}
			if c := get(ro["token"].(string)); c != 200 {
				t.Errorf("GET with the other token: %d", c)
			}
			if err := run(context.Background(), []string{"token", "revoke", "999999"}, &out, &errb); err == nil {
				t.Error("revoking an unknown token succeeded")
			}
		})
	}
}
