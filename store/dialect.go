package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/redazione/redazione"
)

// Dialect names a supported database engine.
type Dialect string

// The two dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// dialect is everything that differs between SQLite and PostgreSQL; the
// rest of the package is written once, with ? placeholders, against it. The
// DB holds one, chosen by Open from the URL (dialectFor). Only this file,
// dialect_sqlite.go and dialect_postgres.go may ask which engine is in use
// (TestDialectSeam enforces it).
//
// Upserts are not here: both engines take INSERT ... ON CONFLICT and
// RETURNING alike. Nor is isUnique, which recognizes the error of either
// driver.
type dialect interface {
	// name is the engine's Dialect (DB.Dialect), for other packages and
	// messages.
	name() Dialect

	// open connects to url (a file path under dataDir when empty, on
	// SQLite) and returns the pool that writes, the pool that reads, and
	// the URL to report. SQLite has one writer: its write pool is one
	// connection, so writers queue in Go rather than in SQLITE_BUSY, beside
	// a read-only pool; PostgreSQL has one pool for both.
	open(url, dataDir string) (write, read *sql.DB, u string, err error)

	// migrate applies the migrations (runMigrations) with the engine's
	// goose dialect; unless apply, it only checks that none is pending (a
	// PostgreSQL role with data rights only, see OpenMigrated). Several
	// PostgreSQL processes may start together, so there one migrates under
	// a lock while the others wait; SQLite has one process.
	migrate(ctx context.Context, write *sql.DB, apply bool) error

	// lease gives this process a job named by key, if no other process on
	// the database has it (see DB.Lease): a PostgreSQL advisory lock, held
	// by a connection until release, and check asks that connection whether
	// it still holds it; SQLite has one process, which always has it.
	lease(ctx context.Context, write *sql.DB, key int64) (check func(context.Context) error, release func(), ok bool, err error)

	// rebind turns the ? placeholders of q into the engine's: $1, $2, …
	// on PostgreSQL (cached per query), q itself on SQLite.
	rebind(q string) string

	// ingest stores one validated inbound message. Messages arriving
	// together share a transaction (group commit, batch.go); lockContact
	// serializes those of one citizen across processes.
	ingest(ctx context.Context, db *DB, ch *redazione.Channel, in inbound, cfg *SLAConfig, now time.Time) (*redazione.Ingested, error)

	// groupCommit says how ingest's group commit runs: how many writers
	// at once, and whether they keep statements prepared. SQLite has one
	// write connection, and keeps them; PostgreSQL takes several writers,
	// each on a connection of its own, and pgx prepares and caches
	// statements on each connection by itself.
	groupCommit() (writers int, prepare bool)

	// lockContacts is lockContact for every citizen of a group commit,
	// in one statement and one order (so that two transactions never
	// wait on each other in a circle).
	lockContacts(ctx context.Context, tx conn, keys []contactKey) error

	// lookupContacts finds, for a group commit that holds lockContacts'
	// locks, each citizen and their newest conversation of the kind
	// (public or not) given, as ingest's lookup does one by one: one
	// statement for the batch where a statement is a round trip
	// (PostgreSQL); nil where it is not worth it (SQLite).
	lookupContacts(ctx context.Context, tx conn, keys []contactKey, public []bool) (map[contactKey]*contactFound, error)

	// inStrings is a condition that col is one of a list of strings bound
	// as the one argument arg: a JSON array read by json_each on SQLite,
	// an array on PostgreSQL (one statement text whatever the length).
	inStrings(col string, list []string) (cond string, arg any)

	// lookupContact is ingest's lookup of a citizen (channel_id and
	// external_id) and their newest conversation of a kind (public), as
	// lookupContacts does for a batch. On PostgreSQL it locks that
	// conversation's row until the transaction ends, so that an operator's
	// answer (which locks it first too, lockConversation) is ordered with
	// the citizen's message: never read as waiting, then answered, then
	// left unwritten.
	lookupContact() string

	// lockConversation locks a conversation's row until tx ends (nothing
	// on SQLite, which has one writer).
	lockConversation(ctx context.Context, tx conn, id int64) error

	// lockContact serializes, until tx ends, the transactions that may
	// create a contact's conversation (ingest, a private reply), so that a
	// redelivery is seen as such and one contact and one conversation are
	// created: a transaction-scoped advisory lock on PostgreSQL, where
	// several processes write; nothing on SQLite, which has one writer.
	lockContact(ctx context.Context, tx conn, contactExternalID string, channelID int64) error
	// soleWriter: one process writes the database (SQLite), so what it
	// wrote itself is all there is and may be remembered in memory; on
	// PostgreSQL other processes write too.
	soleWriter() bool

	// lockAudit serializes, until tx ends, the transactions that append to
	// an ente's audit trail, so that each entry chains to the one before
	// and the chain never forks: a transaction-scoped advisory lock on the
	// ente on PostgreSQL, where several processes write; nothing on
	// SQLite, which has one writer.
	lockAudit(ctx context.Context, tx conn, enteID int64) error

	// indexMessage adds a message's search.Document to the full-text
	// index: a tsvector row of message_search on PostgreSQL; a row of the
	// FTS5 table messages_fts on SQLite, held to the end of a group commit
	// when tx has an ftsBuffer.
	indexMessage(ctx context.Context, tx conn, id, enteID int64, doc string) error

	// insertMessage runs insert, an INSERT INTO messages with args, and
	// adds the new message's search.Document doc to the full-text index;
	// it returns the message's id. A duplicate external id is the unique
	// index's error, as from insert alone. PostgreSQL does both in one
	// statement (one round trip less per message); SQLite inserts, then
	// calls indexMessage.
	insertMessage(ctx context.Context, tx conn, insert string, args []any, enteID int64, doc string) (int64, error)

	// insertMessages stores a group commit's plain citizen messages (no
	// file, e-mail part, flag or thread; see pendingMessages) in one
	// statement, with their full-text documents, giving each its id in
	// order; a message whose platform id is already stored is not stored
	// and reported by its position. Nil where a statement per message
	// costs no round trip (SQLite), and messages are inserted at once.
	insertMessages(ctx context.Context, tx conn, ms []pendingMessage) (dup int, err error)
	deferMessages() bool

	// insertCitizen inserts a contact (ente_id, channel_id, external_id,
	// name, created_at: contact) and their first conversation (ente_id,
	// channel_id, desk_id, status, public, created_at, waiting_since,
	// last_message_at, queue_key: conv): one statement on PostgreSQL.
	insertCitizen(ctx context.Context, tx conn, contact, conv []any) (contactID, conversationID int64, err error)

	// reindexMessage replaces an edited message's document: an UPDATE on
	// PostgreSQL; on SQLite the FTS5 row is deleted and inserted again.
	reindexMessage(ctx context.Context, tx conn, id int64, doc string) error

	// indexContact keeps the full-text index of a contact's name and
	// platform id in step; replace says the contact had a row already.
	// SQLite writes the FTS5 table contacts_fts; PostgreSQL computes a
	// generated column, so it does nothing.
	indexContact(ctx context.Context, tx conn, id int64, name, externalID string, replace bool) error

	// unindexMessages drops from the full-text index the messages that
	// the query msgs (run with args) selects, before they are deleted. The
	// FTS5 table has no foreign key; message_search rows go with their
	// message (ON DELETE CASCADE).
	unindexMessages(ctx context.Context, tx conn, msgs string, args ...any) error

	// unindexContact drops an erased contact from the full-text index:
	// the FTS5 row on SQLite; on PostgreSQL the generated column follows
	// the erased name by itself.
	unindexContact(ctx context.Context, tx conn, id int64) error
	// scrub runs after an erasure has committed, so that what was erased
	// cannot be read back from the database's files: SQLite (with
	// secure_delete on and FTS5's secure-delete) checkpoints its WAL and
	// truncates it; PostgreSQL vacuums the tables erasure touches.
	scrub(ctx context.Context, write *sql.DB) error

	// snapshot writes a consistent copy of the whole database, as it is
	// at one moment, to the new file dst while others keep writing: VACUUM
	// INTO on its own connection on SQLite (a read transaction, so the
	// writer is not held); PostgreSQL has pg_dump for that, and answers
	// ErrNoSnapshot.
	snapshot(ctx context.Context, url, dst string) error

	// searchMessages is the part of a message search that differs: the
	// FROM and WHERE clause that finds the ente's messages matching terms
	// (as m, joined to messages), its arguments, and the ORDER BY for
	// newest first, as one or more plans tried in turn: when a plan finds
	// fewer than the page's hits, the next one runs, and the last one's
	// answer is the answer. SQLite has one: an FTS5 query, ordered by
	// rowid because FTS5 then walks its index newest first and stops at
	// the limit. PostgreSQL has two (see its searchMessages).
	searchMessages(enteID int64, terms []string) []searchPlan

	// searchContacts returns the query for the ids of the ente's newest
	// 200 contacts whose name or platform id has words (or words starting
	// so, with prefix), and its arguments: a tsquery on the generated
	// column on PostgreSQL, an FTS5 query on SQLite.
	searchContacts(enteID int64, words []string, prefix bool) (q string, args []any)
}

// searchPlan is a way to find the newest messages matching a search.
type searchPlan struct {
	from  string
	args  []any
	order string
}

// dialectFor chooses the dialect of a database URL: PostgreSQL for a
// postgres:// or postgresql:// URL, SQLite for anything else.
func dialectFor(url string) dialect {
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return &postgresDialect{}
	}
	return sqliteDialect{}
}
