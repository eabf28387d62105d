// Package testdb opens fresh, empty Redazione databases for tests: SQLite
// always, PostgreSQL when REDAZIONE_TEST_DATABASE_URL is set.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/redazione/redazione/secrets"
	"github.com/redazione/redazione/store"
)

// EnvURL names the variable holding the PostgreSQL server used by tests.
const EnvURL = "REDAZIONE_TEST_DATABASE_URL"

// Each runs fn as a subtest for every dialect, each with a fresh database.
// The PostgreSQL subtest is skipped, with a message saying why, when
// REDAZIONE_TEST_DATABASE_URL is unset.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// URL returns the URL of a new, empty database of the dialect, dropped when
// the test ends. For SQLite it is a file in the test's temporary directory.
func URL(t testing.TB, d store.Dialect) string {
	t.Helper()
	if d == store.SQLite {
		return "sqlite:" + t.TempDir() + "/redazione.db"
	}
	base := os.Getenv(EnvURL)
	if base == "" {
		t.Skipf("PostgreSQL tests skipped: set %s (for example postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run them", EnvURL)
	}
	holdSlot(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", EnvURL, err)
	}
	defer admin.Close()
	name := newName()
	create := "CREATE DATABASE " + name
	if tmpl, err := pgTemplate(base); err != nil {
		t.Fatalf("migrated template database on %s: %v", EnvURL, err)
	} else if tmpl != "" {
		create += " TEMPLATE " + tmpl
	}
	if _, err := admin.ExecContext(context.Background(), create); err != nil {
		t.Fatalf("create test database on %s: %v", EnvURL, err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	u.Path = "/" + name
	return u.String()
}

// Server returns the URL of the PostgreSQL server for tests that make their
// own database (and roles): the test is skipped when it is unset, and holds
// one of the slots below until it ends.
func Server(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		t.Skipf("PostgreSQL tests skipped: set %s (for example postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run them", EnvURL)
	}
	holdSlot(t)
	return base
}

// PostgreSQL test databases in use at once, per test binary: every one
// is served by a pool of connections (and a server, a job queue and a
// listener in the web tests), and a server's max_connections (100 by
// default) is shared by the packages that go test runs side by side.
// SQLite needs no such bound.
const pgSlots = 3

var slots = struct {
	sync.Mutex
	free *sync.Cond
	used int
	held map[string]int // top-level test -> databases it holds
}{held: map[string]int{}}

// holdSlot waits for a PostgreSQL slot for t's top-level test, until the
// test ends. A test that already holds one (a second database, a subtest)
// takes no other, so no two tests can wait on each other.
func holdSlot(t testing.TB) {
	top, _, _ := strings.Cut(t.Name(), "/")
	slots.Lock()
	defer slots.Unlock()
	if slots.free == nil {
		slots.free = sync.NewCond(&slots.Mutex)
	}
	if slots.held[top] == 0 {
		for slots.used >= pgSlots {
			slots.free.Wait()
		}
		slots.used++
	}
	slots.held[top]++
	t.Cleanup(func() {
		slots.Lock()
		defer slots.Unlock()
		if slots.held[top]--; slots.held[top] == 0 {
			delete(slots.held, top)
			slots.used--
			slots.free.Broadcast()
		}
	})
}

func newName() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "rdz_test_" + hex.EncodeToString(b)
}

// Under Run, the PostgreSQL databases are copies of a template migrated
// once by the first test that needs one: copying is quicker than running
// every migration again.
var template struct {
	sync.Mutex
	run  bool   // under Run, which drops the template
	base string // the server's URL
	name string // the template, once made
	err  error
}

// Run runs the tests of m and then drops the template database, if one was
// made; call it from TestMain as os.Exit(testdb.Run(m)). Without it each
// PostgreSQL test database is migrated from scratch.
//
// Unless -parallel is given, Run lets 4 parallel tests run per CPU instead
// of 1: tests on a database spend their time waiting for its disk and for
// their servers' timers, not computing.
func Run(m *testing.M) int {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", strconv.Itoa(4*runtime.GOMAXPROCS(0)))
	}
	template.Lock()
	template.run = true
	template.Unlock()
	code := m.Run()
	template.Lock()
	defer template.Unlock()
	if template.name != "" {
		if admin, err := sql.Open("pgx", template.base); err == nil {
			admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+template.name+" WITH (FORCE)")
			admin.Close()
		}
	}
	return code
}

// pgTemplate returns the name of the migrated template on the server at
// base, made on the first call; "" when not under Run.
func pgTemplate(base string) (string, error) {
	template.Lock()
	defer template.Unlock()
	if !template.run || template.name != "" || template.err != nil {
		return template.name, template.err
	}
	template.err = func() error {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return err
		}
		defer admin.Close()
		name := newName()
		if _, err := admin.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
			return err
		}
		template.base, template.name = base, name
		u, err := url.Parse(base)
		if err != nil {
			return err
		}
		u.Path = "/" + name
		db, err := store.Open(context.Background(), u.String(), "")
		if err != nil {
			return err
		}
		db.Close()
		// nobody may be connected to a template while it is copied
		if _, err := admin.ExecContext(context.Background(), "ALTER DATABASE "+name+" WITH ALLOW_CONNECTIONS false"); err != nil {
			return fmt.Errorf("close the template to connections: %w", err)
		}
		return nil
	}()
	return template.name, template.err
}

// Open opens a new, empty, migrated database of the dialect, closed when the
// test ends.
func Open(t testing.TB, d store.Dialect) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), URL(t, d), "")
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetSealer(testBox)
	return db
}

// Seal gives db the test master key, as Open does.
func Seal(db *store.DB) { db.SetSealer(testBox) }

// testBox seals channel secrets and settings in tests, as the master key
// does in production.
var testBox = func() *secrets.Box {
	b, err := secrets.New("chiave di prova per i test, lunga abbastanza")
	if err != nil {
		panic(err)
	}
	return b
}()

// BulkMessages writes n citizen's messages ("messaggio 1" … "messaggio n",
// oldest first) into a conversation with one statement, for tests that need
// a long thread: the rows the store's Ingest would write, without the
// search index, the flags or the clocks.
func BulkMessages(t testing.TB, db *store.DB, enteID, channelID, conversationID int64, n int) {
	t.Helper()
	q := `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
	 INSERT INTO messages (ente_id, channel_id, conversation_id, direction, text, sent_at, created_at)
	 SELECT ?, ?, ?, 'in', 'messaggio ' || i, ? + i, ? + i FROM n`
	if db.Dialect() == store.Postgres {
		q = strings.NewReplacer("i < ?", "i < $1", "SELECT ?, ?, ?", "SELECT $2::bigint, $3::bigint, $4::bigint", "? + i, ? + i", "$5::bigint + i, $5::bigint + i").Replace(q)
	}
	at := db.Now().UnixMilli()
	args := []any{n, enteID, channelID, conversationID, at, at}
	if db.Dialect() == store.Postgres {
		args = args[:5]
	}
	if _, err := db.WriteDB().ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("bulk messages: %v", err)
	}
}
