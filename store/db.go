// Package store keeps Redazione's data in SQLite (the embedded default) or
// PostgreSQL (scale-out). One contract, two dialects: queries are written once
// with ? placeholders and rebound for PostgreSQL; what differs (migrations,
// full-text search) lives in per-dialect files.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // SQLite driver "sqlite"

	"github.com/redazione/redazione"
)

//go:embed migrations
var migrations embed.FS

// Dialect names a supported database engine.
type Dialect string

// The two dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the storage of Redazione.
type DB struct {
	dialect Dialect
	url     string
	write   *sql.DB // one connection on SQLite: writers queue in Go, not in SQLITE_BUSY
	read    *sql.DB
	clock   atomic.Pointer[func() time.Time] // nil: time.Now; see SetNow
	rebinds sync.Map
	sla     slaCache
	sealer  Sealer
	// channels caches channels for ingest (see CachedChannel).
	channels sync.Map
	rules    sync.Map // ente id → cachedRules
	health   sync.Map // channel id → time of the last recorded event

	ingestOnce  sync.Once
	ingestStmts stmtCache
	ingestQ     chan *ingestReq
	closed      chan struct{}
	closeOnce   sync.Once
}

// Open opens (creating if needed) the database at url and applies the
// migrations. An empty url means SQLite under dataDir.
func Open(ctx context.Context, url, dataDir string) (*DB, error) {
	db := &DB{url: url, closed: make(chan struct{})}
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		db.dialect = Postgres
		conn, err := sql.Open("pgx", url)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		conn.SetMaxOpenConns(20)
		conn.SetMaxIdleConns(20)
		db.write, db.read = conn, conn
	default:
		db.dialect = SQLite
		path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite://"), "sqlite:")
		if path == "" {
			if err := PrivateDir(dataDir); err != nil {
				return nil, fmt.Errorf("create data dir: %w", err)
			}
			path = filepath.Join(dataDir, "redazione.db")
		}
		db.url = path
		if err := privateDatabase(path); err != nil {
			return nil, err
		}
		const pragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(ON)&_pragma=cache_size(-32000)"
		w, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		r, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=query_only(1)")
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		r.SetMaxOpenConns(8)
		r.SetMaxIdleConns(8)
		db.write, db.read = w, r
	}
	if err := db.write.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", db.dialect, err)
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(db.dialect))
	if err != nil {
		return err
	}
	gd := goose.DialectSQLite3
	if db.dialect == Postgres {
		gd = goose.DialectPostgres
	}
	p, err := goose.NewProvider(gd, db.write, sub)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if db.dialect == Postgres {
		// Several processes may start together: one migrates, the others wait.
		conn, err := db.write.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(727274)"); err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(727274)")
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
func (db *DB) Dialect() Dialect { return db.dialect }

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

// rebind turns ? placeholders into $n for PostgreSQL.
func (db *DB) rebind(q string) string {
	if db.dialect != Postgres {
		return q
	}
	if v, ok := db.rebinds.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	s := b.String()
	db.rebinds.Store(q, s)
	return s
}

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
	// With fts, full-text rows are written at the end of the transaction
	// (SQLite ingest; see ftsBuffer).
	fts *ftsBuffer
	// optimistic skips the duplicate lookup of ingest: the unique index
	// stops a duplicate, and the batch is run again one by one.
	optimistic bool
}

func (c conn) prepared(ctx context.Context, q string) *sql.Stmt {
	if c.stmts == nil {
		return nil
	}
	return c.stmts.get(ctx, c.tx, q)
}

func (c conn) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if s := c.prepared(ctx, q); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return c.q.ExecContext(ctx, c.db.rebind(q), args...)
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
	if s := c.prepared(ctx, q); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return c.q.QueryContext(ctx, c.db.rebind(q), args...)
}

func (c conn) row(ctx context.Context, q string, args ...any) *sql.Row {
	if s := c.prepared(ctx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return c.q.QueryRowContext(ctx, c.db.rebind(q), args...)
}

// insert runs an INSERT ... RETURNING id.
func (c conn) insert(ctx context.Context, q string, args ...any) (int64, error) {
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
