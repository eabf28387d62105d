// Package store keeps Redazione's data in SQLite (the embedded default) or
// PostgreSQL (scale-out). One contract, two dialects: queries are written once
// with ? placeholders; what differs (connections, migrations, group commit or
// advisory locks, full-text search, placeholders) sits behind the dialect
// interface (dialect.go), with one implementation per engine.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/redazione/redazione"
)

//go:embed migrations
var migrations embed.FS

// DB is the storage of Redazione.
type DB struct {
	d      dialect // what differs between the engines
	url    string
	write  *sql.DB // one connection on SQLite: writers queue in Go, not in SQLITE_BUSY
	read   *sql.DB
	clock  atomic.Pointer[func() time.Time] // nil: time.Now; see SetNow
	sla    slaCache
	sealer Sealer
	// tombstoneTTL is how long an erased message's replay is refused
	// (SetTombstoneDays).
	tombstoneTTL atomic.Int64
	// noTombstones: there are none (known only where this process is the
	// sole writer), so ingest need not look them up.
	noTombstones atomic.Bool
	// channels caches channels for ingest (see CachedChannel).
	channels   sync.Map
	rules      sync.Map // ente id → cachedRules
	deskAuto   sync.Map // desk id → cachedDeskAuto
	typicalLen sync.Map // ente id → cachedLen
	health     sync.Map // channel id → time of the last recorded event
	working    sync.Map // channel id → when ChannelWorks last wrote
	// observe, when set, is told how long each statement took
	// (SetQueryObserver).
	observe atomic.Pointer[func(op string, d time.Duration)]
	// leaseCheck is how often a lease's holder checks it (SetLeaseCheck).
	leaseCheck atomic.Int64
	// postLimits, when set, gives a channel's own limit on a post
	// (SetPostLimits).
	postLimits atomic.Pointer[PostLimits]

	ingestOnce  sync.Once
	ingestStmts stmtCache
	ingestQ     []chan *ingestReq // a queue per group-commit writer
	closed      chan struct{}
	closeOnce   sync.Once
}

// Open opens (creating if needed) the database at url and applies the
// migrations. An empty url means SQLite under dataDir.
func Open(ctx context.Context, url, dataDir string) (*DB, error) {
	return open(ctx, url, dataDir, true)
}

// OpenMigrated opens the database at url for data only: the server's
// PostgreSQL role may not change the schema, so its owner applied the
// migrations before (Open with the owner's URL). It fails, naming `redazione migrate`, if
// some are missing.
func OpenMigrated(ctx context.Context, url, dataDir string) (*DB, error) {
	return open(ctx, url, dataDir, false)
}

func open(ctx context.Context, url, dataDir string, apply bool) (*DB, error) {
	db := &DB{d: dialectFor(url), closed: make(chan struct{})}
	var err error
	if db.write, db.read, db.url, err = db.d.open(url, dataDir); err != nil {
		return nil, err
	}
	if err := db.write.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", db.d.name(), err)
	}
	if err := db.d.migrate(ctx, db.write, apply); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.countTombstones(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// runMigrations applies the migrations of dialect d, whose goose dialect is
// gd, on the pool w: the SQL files of the dialect's folder and the few
// written in Go (goMigrations); unless apply, it only checks that none is
// pending.
func runMigrations(ctx context.Context, d dialect, gd goose.Dialect, w *sql.DB, apply bool) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(d.name()))
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(gd, w, sub, goose.WithGoMigrations(goMigrations(d)...))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if !apply {
		pending, err := p.HasPending(ctx)
		if err != nil {
			return fmt.Errorf("migrations: %w", err)
		}
		if pending {
			return errors.New("the database lacks migrations: run `redazione migrate` with its owner's URL (REDAZIONE_MIGRATE_DATABASE_URL)")
		}
		return nil
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Close closes the database.
func (db *DB) Close() error {
	db.closeOnce.Do(func() { close(db.closed) })
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Dialect reports the engine in use.
func (db *DB) Dialect() Dialect { return db.d.name() }

// URL is the PostgreSQL URL or the SQLite file path.
func (db *DB) URL() string { return db.url }

// WriteDB is the pool that writes (one connection on SQLite); the job queue
// shares it so that SQLite never sees two writers.
func (db *DB) WriteDB() *sql.DB { return db.write }

// SetNow replaces the clock (tests). It may be called while the
// application's goroutines read the clock.
func (db *DB) SetNow(now func() time.Time) { db.clock.Store(&now) }

func (db *DB) now() time.Time {
	if c := db.clock.Load(); c != nil {
		return (*c)()
	}
	return time.Now()
}

// Now is the store's clock: what "today" is for terms and deadlines.
func (db *DB) Now() time.Time { return db.now() }

// queryer is what both *sql.DB and *sql.Tx offer.
type queryer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// conn runs rebound queries on a pool or a transaction.
type conn struct {
	db *DB
	q  queryer
	// With stmts, statements are kept prepared for tx (SQLite ingest).
	tx    *sql.Tx
	stmts *stmtCache
	// bound holds the statements of stmts already bound to tx: a batch
	// runs the same few statements for each of its messages.
	bound map[string]*sql.Stmt
	// With fts, full-text rows are written at the end of the transaction
	// (SQLite ingest; see ftsBuffer).
	fts *ftsBuffer
	// optimistic skips the duplicate lookup of ingest: the unique index
	// stops a duplicate, and the batch is run again one by one.
	optimistic bool
	// contactsLocked: the transaction holds lockContact's locks of every
	// citizen it ingests for (taken at once, see ingestAll).
	contactsLocked bool
	// found holds lookupContacts' answers for the batch: each is used by
	// the first of the batch's messages of its citizen, and removed.
	found map[contactKey]*contactFound
	// buried holds the batch's tombstones that are kept (nil: not
	// looked up, see conn.erased).
	buried map[string]bool
	// pending holds the batch's plain messages not inserted yet, and
	// index the position in the batch of the message being ingested
	// (batch.go); nil pending: each message is inserted at once.
	pending *pendingMessages
	index   int
}

func (c conn) prepared(ctx context.Context, q string) *sql.Stmt {
	if c.stmts == nil {
		return nil
	}
	if s := c.bound[q]; s != nil {
		return s
	}
	s := c.stmts.get(ctx, c.tx, q)
	if s != nil && c.bound != nil {
		c.bound[q] = s
	}
	return s
}

func (c conn) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	start := c.db.startTimer()
	defer c.db.observeSince(q, start)
	if s := c.prepared(ctx, q); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return c.q.ExecContext(ctx, c.db.d.rebind(q), args...)
}

// execOne runs a statement that must change a row of the actor's ente;
// when it changes none, the row (what) is "not found".
func (c conn) execOne(ctx context.Context, what, q string, args ...any) error {
	res, err := c.exec(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound(what)
	}
	return nil
}

func (c conn) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	start := c.db.startTimer()
	defer c.db.observeSince(q, start)
	if s := c.prepared(ctx, q); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return c.q.QueryContext(ctx, c.db.d.rebind(q), args...)
}

func (c conn) row(ctx context.Context, q string, args ...any) *sql.Row {
	start := c.db.startTimer()
	defer c.db.observeSince(q, start)
	if s := c.prepared(ctx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return c.q.QueryRowContext(ctx, c.db.d.rebind(q), args...)
}

// insert runs an INSERT ... RETURNING id.
func (c conn) insert(ctx context.Context, q string, args ...any) (int64, error) {
	if c.stmts != nil {
		// SQLite's ingest transaction, its statements prepared: the
		// rowid SQLite reports is the id, and a statement run costs less
		// than a query and its rows (none of these inserts skips a row on
		// conflict, which would leave the previous rowid).
		res, err := c.exec(ctx, q, args...)
		if err != nil {
			return 0, err
		}
		return res.LastInsertId()
	}
	var id int64
	err := c.row(ctx, q+" RETURNING id", args...).Scan(&id)
	return id, err
}

func (db *DB) reader() conn { return conn{db: db, q: db.read} }

// scanner is a row to read: *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// queryAll runs q and reads every row with scan.
func queryAll[T any](ctx context.Context, c conn, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func scanID(s scanner) (int64, error) {
	var id int64
	err := s.Scan(&id)
	return id, err
}

// ids runs a query of one id column.
func ids(ctx context.Context, c conn, q string, args ...any) ([]int64, error) {
	return queryAll(ctx, c, scanID, q, args...)
}

// anys turns ids into query arguments.
func anys(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// inTx runs fn in a write transaction, committed if fn returns nil.
func (db *DB) inTx(ctx context.Context, fn func(tx conn) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(conn{db: db, q: tx}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// inTxRetried is inTx for a transaction that writes many conversations
// at once (a bulk action): on PostgreSQL it can meet an ingest batch that
// holds some of them and waits for one it holds (they take their rows in
// different orders), and PostgreSQL ends such a deadlock by cancelling one
// of the two. When it cancels this one, nothing of it was written: fn runs
// again, up to maxDeadlockRetries times. (An ingest batch cancelled stores
// its messages one by one, batch.go.)
func (db *DB) inTxRetried(ctx context.Context, fn func(tx conn) error) error {
	for attempt := 1; ; attempt++ {
		err := db.inTx(ctx, fn)
		if err == nil || attempt > maxDeadlockRetries || !isDeadlock(err) || ctx.Err() != nil {
			return err
		}
	}
}

// maxDeadlockRetries: a transaction cancelled for a deadlock is run again
// this many times at most.
const maxDeadlockRetries = 3

// isDeadlock says whether PostgreSQL cancelled the transaction to break a
// deadlock.
func isDeadlock(err error) bool {
	return err != nil && strings.Contains(err.Error(), "SQLSTATE 40P01")
}

// ms and tm convert times to the stored milliseconds and back.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func tm(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func notFound(what string) error {
	return redazione.Errorf(redazione.ENOTFOUND, "%s non trovato", what)
}

// isUnique reports whether err is a unique-constraint violation.
func isUnique(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// nullText stores an optional text: NULL when empty.
func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}
