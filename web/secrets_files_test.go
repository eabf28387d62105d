package web_test

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// A copy of the database gives away no credential: a Telegram bot token and
// its webhook's secret_token, an API channel's signing key, an operator's
// API token and session, an Open311 key. Each is sealed or kept as a hash;
// the raw files (database and WAL) hold none of them.
func TestNoSecretInTheDatabaseFiles(t *testing.T) {
	t.Parallel()
	u := testdb.URL(t, store.SQLite)
	db, err := store.Open(context.Background(), u, "")
	if err != nil {
		t.Fatal(err)
	}
	testdb.Seal(db)
	t.Cleanup(func() { db.Close() })
	e := start(t, db)
	botToken := "123456:" + auth.NewToken("")
	tg := e.account(redazione.ChannelTelegram, "Bot del Comune", map[string]string{"token": botToken, "api_base_url": "https://telegram.example"})
	admin := e.newUser(e.ente, redazione.RoleAdmin)
	apiToken := e.token(admin)
	b := e.login(admin)
	var session string
	for _, c := range b.c.Jar.Cookies(mustURL(t, e.srv.URL)) {
		if c.Name == "redazione_session" {
			session = c.Value
		}
	}
	_, page := b.post("/admin/segnalazioni/chiavi", url.Values{"name": {"App Segnala"}})
	m := regexp.MustCompile(`<code id="new-key">([^<]+)</code>`).FindStringSubmatch(page)
	if m == nil || session == "" {
		t.Fatalf("no Open311 key shown (%v) or no session cookie", m == nil)
	}
	secrets := map[string]string{"the bot token": botToken, "the webhook's secret_token": tg.Secret, "the API channel's key": e.api.Secret,
		"an API token": apiToken, "a session": session, "an Open311 key": m[1]}
	path := strings.TrimPrefix(u, "sqlite:")
	for _, f := range []string{path, path + "-wal"} {
		raw, _ := os.ReadFile(f)
		for what, s := range secrets {
			if len(s) < 16 {
				t.Fatalf("%s is too short to look for: %q", what, s)
			}
			if bytes.Contains(raw, []byte(s)) {
				t.Errorf("%s holds %s in plaintext", f[strings.LastIndex(f, "/")+1:], what)
			}
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
