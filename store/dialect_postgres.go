package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/search"
)

// postgresDialect is the scale-out engine: several processes share the
// database, so whatever SQLite's single writer gives for free is an
// advisory lock here.
type postgresDialect struct {
	rebinds sync.Map // query with ? → query with $n
}

func (*postgresDialect) name() Dialect { return Postgres }

// sessionDefaults are the settings each of Redazione's sessions asks of
// PostgreSQL unless the database address sets them itself
// (postgres://…?max_parallel_workers_per_gather=2).
//
// No parallel workers: every query Redazione makes for a screen reads a
// page of rows through an index, and a parallel plan's workers cost more
// to start than the work they share. On a busy server the difference is
// large: a search for a rare case number took 180 ms with one worker
// (most of it waiting for the worker to start and stop) and 0.4 ms
// without, at 1,000,000 conversations with the cores saturated
// (docs/PERFORMANCE.md).
var sessionDefaults = map[string]string{"max_parallel_workers_per_gather": "0"}

func (*postgresDialect) open(url, _ string) (write, read *sql.DB, u string, err error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, nil, "", fmt.Errorf("open postgres: %w", err)
	}
	for k, v := range sessionDefaults {
		if _, set := cfg.RuntimeParams[k]; !set {
			cfg.RuntimeParams[k] = v
		}
	}
	conn := stdlib.OpenDB(*cfg)
	conn.SetMaxOpenConns(20)
	conn.SetMaxIdleConns(20)
	return conn, conn, url, nil
}

func (d *postgresDialect) migrate(ctx context.Context, write *sql.DB, apply bool) error {
	if !apply {
		return runMigrations(ctx, d, goose.DialectPostgres, write, false)
	}
	// Several processes may start together: one migrates, the others wait.
	conn, err := write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(727274)"); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(727274)")
	return runMigrations(ctx, d, goose.DialectPostgres, write, true)
}

func (*postgresDialect) lease(ctx context.Context, write *sql.DB, key int64) (check func(context.Context) error, release func(), ok bool, err error) {
	c, err := write.Conn(ctx)
	if err != nil {
		return nil, nil, false, err
	}
	// The lock lives as long as the session: if this process dies, its
	// connection closes and PostgreSQL releases the lock at once; if the
	// process hangs or its network goes, the server's keep-alives end the
	// session within about 25 s (idle 10 s, then 3 probes 5 s apart), while
	// the holder, which checks more often (DB.Lease), has stopped by then.
	// A role that may not set them keeps the server's defaults.
	for _, set := range []string{"SET tcp_keepalives_idle = 10", "SET tcp_keepalives_interval = 5", "SET tcp_keepalives_count = 3"} {
		c.ExecContext(ctx, set)
	}
	if err := c.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok); err != nil || !ok {
		c.Close()
		return nil, nil, false, err
	}
	check = func(ctx context.Context) error {
		// The lock is still this session's (a connection lost and made
		// again by the driver would not hold it).
		var held bool
		err := c.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
		 AND granted AND classid = ($1::bigint >> 32)::oid AND objid = ($1::bigint & 4294967295)::oid AND objsubid = 1)`, key).Scan(&held)
		if err == nil && !held {
			err = errors.New("lease lost")
		}
		return err
	}
	return check, func() {
		c.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", key)
		c.Close()
	}, true, nil
}

func (d *postgresDialect) rebind(q string) string {
	if v, ok := d.rebinds.Load(q); ok {
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
	d.rebinds.Store(q, s)
	return s
}

func (*postgresDialect) ingest(ctx context.Context, db *DB, ch *redazione.Channel, in inbound, cfg *SLAConfig, now time.Time) (*redazione.Ingested, error) {
	return db.ingestBatched(ctx, ch, in, cfg, now)
}

// pgIngestWriters is how many group commits run at once on PostgreSQL, in
// each process. One: with four, 32 clients made batches of three or four
// messages, and PostgreSQL spent 730–1,040 µs of CPU per message against
// 420–600 with one, whose batches are larger; one writer also ingested
// more (1,040–1,460 msg/s against 940–1,300) with a lower p95, in
// alternating runs on 2 cores (docs/PERFORMANCE.md). Each node of a
// scaled-out installation has its own.
const pgIngestWriters = 1

func (*postgresDialect) groupCommit() (int, bool) { return pgIngestWriters, false }

func (*postgresDialect) lockContacts(ctx context.Context, tx conn, keys []contactKey) error {
	ext, chans := make([]string, len(keys)), make([]int64, len(keys))
	for i, k := range keys {
		ext[i], chans[i] = k.ExternalID, k.ChannelID
	}
	// The locks are taken in the order of their keys (the subquery's).
	_, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtextextended(e, c) AS h
	 FROM unnest(CAST(? AS text[]), CAST(? AS bigint[])) AS t(e, c) ORDER BY h OFFSET 0) AS s`, ext, chans)
	return err
}

// lookupContacts answers for every citizen of the batch in one statement
// (a round trip per message was most of a batch's time); the kind of
// conversation is that of each citizen's first message in the batch.
func (*postgresDialect) lookupContacts(ctx context.Context, tx conn, keys []contactKey, public []bool) (map[contactKey]*contactFound, error) {
	found := make(map[contactKey]*contactFound, len(keys))
	var ext []string
	var chans []int64
	var pub []bool
	for i, k := range keys {
		if found[k] != nil {
			continue
		}
		found[k] = &contactFound{Missing: true, Public: public[i]}
		ext, chans, pub = append(ext, k.ExternalID), append(chans, k.ChannelID), append(pub, public[i])
	}
	rows, err := tx.query(ctx, `SELECT t.e, t.c, ct.id, ct.name, COALESCE(cv.id, 0), COALESCE(cv.desk_id, 0), COALESCE(cv.assignee_id, 0), COALESCE(cv.status, ''), COALESCE(cv.waiting_since, 0), COALESCE(cv.snoozed_until, 0)
	 FROM unnest(CAST(? AS text[]), CAST(? AS bigint[]), CAST(? AS boolean[])) AS t(e, c, pub)
	 JOIN contacts ct ON ct.channel_id = t.c AND ct.external_id = t.e
	 LEFT JOIN LATERAL (`+fmt.Sprintf(newestConversation, "t.pub")+`) cv ON true`, ext, chans, pub)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k contactKey
		f := &contactFound{}
		if err := rows.Scan(&k.ExternalID, &k.ChannelID, &f.ContactID, &f.Name, &f.ConversationID, &f.DeskID, &f.AssigneeID, &f.Status, &f.WaitingSince, &f.SnoozedUntil); err != nil {
			return nil, err
		}
		if w := found[k]; w != nil {
			f.Public = w.Public
			found[k] = f
		}
	}
	return found, rows.Err()
}

func (*postgresDialect) inStrings(col string, list []string) (string, any) {
	return col + " = ANY(CAST(? AS text[]))", list
}

func (*postgresDialect) deferMessages() bool { return true }

func (*postgresDialect) insertCitizen(ctx context.Context, tx conn, contact, conv []any) (ct, cv int64, err error) {
	err = tx.row(ctx, `WITH ct AS (`+insertContact+` RETURNING id)
	 INSERT INTO conversations (ente_id, channel_id, desk_id, status, public, created_at, waiting_since, last_message_at, queue_key, contact_id)
	 SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ct.id FROM ct RETURNING contact_id, id`, append(contact[:len(contact):len(contact)], conv...)...).Scan(&ct, &cv)
	return ct, cv, err
}

// insertMessages takes the ids first, in order (a thread is read in the
// order of its ids), then inserts the messages and their documents in one
// statement; ON CONFLICT skips an already stored platform id, which is
// then missing from what the statement returns.
func (*postgresDialect) insertMessages(ctx context.Context, tx conn, msgs []pendingMessage) (int, error) {
	rows, err := tx.query(ctx, "SELECT nextval(pg_get_serial_sequence('messages', 'id')) AS id FROM generate_series(1, ?) ORDER BY id", len(msgs))
	if err != nil {
		return -1, err
	}
	ids := make([]int64, 0, len(msgs))
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return -1, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return -1, err
	}
	if len(ids) != len(msgs) {
		return -1, fmt.Errorf("insert messages: %d ids for %d messages", len(ids), len(msgs))
	}
	n := len(msgs)
	entes, chans, convs := make([]int64, n), make([]int64, n), make([]int64, n)
	sent, created, declared := make([]int64, n), make([]int64, n), make([]int64, n)
	ext, text, doc := make([]string, n), make([]string, n), make([]string, n)
	for i, p := range msgs {
		entes[i], chans[i], convs[i] = p.m.EnteID, p.channelID, p.m.ConversationID
		sent[i], created[i], declared[i] = ms(p.m.SentAt), ms(p.m.CreatedAt), ms(p.m.DeclaredSentAt)
		ext[i], text[i], doc[i] = p.m.ExternalID, p.m.Text, p.doc
	}
	rows, err = tx.query(ctx, `WITH t AS (SELECT * FROM unnest(CAST(? AS bigint[]), CAST(? AS bigint[]), CAST(? AS bigint[]), CAST(? AS bigint[]),
	   CAST(? AS text[]), CAST(? AS text[]), CAST(? AS bigint[]), CAST(? AS bigint[]), CAST(? AS bigint[]), CAST(? AS text[]))
	   AS t(id, ente_id, channel_id, conversation_id, external_id, text, sent_at, created_at, declared_sent_at, doc)),
	 m AS (INSERT INTO messages (id, ente_id, channel_id, conversation_id, direction, external_id, text, sent_at, created_at, declared_sent_at)
	   SELECT id, ente_id, channel_id, conversation_id, 'in', external_id, text, sent_at, created_at, declared_sent_at FROM t ORDER BY id
	   ON CONFLICT (channel_id, external_id) WHERE external_id <> '' DO NOTHING RETURNING id)
	 INSERT INTO message_search (message_id, ente_id, doc) SELECT t.id, t.ente_id, to_tsvector('simple', t.doc) FROM t JOIN m ON m.id = t.id
	 RETURNING message_id`, ids, entes, chans, convs, ext, text, sent, created, declared, doc)
	if err != nil {
		return -1, err
	}
	stored := make(map[int64]bool, n)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return -1, err
		}
		stored[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return -1, err
	}
	for i, p := range msgs {
		if !stored[ids[i]] {
			return i, nil
		}
		p.m.ID = ids[i]
	}
	return -1, nil
}

// newestConversation is a citizen's (ct) newest conversation of a kind
// (pub), its row locked (see lookupContact).
const newestConversation = `SELECT c2.id, c2.desk_id, c2.assignee_id, c2.status, c2.waiting_since, c2.snoozed_until FROM conversations c2
	 WHERE c2.contact_id = ct.id AND c2.public = %s ORDER BY c2.id DESC LIMIT 1 FOR UPDATE`

func (*postgresDialect) lookupContact() string {
	return `SELECT ct.id, ct.name, COALESCE(cv.id, 0), COALESCE(cv.desk_id, 0), COALESCE(cv.assignee_id, 0), COALESCE(cv.status, ''), COALESCE(cv.waiting_since, 0), COALESCE(cv.snoozed_until, 0)
	 FROM contacts ct LEFT JOIN LATERAL (` + fmt.Sprintf(newestConversation, "?") + `) cv ON true
	 WHERE ct.channel_id = ? AND ct.external_id = ?`
}

func (*postgresDialect) lockConversation(ctx context.Context, tx conn, id int64) error {
	_, err := tx.exec(ctx, "SELECT id FROM conversations WHERE id = ? FOR UPDATE", id)
	return err
}

func (*postgresDialect) soleWriter() bool { return false }

func (*postgresDialect) lockContact(ctx context.Context, tx conn, contactExternalID string, channelID int64) error {
	_, err := tx.exec(ctx, "SELECT pg_advisory_xact_lock(hashtextextended(?, ?))", contactExternalID, channelID)
	return err
}

// auditLockClass is the first key of the audit chain's advisory locks; the
// two-key form never meets the one-key locks (lockContact, leases).
const auditLockClass = 727275

func (*postgresDialect) lockAudit(ctx context.Context, tx conn, enteID int64) error {
	_, err := tx.exec(ctx, "SELECT pg_advisory_xact_lock(?, CAST(? AS integer))", auditLockClass, int32(enteID))
	return err
}

func (*postgresDialect) indexMessage(ctx context.Context, tx conn, id, enteID int64, doc string) error {
	if _, err := tx.exec(ctx, "INSERT INTO message_search (message_id, ente_id, doc) VALUES (?, ?, to_tsvector('simple', ?))", id, enteID, doc); err != nil {
		return fmt.Errorf("index message: %w", err)
	}
	return nil
}

func (*postgresDialect) insertMessage(ctx context.Context, tx conn, insert string, args []any, enteID int64, doc string) (int64, error) {
	var id int64
	err := tx.row(ctx, "WITH m AS ("+insert+" RETURNING id) INSERT INTO message_search (message_id, ente_id, doc) SELECT id, ?, to_tsvector('simple', ?) FROM m RETURNING message_id",
		append(args[:len(args):len(args)], enteID, doc)...).Scan(&id)
	return id, err
}

func (*postgresDialect) reindexMessage(ctx context.Context, tx conn, id int64, doc string) error {
	if _, err := tx.exec(ctx, "UPDATE message_search SET doc = to_tsvector('simple', ?) WHERE message_id = ?", doc, id); err != nil {
		return fmt.Errorf("index message: %w", err)
	}
	return nil
}

func (*postgresDialect) indexContact(context.Context, conn, int64, string, string, bool) error {
	return nil
}

func (*postgresDialect) unindexMessages(context.Context, conn, string, ...any) error { return nil }

func (*postgresDialect) unindexContact(context.Context, conn, int64) error { return nil }

// erasedTables are the tables an erasure deletes from or blanks.
const erasedTables = "messages, message_versions, attachments, email_parts, pec_receipts, message_search, contacts, conversation_flags, notifications, surveys, service_requests"

func (*postgresDialect) scrub(ctx context.Context, write *sql.DB) error {
	// Dead rows stay in the table's pages until a vacuum frees them; run
	// one now rather than waiting for autovacuum. (Only the tables' owner
	// may: under a role with data rights only, PostgreSQL skips them with
	// a warning and autovacuum does it later.)
	if _, err := write.ExecContext(ctx, "VACUUM "+erasedTables); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	return nil
}

// searchWindow is how many of the newest indexed messages the first plan
// of a PostgreSQL search reads at most, contactWindow how many contacts:
// enough for a word in one message in a thousand (a name in one contact
// in fifty) to fill the page, and a bound on the walk for rarer ones.
// The rarer ones are read from the GIN index, each hit a page of the
// table (about 15 ms per thousand uncached, at a million conversations).
const (
	searchWindow  = 50000
	contactWindow = 10000
)

func (*postgresDialect) searchMessages(enteID int64, terms []string) []searchPlan {
	const match = "FROM message_search s JOIN messages m ON m.id = s.message_id WHERE s.ente_id = ? AND s.doc @@ to_tsquery('simple', ?)"
	q := search.TSQuery(terms)
	return []searchPlan{
		// A common word: its newest hits are among the newest messages,
		// found walking the primary key backwards. The planner walks it
		// for a rare word too (it cannot tell how rare), to the very
		// first message: so the walk stops after searchWindow messages.
		{match + " AND s.message_id > (SELECT COALESCE(MAX(message_id), 0) FROM message_search) - ?", []any{enteID, q, searchWindow}, "s.message_id DESC"},
		// A rare word: every hit from the GIN index, then sorted (the
		// expression keeps the planner off the primary key's order).
		{match, []any{enteID, q}, "s.message_id + 0 DESC"},
	}
}

func (*postgresDialect) searchContacts(enteID int64, words []string, prefix bool) (q string, args []any) {
	expr := search.TSQuery(words)
	if prefix {
		expr = search.TSPrefix(words)
	}
	const gin = "SELECT id FROM contacts WHERE ente_id = ? AND search @@ to_tsquery('simple', ?) ORDER BY id + 0 DESC LIMIT 200"
	if len(words) > 1 {
		// Several words, all required (a full name, as the merge
		// suggestions ask): the GIN index intersects their lists, and what
		// is left is few, so it is read first.
		return gin, []any{enteID, expr}
	}
	// As searchMessages, in one statement: the newest contacts walked
	// backwards by primary key, at most contactWindow of them; when fewer
	// than 200 match there, every match from the GIN index, sorted. (A
	// word no contact has made the planner walk every contact: seconds at
	// a million.)
	return `WITH w AS (SELECT id FROM contacts WHERE ente_id = ? AND search @@ to_tsquery('simple', ?)
	  AND id > (SELECT COALESCE(MAX(id), 0) FROM contacts) - ? ORDER BY id DESC LIMIT 200)
	 SELECT id FROM w WHERE (SELECT COUNT(*) FROM w) >= 200
	 UNION ALL
	 (SELECT id FROM contacts WHERE ente_id = ? AND search @@ to_tsquery('simple', ?) AND (SELECT COUNT(*) FROM w) < 200 ORDER BY id + 0 DESC LIMIT 200)`,
		[]any{enteID, expr, contactWindow, enteID, expr}
}

func (*postgresDialect) snapshot(context.Context, string, string) error { return ErrNoSnapshot }
