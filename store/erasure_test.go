package store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// token is a word no stemmer changes and no other test writes.
func token(prefix string) string {
	b := make([]byte, 5)
	rand.Read(b)
	return prefix + hex.EncodeToString(b) + "7"
}

// After an erasure (on request, or by retention), what was erased cannot be
// read back from the database's files: not the citizen's words, name,
// codice fiscale, nor their platform ids. On PostgreSQL the rows are gone
// and the tables vacuumed.
func TestErasureLeavesNothingReadable(t *testing.T) {
	t.Parallel()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			u, db := openURL(t, d)
			testdb.Seal(db)
			clk := useClock(db, t0)
			o := newOffice(t, db, "oblio")

			// Lucia asks for erasure; Marco's resolved case ages out.
			word, name, cf, who, ext := token("parola"), token("Lucia"), "RSSLCU80A41H501"+strings.ToUpper(token("")[:1]), token("utente"), token("msg")
			words := []string{word, name, cf, who, ext}
			lucia, err := db.Ingest(ctx, o.api, redazione.Inbound{ExternalID: ext, ContactID: who, ContactName: name,
				Text: "Sono " + name + ", codice fiscale " + cf + ", vi scrivo per " + word})
			if err != nil {
				t.Fatal(err)
			}
			o.reply(t, o.as(o.paolo), lucia.ConversationID, "Gentile "+name+", la richiamiamo")
			mword, mname, mext := token("buca"), token("Marco"), token("mmsg")
			words = append(words, mword, mname, mext)
			marco, err := db.Ingest(ctx, o.api, redazione.Inbound{ExternalID: mext, ContactID: "marco-1", ContactName: mname, Text: "La " + mword + " di via Roma"})
			if err != nil {
				t.Fatal(err)
			}
			resolved := redazione.StatusResolved
			o.change(t, o.as(o.paolo), marco.ConversationID, store.Change{Status: &resolved})
			if err := db.SetRetention(ctx, o.as(o.admin), 1); err != nil {
				t.Fatal(err)
			}
			// Some traffic after them, as on a normal day.
			for i := range 50 {
				o.ingest(t, o.webchat, "altri", token("x"), strings.Repeat("Orari dell'anagrafe? ", i%5+1))
			}

			if _, err := db.EraseContact(ctx, o.as(o.admin), lucia.ContactID); err != nil {
				t.Fatal(err)
			}
			clk.Advance(40 * 24 * time.Hour)
			out, err := db.ApplyRetention(ctx)
			if err != nil || out.Messages != 1 || out.ScrubError != "" {
				t.Fatalf("retention: %+v, %v", out, err)
			}

			if d == store.SQLite {
				path := strings.TrimPrefix(u, "sqlite:")
				for _, f := range []string{path, path + "-wal", path + "-shm"} {
					b, _ := os.ReadFile(f)
					for _, w := range words {
						if bytes.Contains(b, []byte(w)) || bytes.Contains(bytes.ToLower(b), []byte(strings.ToLower(w))) {
							t.Errorf("%s still holds %q", f[strings.LastIndex(f, "/")+1:], w)
						}
					}
				}
				return
			}
			raw := rawDB(t, d, u)
			var n int
			raw.QueryRow("SELECT COUNT(*) FROM messages WHERE text LIKE '%' || $1 || '%' OR text LIKE '%' || $2 || '%'", word, mword).Scan(&n)
			var vacuumed bool
			raw.QueryRow("SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'messages'").Scan(&vacuumed)
			if n != 0 || !vacuumed {
				t.Errorf("PostgreSQL: %d erased messages left, messages vacuumed %v", n, vacuumed)
			}
		})
	}
}

// A redelivery, or a replay of the original request, of an erased message
// is acknowledged and stores nothing; the citizen writing anew is stored.
func TestErasedStaysErased(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := useClock(db, t0)
		o := newOffice(t, db, "oblio")
		in := redazione.Inbound{ExternalID: "api-77", ContactID: "lucia", ContactName: "Lucia Neri", Text: "Sono Lucia Neri, CF NRELCU80A41H501X"}
		first, err := db.Ingest(ctx, o.api, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.EraseContact(ctx, o.as(o.admin), first.ContactID); err != nil {
			t.Fatal(err)
		}
		again, err := db.Ingest(ctx, o.api, in)
		if err != nil || !again.Duplicate || !again.Erased {
			t.Fatalf("replay after erasure: %+v, %v", again, err)
		}
		// Replayed among a burst of other messages (one batch, looked up
		// at once): the same.
		var wg sync.WaitGroup
		outcomes := make([]*redazione.Ingested, 21)
		for i := range outcomes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m := in
				if i > 0 {
					m = redazione.Inbound{ExternalID: fmt.Sprintf("burst-%d", i), ContactID: fmt.Sprintf("c%d", i), Text: "Buongiorno"}
				}
				res, err := db.Ingest(ctx, o.api, m)
				if err != nil {
					t.Errorf("message %d of the burst: %v", i, err)
				}
				outcomes[i] = res
			}()
		}
		wg.Wait()
		for i, res := range outcomes {
			if res != nil && (res.Erased != (i == 0) || res.Duplicate != (i == 0)) {
				t.Errorf("message %d of the burst: duplicate=%v erased=%v", i, res.Duplicate, res.Erased)
			}
		}
		if hits, err := db.Search(ctx, o.as(o.admin), "Neri", 10); err != nil || len(hits.Hits) != 0 {
			t.Errorf("the replay was stored: %+v, %v", hits, err)
		}
		// The same platform id on another channel is another message.
		if res, err := db.Ingest(ctx, o.webchat, in); err != nil || res.Duplicate {
			t.Errorf("another channel's message with the same id: %+v, %v", res, err)
		}
		// Lucia writes again: a new message is stored.
		in.ExternalID, in.Text = "api-78", "Vorrei un appuntamento"
		if res, err := db.Ingest(ctx, o.api, in); err != nil || res.Duplicate {
			t.Errorf("a new message after the erasure: %+v, %v", res, err)
		}
		// After the tombstones' time, a replay is a new message again.
		db.SetTombstoneDays(30)
		clk.Advance(31 * 24 * time.Hour)
		if _, err := db.ApplyRetention(ctx); err != nil {
			t.Fatal(err)
		}
		in.ExternalID, in.Text = "api-77", "Sono Lucia Neri, CF NRELCU80A41H501X"
		if res, err := db.Ingest(ctx, o.api, in); err != nil || res.Duplicate {
			t.Errorf("a replay after the tombstone expired: %+v, %v", res, err)
		}
	})
}
