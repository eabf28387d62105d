package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/secrets"
	"github.com/redazione/redazione/store"
)

// A channel's secret (the API channel's signing key, the Telegram
// webhook's secret_token) is sealed in the database: neither a copy of the
// file nor a look at the table gives it away, and one stored in plaintext
// by an earlier version is sealed at the next start.
func TestChannelSecretsAreSealed(t *testing.T) {
	t.Parallel()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			u, db := openURL(t, d)
			box, _ := secrets.New("un'altra chiave di prova, lunga abbastanza")
			db.SetSealer(box)
			o := newOffice(t, db, "sigillo")
			secret := auth.NewToken("")
			ch := &redazione.Channel{Kind: redazione.ChannelAPI, Name: "Sportello", Secret: secret}
			if err := db.CreateChannel(ctx, o.as(o.admin), ch); err != nil {
				t.Fatal(err)
			}
			if got, err := db.Channel(ctx, ch.ID); err != nil || got.Secret != secret {
				t.Fatalf("the channel's secret read back: %v", err)
			}

			raw := rawDB(t, d, u)
			stored := func() string {
				var s string
				if err := raw.QueryRow("SELECT secret FROM channels WHERE id = $1", ch.ID).Scan(&s); err != nil {
					t.Fatal(err)
				}
				return s
			}
			if s := stored(); strings.Contains(s, secret) || !strings.HasPrefix(s, "v1:") {
				t.Errorf("the secret is stored as %q", s)
			}
			if d == store.SQLite {
				path := strings.TrimPrefix(u, "sqlite:")
				for _, f := range []string{path, path + "-wal"} {
					b, _ := os.ReadFile(f)
					if bytes.Contains(b, []byte(secret)) {
						t.Errorf("%s holds the channel's secret in plaintext", f)
					}
				}
			}

			// A secret an earlier version stored in plaintext.
			legacy := "segreto-in-chiaro-" + auth.NewToken("")
			if _, err := raw.Exec("UPDATE channels SET secret = $1 WHERE id = $2", legacy, ch.ID); err != nil {
				t.Fatal(err)
			}
			if got, _ := db.Channel(ctx, ch.ID); got.Secret != legacy {
				t.Fatalf("a plaintext secret is not read as it is")
			}
			if n, err := db.SealChannelSecrets(ctx); err != nil || n != 1 {
				t.Fatalf("sealed %d, %v; want 1", n, err)
			}
			if s := stored(); strings.Contains(s, legacy) || !strings.HasPrefix(s, "v1:") {
				t.Errorf("after sealing, the secret is stored as %q", s)
			}
			if got, _ := db.Channel(ctx, ch.ID); got.Secret != legacy {
				t.Error("the sealed legacy secret does not read back")
			}
			if n, err := db.SealChannelSecrets(ctx); err != nil || n != 0 {
				t.Errorf("a second start sealed %d, %v; want 0", n, err)
			}
			// Without the key, a sealed secret is not guessed at.
			other, err := store.Open(ctx, u, "")
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			if _, err := other.Channel(ctx, ch.ID); err == nil {
				t.Error("a sealed secret was read without the master key")
			}
		})
	}
}

// openURL opens a new test database of the dialect and returns its URL,
// so the test can read its files or its tables with no store in between.
func openURL(t *testing.T, d store.Dialect) (string, *store.DB) {
	t.Helper()
	u := testdb.URL(t, d)
	db, err := store.Open(context.Background(), u, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return u, db
}

// rawDB opens the test database with no store in between.
func rawDB(t *testing.T, d store.Dialect, u string) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", u
	if d == store.SQLite {
		driver, dsn = "sqlite", "file:"+strings.TrimPrefix(u, "sqlite:")
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}
