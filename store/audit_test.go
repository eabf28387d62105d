package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// auditTrail writes n entries to a new ente's audit trail and returns the
// ente and the ids of its entries, oldest first.
func auditTrail(t *testing.T, db *store.DB, slug string, n int) (*redazione.Ente, []int64) {
	t.Helper()
	ctx := context.Background()
	e, err := db.CreateEnte(ctx, slug, "Comune di "+slug)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := db.Audit(ctx, redazione.AuditEntry{EnteID: e.ID, Action: "login", Target: fmt.Sprintf("utente%d@%s.example.it", i, slug), Detail: "riga\ncon a capo"}); err != nil {
			t.Fatal(err)
		}
	}
	es, err := db.AuditLog(ctx, redazione.SystemActor(e.ID), 1000)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(es))
	for i, x := range es {
		ids[len(es)-1-i] = x.ID
	}
	return e, ids
}

func verifyAudit(t *testing.T, db *store.DB, enteID int64) (int, int64) {
	t.Helper()
	total, broken, err := db.VerifyAudit(context.Background(), enteID)
	if err != nil {
		t.Fatalf("VerifyAudit: %v", err)
	}
	return total, broken
}

// An entry added, changed or removed in the database, not through the
// application, breaks the ente's chain at that entry (or, for a removed
// one, at the next), and only that ente's.
func TestAuditChainShowsTampering(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		useClock(db, t0)
		raw := db.WriteDB()
		q := func(query string) string { return placeholders(db, query) }
		// Tampering with an entry needs the append-only triggers gone, as
		// they would be for someone holding the database file or its
		// owner's password.
		lift := func() {
			t.Helper()
			stmts := []string{"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"}
			if db.Dialect() == store.Postgres {
				stmts = []string{"ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"}
			}
			for _, s := range stmts {
				if _, err := raw.ExecContext(ctx, s); err != nil {
					t.Fatalf("%s: %v", s, err)
				}
			}
		}

		whole, wholeIDs := auditTrail(t, db, "integro", 4)
		added, addedIDs := auditTrail(t, db, "aggiunto", 5)
		changed, changedIDs := auditTrail(t, db, "cambiato", 5)
		deleted, deletedIDs := auditTrail(t, db, "tolto", 5)
		for _, e := range []*redazione.Ente{whole, added, changed, deleted} {
			if total, broken := verifyAudit(t, db, e.ID); broken != 0 || total < 4 {
				t.Fatalf("%s: untouched trail: %d entries, broken at %d; want whole", e.Slug, total, broken)
			}
		}

		// Added: a row that copies the last entry's hash as its prev_hash
		// but cannot compute its own without the chain's fields...
		last := addedIDs[len(addedIDs)-1]
		var lastHash string
		if err := raw.QueryRowContext(ctx, q("SELECT hash FROM audit_log WHERE id = ?"), last).Scan(&lastHash); err != nil {
			t.Fatal(err)
		}
		var forged int64
		if err := raw.QueryRowContext(ctx, q("INSERT INTO audit_log (ente_id, actor_id, action, target, detail, at, prev_hash, hash) VALUES (?, 0, 'user.create', 'intruso@example.it', '', ?, ?, ?) RETURNING id"),
			added.ID, t0.UnixMilli(), lastHash, lastHash).Scan(&forged); err != nil {
			t.Fatal(err)
		}
		// ... and the entries the application chains after it do not hide it.
		if err := db.Audit(ctx, redazione.AuditEntry{EnteID: added.ID, Action: "login", Target: "dopo@example.it"}); err != nil {
			t.Fatal(err)
		}
		if total, broken := verifyAudit(t, db, added.ID); broken != forged || total != len(addedIDs)+2 {
			t.Errorf("added row %d: %d entries, broken at %d", forged, total, broken)
		}
		// An added row with no hash at all.
		if _, err := raw.ExecContext(ctx, q("INSERT INTO audit_log (ente_id, action, at) VALUES (?, 'login', ?)"), whole.ID, t0.UnixMilli()); err != nil {
			t.Fatal(err)
		}
		if _, broken := verifyAudit(t, db, whole.ID); broken <= wholeIDs[len(wholeIDs)-1] {
			t.Errorf("added row without a hash: broken at %d, want after %d", broken, wholeIDs[len(wholeIDs)-1])
		}

		lift()
		// Changed: one field of the third entry.
		if _, err := raw.ExecContext(ctx, q("UPDATE audit_log SET detail = 'ritoccato' WHERE id = ?"), changedIDs[2]); err != nil {
			t.Fatal(err)
		}
		if _, broken := verifyAudit(t, db, changed.ID); broken != changedIDs[2] {
			t.Errorf("changed row %d: broken at %d", changedIDs[2], broken)
		}
		// Deleted: the second entry; the third no longer chains.
		if _, err := raw.ExecContext(ctx, q("DELETE FROM audit_log WHERE id = ?"), deletedIDs[1]); err != nil {
			t.Fatal(err)
		}
		if total, broken := verifyAudit(t, db, deleted.ID); broken != deletedIDs[2] || total != len(deletedIDs)-1 {
			t.Errorf("deleted row %d: %d entries, broken at %d, want at %d", deletedIDs[1], total, broken, deletedIDs[2])
		}
		// Deleted: the first entry; the second no longer starts the chain.
		if _, err := raw.ExecContext(ctx, q("DELETE FROM audit_log WHERE id = ?"), changedIDs[0]); err != nil {
			t.Fatal(err)
		}
		if _, broken := verifyAudit(t, db, changed.ID); broken != changedIDs[1] {
			t.Errorf("deleted first row %d: broken at %d, want at %d", changedIDs[0], broken, changedIDs[1])
		}
		// A rewritten hash that matches the changed fields still leaves
		// the next entry pointing at the old one.
		var e redazione.AuditEntry
		var at int64
		if err := raw.QueryRowContext(ctx, q("SELECT ente_id, actor_id, action, target, detail, at, prev_hash FROM audit_log WHERE id = ?"), wholeIDs[1]).
			Scan(&e.EnteID, &e.ActorID, &e.Action, &e.Target, &e.Detail, &at, &e.PrevHash); err != nil {
			t.Fatal(err)
		}
		e.At = time.UnixMilli(at)
		e.Target = "altro@example.it"
		if _, err := raw.ExecContext(ctx, q("UPDATE audit_log SET target = ?, hash = ? WHERE id = ?"), e.Target, redazione.AuditHash(e.PrevHash, e), wholeIDs[1]); err != nil {
			t.Fatal(err)
		}
		if _, broken := verifyAudit(t, db, whole.ID); broken != wholeIDs[2] {
			t.Errorf("rewritten row %d: broken at %d, want at the next, %d", wholeIDs[1], broken, wholeIDs[2])
		}
	})
}

// Entries appended at the same time, by many transactions (and, on
// PostgreSQL, many connections), still make one chain.
func TestAuditChainConcurrentAppends(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, ids := auditTrail(t, db, "concorrente", 0)
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := range 40 {
			wg.Go(func() {
				errs <- db.Audit(context.Background(), redazione.AuditEntry{EnteID: e.ID, Action: "login", Target: fmt.Sprint(i)})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if total, broken := verifyAudit(t, db, e.ID); broken != 0 || total != len(ids)+40 {
			t.Errorf("%d entries (want %d), broken at %d", total, len(ids)+40, broken)
		}
	})
}

// Each day's last hash, by the day in Rome: 23:30 UTC in March is the next
// day there.
func TestAuditAnchors(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := useClock(db, time.Date(2025, 3, 10, 22, 0, 0, 0, time.UTC)) // 23:00 in Rome
		e, ids := auditTrail(t, db, "ancore", 2)
		clk.Advance(90 * time.Minute) // 00:30 of 11 March in Rome
		if err := db.Audit(ctx, redazione.AuditEntry{EnteID: e.ID, Action: "login"}); err != nil {
			t.Fatal(err)
		}
		anchors, err := db.AuditAnchors(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		es, _ := db.AuditLog(ctx, redazione.SystemActor(e.ID), 10)
		if len(anchors) != 2 || anchors[0].Day != "2025-03-10" || anchors[0].ID != ids[len(ids)-1] ||
			anchors[1].Day != "2025-03-11" || anchors[1].ID != es[0].ID || anchors[1].Hash != es[0].Hash || len(es[0].Hash) != 64 {
			t.Fatalf("anchors = %+v, newest entry %+v", anchors, es[0])
		}
		head, err := db.AuditHead(ctx, e.ID, time.Date(2025, 3, 10, 23, 0, 0, 0, time.UTC)) // midnight in Rome
		if err != nil || head != anchors[0] {
			t.Errorf("head before 11 March = %+v, %v; want %+v", head, err, anchors[0])
		}
		if head, err := db.AuditHead(ctx, e.ID, t0.AddDate(-1, 0, 0)); err != nil || head.ID != 0 {
			t.Errorf("head before any entry = %+v, %v", head, err)
		}
	})
}

// placeholders writes the ? of a query run on the raw pool as the engine
// wants them ($1, $2, … on PostgreSQL).
func placeholders(db *store.DB, query string) string {
	if db.Dialect() != store.Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
