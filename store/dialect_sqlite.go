package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // SQLite driver "sqlite"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/search"
)

// sqliteDialect is the embedded default: one file, one process, one writer.
type sqliteDialect struct{}

func (sqliteDialect) name() Dialect { return SQLite }

func (sqliteDialect) open(url, dataDir string) (write, read *sql.DB, u string, err error) {
	path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite://"), "sqlite:")
	if path == "" {
		if err := PrivateDir(dataDir); err != nil {
			return nil, nil, "", fmt.Errorf("create data dir: %w", err)
		}
		path = filepath.Join(dataDir, "redazione.db")
	}
	if err := privateDatabase(path); err != nil {
		return nil, nil, "", err
	}
	const pragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(ON)&_pragma=cache_size(-32000)&_pragma=secure_delete(ON)"
	w, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, nil, "", fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, nil, "", fmt.Errorf("open sqlite: %w", err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	return w, r, path, nil
}

func (sqliteDialect) migrate(ctx context.Context, write *sql.DB, apply bool) error {
	if err := runMigrations(ctx, sqliteDialect{}, goose.DialectSQLite3, write, apply); err != nil {
		return err
	}
	// SQLite gives a new row the largest id plus one: the tables that lose
	// rows remember the largest id ever given (PostgreSQL's sequences
	// never go back).
	return idsNeverReused(ctx, write)
}

func (sqliteDialect) lease(context.Context, *sql.DB, int64) (func(context.Context) error, func(), bool, error) {
	return func(context.Context) error { return nil }, func() {}, true, nil
}

func (sqliteDialect) rebind(q string) string { return q }

func (sqliteDialect) ingest(ctx context.Context, db *DB, ch *redazione.Channel, in inbound, cfg *SLAConfig, now time.Time) (*redazione.Ingested, error) {
	return db.ingestBatched(ctx, ch, in, cfg, now)
}

func (sqliteDialect) groupCommit() (int, bool) { return 1, true }

func (sqliteDialect) lockContact(context.Context, conn, string, int64) error { return nil }

func (sqliteDialect) lockContacts(context.Context, conn, []contactKey) error { return nil }

// A lookup in SQLite is a call in this process, not a round trip: one by
// one is as cheap as a statement for the batch, and simpler.
func (sqliteDialect) lookupContacts(context.Context, conn, []contactKey, []bool) (map[contactKey]*contactFound, error) {
	return nil, nil
}

func (sqliteDialect) inStrings(col string, list []string) (string, any) {
	b, _ := json.Marshal(list) // strings always marshal
	return col + " IN (SELECT value FROM json_each(?))", string(b)
}

func (sqliteDialect) deferMessages() bool { return false }

func (sqliteDialect) insertCitizen(ctx context.Context, tx conn, contact, conv []any) (int64, int64, error) {
	ct, err := tx.insert(ctx, insertContact, contact...)
	if err != nil {
		return 0, 0, err
	}
	cv, err := tx.insert(ctx, insertConversation, append(conv[:len(conv):len(conv)], ct)...)
	return ct, cv, err
}

func (sqliteDialect) insertMessages(context.Context, conn, []pendingMessage) (int, error) {
	return -1, errors.New("insertMessages: not on SQLite")
}

func (sqliteDialect) lookupContact() string {
	return `SELECT ct.id, ct.name, COALESCE(cv.id, 0), COALESCE(cv.desk_id, 0), COALESCE(cv.assignee_id, 0), COALESCE(cv.status, ''), COALESCE(cv.waiting_since, 0), COALESCE(cv.snoozed_until, 0)
	 FROM contacts ct LEFT JOIN conversations cv ON cv.id = (SELECT MAX(c2.id) FROM conversations c2 WHERE c2.contact_id = ct.id AND c2.public = ?)
	 WHERE ct.channel_id = ? AND ct.external_id = ?`
}

func (sqliteDialect) lockConversation(context.Context, conn, int64) error { return nil }

func (sqliteDialect) soleWriter() bool { return true }

func (sqliteDialect) lockAudit(context.Context, conn, int64) error { return nil }

func (sqliteDialect) indexMessage(ctx context.Context, tx conn, id, _ int64, doc string) error {
	if tx.fts != nil {
		tx.fts.message(id, doc)
		return nil
	}
	if _, err := tx.exec(ctx, "INSERT INTO messages_fts (rowid, doc) VALUES (?, ?)", id, doc); err != nil {
		return fmt.Errorf("index message: %w", err)
	}
	return nil
}

func (d sqliteDialect) insertMessage(ctx context.Context, tx conn, insert string, args []any, enteID int64, doc string) (int64, error) {
	id, err := tx.insert(ctx, insert, args...)
	if err != nil {
		return 0, err
	}
	return id, d.indexMessage(ctx, tx, id, enteID, doc)
}

func (sqliteDialect) reindexMessage(ctx context.Context, tx conn, id int64, doc string) error {
	_, err := tx.exec(ctx, "DELETE FROM messages_fts WHERE rowid = ?", id)
	if err == nil {
		_, err = tx.exec(ctx, "INSERT INTO messages_fts (rowid, doc) VALUES (?, ?)", id, doc)
	}
	if err != nil {
		return fmt.Errorf("index message: %w", err)
	}
	return nil
}

func (sqliteDialect) indexContact(ctx context.Context, tx conn, id int64, name, externalID string, replace bool) error {
	doc := name + " " + externalID
	if tx.fts != nil {
		tx.fts.contact(id, doc, replace)
		return nil
	}
	if replace {
		if _, err := tx.exec(ctx, "DELETE FROM contacts_fts WHERE rowid = ?", id); err != nil {
			return fmt.Errorf("index contact: %w", err)
		}
	}
	if _, err := tx.exec(ctx, "INSERT INTO contacts_fts (rowid, doc) VALUES (?, ?)", id, doc); err != nil {
		return fmt.Errorf("index contact: %w", err)
	}
	return nil
}

func (sqliteDialect) unindexMessages(ctx context.Context, tx conn, msgs string, args ...any) error {
	_, err := tx.exec(ctx, "DELETE FROM messages_fts WHERE rowid IN ("+msgs+")", args...)
	return err
}

func (sqliteDialect) scrub(ctx context.Context, write *sql.DB) error {
	// Deleted rows are zeroed in their pages (secure_delete). An FTS5
	// index keeps a deleted row's terms in its segments until they are
	// merged: merge them, the old segments' pages being zeroed in turn.
	// Then the WAL, which still holds the frames written before: copy them
	// home and empty it.
	for _, q := range []string{"INSERT INTO messages_fts (messages_fts) VALUES ('optimize')", "INSERT INTO contacts_fts (contacts_fts) VALUES ('optimize')"} {
		if _, err := write.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("merge the search index: %w", err)
		}
	}
	var busy, logFrames, done int
	if err := write.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if busy != 0 {
		return fmt.Errorf("checkpoint: readers kept the WAL busy (%d of %d frames copied)", done, logFrames)
	}
	return nil
}

func (sqliteDialect) snapshot(ctx context.Context, path, dst string) error {
	// Not the read pool (query_only refuses VACUUM INTO) nor the write
	// pool (its one connection would hold every writer for the copy): a
	// connection of its own, whose read transaction lets the WAL writer on.
	c, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "VACUUM INTO ?", dst); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	return os.Chmod(dst, 0o600)
}

func (sqliteDialect) unindexContact(ctx context.Context, tx conn, id int64) error {
	_, err := tx.exec(ctx, "DELETE FROM contacts_fts WHERE rowid = ?", id)
	return err
}

func (sqliteDialect) searchMessages(enteID int64, terms []string) []searchPlan {
	// FTS5 walks its index newest first and stops at the limit; ordering
	// by m.id would sort every match.
	return []searchPlan{{"FROM messages_fts f JOIN messages m ON m.id = f.rowid WHERE messages_fts MATCH ? AND m.ente_id = ?",
		[]any{search.FTS5Match(terms), enteID}, "f.rowid DESC"}}
}

func (sqliteDialect) searchContacts(enteID int64, words []string, prefix bool) (q string, args []any) {
	expr := search.FTS5Match(words)
	if prefix {
		expr = search.FTS5Prefix(words)
	}
	return `SELECT f.rowid FROM contacts_fts f JOIN contacts ct ON ct.id = f.rowid
		 WHERE contacts_fts MATCH ? AND ct.ente_id = ? ORDER BY f.rowid DESC LIMIT 200`, []any{expr, enteID}
}

// The statements of insertCitizen.
const (
	insertContact      = "INSERT INTO contacts (ente_id, channel_id, external_id, name, created_at) VALUES (?, ?, ?, ?, ?)"
	insertConversation = "INSERT INTO conversations (ente_id, channel_id, desk_id, status, public, created_at, waiting_since, last_message_at, queue_key, contact_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
