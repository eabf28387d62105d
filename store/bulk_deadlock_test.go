package store_test

import (
	"context"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// On PostgreSQL a bulk action can meet a transaction that holds one of its
// conversations and then waits for one the bulk action already changed (an
// ingest batch takes its citizens' conversations in its own order):
// PostgreSQL cancels one of the two. The bulk action, cancelled, runs again
// and changes every conversation; the operator sees it done, not an error.
func TestBulkChangeAfterDeadlock(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		if db.Dialect() != store.Postgres {
			t.Skip("SQLite has one writer: its transactions never wait on each other")
		}
		ctx := context.Background()
		o := newOffice(t, db, "ente")
		w := db.WriteDB()
		first := o.ingest(t, o.api, "anna", "d1", "Buongiorno").ConversationID
		second := o.ingest(t, o.api, "bruno", "d2", "Salve").ConversationID
		if first >= second {
			t.Fatalf("conversations %d and %d: the test needs them in this order", first, second)
		}
		// Another transaction holds the second conversation.
		tx := lockConversation(t, w, second)
		pending := redazione.StatusPending
		done := make(chan error, 1)
		go func() {
			_, err := db.BulkChange(ctx, o.as(o.admin), []int64{first, second}, store.Change{Status: &pending})
			done <- err
		}()
		// The bulk action has changed the first and waits for the second;
		// the other transaction now wants the first: a deadlock, which
		// PostgreSQL breaks by cancelling the bulk action, the first to wait.
		waitForLock(t, w, done)
		if _, err := tx.Exec("SELECT id FROM conversations WHERE id = $1 FOR UPDATE", first); err != nil {
			t.Fatalf("the other transaction was the one cancelled: %v", err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatalf("the bulk action failed: %v", err)
		}
		for _, id := range []int64{first, second} {
			var status string
			if err := w.QueryRow("SELECT status FROM conversations WHERE id = $1", id).Scan(&status); err != nil {
				t.Fatal(err)
			}
			if status != string(redazione.StatusPending) {
				t.Errorf("conversation %d is %q after the bulk action", id, status)
			}
		}
	})
}
