package store_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// On PostgreSQL an operator's answer and a citizen's message to the same
// conversation can be stored at the same moment, by two transactions (and
// two nodes). Whichever comes second sees the first: the conversation is
// waiting exactly when its newest message is the citizen's. Each case
// holds the first transaction open, as a slow one would, and lets it end
// once the second waits for it.
func TestAnswerAndCitizenAtOnce(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		if db.Dialect() != store.Postgres {
			t.Skip("SQLite has one writer: its transactions never run at once")
		}
		ctx := context.Background()
		o := newOffice(t, db, "ente")
		w := db.WriteDB()
		conv := o.ingest(t, o.api, "anna", "m1", "Buongiorno, una domanda").ConversationID

		// The citizen's second message is being stored (its transaction
		// holds the conversation, as ingest does) when the operator answers.
		tx := lockConversation(t, w, conv)
		answered := make(chan error, 1)
		go func() {
			_, err := db.AddMessage(ctx, o.as(o.admin), conv, store.Outgoing{Text: "Ecco la risposta"})
			answered <- err
		}()
		waitForLock(t, w, answered)
		if _, err := tx.ExecContext(ctx, `INSERT INTO messages (ente_id, channel_id, conversation_id, direction, external_id, text, sent_at, created_at)
			 VALUES ($1, $2, $3, 'in', 'm2', 'E poi?', $4, $4)`, o.ente.ID, o.api.ID, conv, time.Now().UnixMilli()); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := <-answered; err != nil {
			t.Fatal(err)
		}
		waitingMatchesNewest(t, w, conv, "the answer after the citizen's message")

		// The operator's answer is being stored (its message written, the
		// conversation not yet) when the citizen, already waiting, writes
		// again.
		o.ingest(t, o.api, "anna", "m2b", "Ci siete?")
		tx = lockConversation(t, w, conv)
		if _, err := tx.ExecContext(ctx, `INSERT INTO messages (ente_id, channel_id, conversation_id, direction, text, sent_at, created_at, delivery)
			 VALUES ($1, $2, $3, 'out', 'Seconda risposta', $4, $4, 'sent')`, o.ente.ID, o.api.ID, conv, time.Now().UnixMilli()); err != nil {
			t.Fatal(err)
		}
		written := make(chan error, 1)
		go func() {
			_, err := db.Ingest(ctx, o.api, redazione.Inbound{ExternalID: "m3", ContactID: "anna", Text: "Non ho capito"})
			written <- err
		}()
		waitForLock(t, w, written)
		if _, err := tx.ExecContext(ctx, "UPDATE conversations SET waiting_since = 0, queue_key = $1 WHERE id = $2", 10_000_000_000_000-time.Now().UnixMilli(), conv); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := <-written; err != nil {
			t.Fatal(err)
		}
		waitingMatchesNewest(t, w, conv, "the citizen's message after the answer")
	})
}

func lockConversation(t *testing.T, w *sql.DB, conv int64) *sql.Tx {
	t.Helper()
	tx, err := w.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback() })
	if _, err := tx.Exec("SELECT id FROM conversations WHERE id = $1 FOR UPDATE", conv); err != nil {
		t.Fatal(err)
	}
	return tx
}

// waitForLock waits until a statement of this database waits for a row
// lock; done ending first means it never did.
func waitForLock(t *testing.T, w *sql.DB, done chan error) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		var n int
		if err := w.QueryRow(`SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()
			 AND wait_event_type = 'Lock' AND query LIKE '%conversation%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		select {
		case err := <-done:
			t.Fatalf("stored without waiting for the transaction that holds the conversation (%v)", err)
		case <-deadline:
			t.Fatal("nothing waits for the conversation's lock")
		case <-time.After(5 * time.Millisecond): // the next look at pg_stat_activity
		}
	}
}

// waitingMatchesNewest checks that the conversation waits exactly when its
// newest message is the citizen's.
func waitingMatchesNewest(t *testing.T, w *sql.DB, conv int64, when string) {
	t.Helper()
	var dir string
	var waiting int64
	if err := w.QueryRow(`SELECT m.direction, c.waiting_since FROM conversations c JOIN messages m ON m.conversation_id = c.id
		 WHERE c.id = $1 AND m.direction <> 'note' ORDER BY m.id DESC LIMIT 1`, conv).Scan(&dir, &waiting); err != nil {
		t.Fatal(err)
	}
	if (dir == "in") != (waiting != 0) {
		t.Errorf("%s: the newest message is %q and waiting_since is %d", when, dir, waiting)
	}
}
