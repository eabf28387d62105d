package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// On SQLite a batch commits without waiting for the disk, and its citizens
// are answered only once the WAL is synced: nobody is acknowledged before
// the message is durable, a failed sync answers an error (and the
// platform's retry is recognised), and every other write still commits
// with synchronous=FULL.
func TestIngestAnsweredAfterTheWALIsSynced(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		if db.Dialect() != store.SQLite {
			t.Skip("PostgreSQL commits each batch with synchronous_commit on")
		}
		ctx := context.Background()
		o := newOffice(t, db, "lodi")
		entered, release := make(chan struct{}), make(chan error)
		db.SetWALSync(func() error {
			entered <- struct{}{}
			return <-release
		})
		type result struct {
			res *redazione.Ingested
			err error
		}
		send := func(ext string) chan result {
			out := make(chan result, 1)
			go func() {
				res, err := db.Ingest(ctx, o.api, redazione.Inbound{ExternalID: ext, ContactID: "c1", ContactName: "Ada", Text: "Buongiorno " + ext})
				out <- result{res, err}
			}()
			return out
		}
		stored := func(ext string) int {
			var n int
			if err := db.WriteDB().QueryRowContext(ctx, "SELECT COUNT(*) FROM messages WHERE external_id = ?", ext).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		first := send("m1")
		<-entered // committed, being synced
		if !db.SyncsWALApart() {
			t.Fatal("the batch was not handed to the WAL syncer")
		}
		if stored("m1") != 1 {
			t.Fatal("the batch is not committed while its WAL is synced")
		}
		select {
		case r := <-first:
			t.Fatalf("the citizen was answered (%v, %v) before the WAL was on disk", r.res, r.err)
		default:
		}
		release <- nil
		if r := <-first; r.err != nil || r.res == nil || r.res.Duplicate {
			t.Fatalf("after the sync: %+v, %v; want the message stored", r.res, r.err)
		}
		var sync int
		if err := db.WriteDB().QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
			t.Fatalf("the write connection's synchronous is %d (%v) after a batch, want 2 (FULL)", sync, err)
		}

		// The disk fails: the citizen gets an error, not an acknowledgement.
		second := send("m2")
		<-entered
		release <- errors.New("input/output error")
		if r := <-second; r.err == nil {
			t.Fatalf("a batch whose WAL could not be synced was acknowledged: %+v", r.res)
		}
		// The platform sends it again: recognised, stored once.
		third := send("m2")
		<-entered
		release <- nil
		if r := <-third; r.err != nil || !r.res.Duplicate {
			t.Fatalf("the retry: %+v, %v; want it recognised as already stored", r.res, r.err)
		}
		if n := stored("m2"); n != 1 {
			t.Fatalf("the retried message is stored %d times", n)
		}
	})
}
