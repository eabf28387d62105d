package store

import (
	"context"
	"database/sql"
	"io/fs"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"
)

// Migrations 00031–00033 chain the entries written before the chain
// existed, and leave the trail append-only again.
func TestAuditChainMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, w, p := unmigratedSQLite(t)
	if _, err := p.UpTo(ctx, 30); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"INSERT INTO audit_log (ente_id, action, target, at) VALUES (1, 'login', 'a@example.it', 1741593600000)",
		"INSERT INTO audit_log (ente_id, action, target, at) VALUES (2, 'login', 'b@example.it', 1741593600001)",
		"INSERT INTO audit_log (ente_id, action, detail, at) VALUES (1, 'user.create', 'riga\ncon a capo', 1741593600002)",
	} {
		if _, err := w.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	for ente, want := range map[int64]int{1: 2, 2: 1} {
		if total, broken, err := db.VerifyAudit(ctx, ente); err != nil || total != want || broken != 0 {
			t.Errorf("ente %d after the migration: %d entries (want %d), broken at %d, %v", ente, total, want, broken, err)
		}
	}
	if _, err := w.ExecContext(ctx, "UPDATE audit_log SET detail = 'x'"); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("update after the migration: %v, want refused", err)
	}
}

// unmigratedSQLite is a new SQLite database with no migration applied, and
// the goose provider that applies them, for tests of the migrations.
func unmigratedSQLite(t *testing.T) (*DB, *sql.DB, *goose.Provider) {
	t.Helper()
	d := sqliteDialect{}
	w, r, _, err := d.open("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	db := &DB{d: d, write: w, read: r, closed: make(chan struct{})}
	t.Cleanup(func() { db.Close() })
	sub, _ := fs.Sub(migrations, "migrations/sqlite")
	p, err := goose.NewProvider(goose.DialectSQLite3, w, sub, goose.WithGoMigrations(goMigrations(d)...))
	if err != nil {
		t.Fatal(err)
	}
	return db, w, p
}
