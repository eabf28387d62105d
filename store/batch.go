package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
	"time"

	"github.com/redazione/redazione"
)

// Group commit. SQLite has one writer, so messages that arrive while a
// transaction is running wait anyway; the ingest writer takes all of them at
// once and stores them in one transaction. PostgreSQL runs several such
// writers at once (dialect.groupCommit), each on its own connection, a
// citizen's messages always to the same one: a commit waits for its WAL to
// reach the disk, and a message per commit made that wait, not the work,
// the limit. If one of them fails, the
// batch is rolled back, that message is stored (or refused) in a transaction
// of its own, and the rest of the batch is stored together again: a bad
// message fails alone. Nobody is answered before the commit: what is
// acknowledged is stored.

// maxIngestBatch bounds a group commit, and so the latency of its first
// message.
const maxIngestBatch = 256

type ingestReq struct {
	ctx context.Context
	ch  *redazione.Channel
	in  inbound
	cfg *SLAConfig
	now time.Time
	res *redazione.Ingested
	err error
	// lookup: look for the message among those stored before inserting
	// it (see ingestAll).
	lookup bool
	done   chan struct{}
}

var errClosed = errors.New("il database è stato chiuso")

func (db *DB) ingestBatched(ctx context.Context, ch *redazione.Channel, in inbound, cfg *SLAConfig, now time.Time) (*redazione.Ingested, error) {
	db.ingestOnce.Do(func() {
		writers, _ := db.d.groupCommit()
		for range max(writers, 1) {
			q := make(chan *ingestReq, maxIngestBatch)
			db.ingestQ = append(db.ingestQ, q)
			go db.ingestLoop(q)
		}
	})
	q := db.ingestQ[0]
	if len(db.ingestQ) > 1 {
		// A citizen's messages go to one writer: in order, and never in
		// two of this process's transactions at once.
		h := fnv.New64a()
		h.Write([]byte(in.ContactID))
		q = db.ingestQ[(h.Sum64()^uint64(ch.ID))%uint64(len(db.ingestQ))]
	}
	r := &ingestReq{ctx: ctx, ch: ch, in: in, cfg: cfg, now: now, done: make(chan struct{})}
	select {
	case q <- r:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-db.closed:
		return nil, errClosed
	}
	// Wait for the outcome even if ctx ends meanwhile: the answer must say
	// whether the message was stored.
	select {
	case <-r.done:
		return r.res, r.err
	case <-db.closed:
		return nil, errClosed
	}
}

func (db *DB) ingestLoop(q chan *ingestReq) {
	batch := make([]*ingestReq, 0, maxIngestBatch)
	for {
		select {
		case r := <-q:
			batch = append(batch[:0], r)
		case <-db.closed:
			return
		}
	fill:
		for len(batch) < maxIngestBatch {
			select {
			case r := <-q:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		db.runIngestBatch(batch)
		for i := range batch {
			batch[i] = nil
		}
	}
}

func (db *DB) runIngestBatch(batch []*ingestReq) {
	defer func() {
		for _, r := range batch {
			close(r.done)
		}
	}()
	// The batch's statements run without the requests' contexts: a
	// message taken into a batch is stored whether or not its client is
	// still waiting (one that left before is not taken, below), one
	// client leaving does not roll back the others' batch, and the driver
	// starts no goroutine per statement to watch a context that can end.
	ctx := context.Background()
	// Statements met for the first time are prepared now, while the write
	// connection is free; inside the transaction they are only bound.
	if _, prepare := db.d.groupCommit(); prepare {
		db.ingestStmts.prepare(ctx, db.write)
	}
	live := batch[:0:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		live = append(live, r)
	}
	for len(live) > 0 {
		failed, err := db.ingestAll(ctx, live)
		switch {
		case err == nil:
			return
		case failed < 0:
			// The transaction itself failed: each message on its own.
			for _, r := range live {
				db.ingestAlone(ctx, r)
			}
			return
		case errors.Is(err, errSeen) && !live[failed].lookup:
			// A redelivery (or the same message twice in the batch): run
			// the batch again, with this one looked up first.
			live[failed].lookup = true
		default:
			// A bad message fails alone, in its own transaction, and the
			// rest of the batch is stored together. (Savepoints would
			// isolate it inside one transaction, but FTS5 flushes its index
			// at every savepoint, which costs more than they save.)
			db.ingestAlone(ctx, live[failed])
			live = append(live[:failed:failed], live[failed+1:]...)
		}
	}
}

func (db *DB) ingestAlone(ctx context.Context, r *ingestReq) {
	var res *redazione.Ingested
	r.err = db.inTxCached(ctx, func(c conn) error {
		var err error
		res, err = db.ingest(ctx, c, r.ch, r.in, r.cfg, r.now)
		return err
	})
	if r.err == nil {
		r.res = res
	}
}

// errSeen stops an optimistic ingest at the unique index of external ids.
var errSeen = errors.New("message already stored")

// ingestAll stores every message of the batch in one transaction, or none.
// On failure it reports which message failed (-1 if it was the transaction
// itself) and why. It is optimistic: a message already stored is not looked
// up first (a lookup per message was a tenth of the writer's time), but
// stops the batch with errSeen at the unique index, and is looked up when
// the batch runs again. Platforms rarely redeliver, so this is cheaper.
func (db *DB) ingestAll(ctx context.Context, batch []*ingestReq) (int, error) {
	failed := -1
	err := db.inTxCached(ctx, func(c conn) error {
		// Every citizen of the batch at once, in one order for all
		// writers, so that two writers' batches never wait on each other
		// in a circle.
		keys := make([]contactKey, len(batch))
		for i, r := range batch {
			keys[i] = contactKey{r.in.ContactID, r.ch.ID}
		}
		if err := db.d.lockContacts(ctx, c, keys); err != nil {
			return fmt.Errorf("ingest lock: %w", err)
		}
		c.contactsLocked = true
		public := make([]bool, len(batch))
		for i, r := range batch {
			public[i] = r.in.Public
		}
		found, err := db.d.lookupContacts(ctx, c, keys, public)
		if err != nil {
			return fmt.Errorf("ingest lookup: %w", err)
		}
		c.found = found
		var macs []string
		for _, r := range batch {
			if r.in.tombstone != "" {
				macs = append(macs, r.in.tombstone)
			}
		}
		if c.buried, err = buriedOf(ctx, c, macs); err != nil {
			return err
		}
		if db.d.deferMessages() {
			c.pending = &pendingMessages{}
		}
		for i, r := range batch {
			c.optimistic, c.index = !r.lookup, i
			res, err := db.ingest(ctx, c, r.ch, r.in, r.cfg, r.now)
			if err != nil {
				failed = seenIndex(err, i)
				return err
			}
			r.res = res
		}
		if err := c.flushPending(ctx); err != nil {
			failed = seenIndex(err, -1)
			return err
		}
		return nil
	})
	if err != nil {
		for _, r := range batch {
			r.res = nil
		}
	}
	return failed, err
}

// contactKey is a citizen on a channel, as lockContact takes them.
type contactKey struct {
	ExternalID string
	ChannelID  int64
}

// pendingMessage is a plain citizen's message of a group commit waiting
// to be inserted with the batch's others (dialect.insertMessages): one
// statement for them all where a statement is a round trip. A message
// with files, an e-mail part, flags or a thread to follow is inserted at
// once, after those pending (ids are given in the batch's order).
type pendingMessage struct {
	m         *redazione.Message
	channelID int64
	doc       string
	index     int // position in the batch
}

type pendingMessages struct{ list []pendingMessage }

// flushPending inserts the pending messages; one already stored stops the
// batch with errSeen at its position (seenAt).
func (c conn) flushPending(ctx context.Context) error {
	if c.pending == nil || len(c.pending.list) == 0 {
		return nil
	}
	list := c.pending.list
	c.pending.list = nil
	dup, err := c.db.d.insertMessages(ctx, c, list)
	if err != nil {
		return fmt.Errorf("insert messages: %w", err)
	}
	if dup >= 0 {
		return &seenAt{list[dup].index}
	}
	return nil
}

// seenAt is errSeen for the message at index of the batch.
type seenAt struct{ index int }

func (e *seenAt) Error() string { return errSeen.Error() }
func (e *seenAt) Unwrap() error { return errSeen }

// seenIndex is the position of the message err is about: that of a
// seenAt, else def.
func seenIndex(err error, def int) int {
	var s *seenAt
	if errors.As(err, &s) {
		return s.index
	}
	return def
}

// contactFound is what ingest looks up first: a citizen and their newest
// conversation of a kind (public or not; ID 0 if none), or, with
// Missing, that the citizen is not known yet.
type contactFound struct {
	Missing                            bool
	Public                             bool
	ContactID                          int64
	Name                               string
	ConversationID, DeskID, AssigneeID int64
	Status                             string
	WaitingSince, SnoozedUntil         int64
}

// inTxCached is inTx with the ingest statements kept prepared (where the
// dialect keeps them) and the full-text rows written at the end.
func (db *DB) inTxCached(ctx context.Context, fn func(c conn) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	c := conn{db: db, q: tx, tx: tx, fts: &ftsBuffer{}}
	if _, prepare := db.d.groupCommit(); prepare {
		c.stmts, c.bound = &db.ingestStmts, map[string]*sql.Stmt{}
	}
	if err := fn(c); err != nil {
		tx.Rollback()
		return err
	}
	if err := c.fts.flush(ctx, c); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// maxPrepared bounds the statements kept prepared: the dozen of ingest
// and those of the full-text rows of batches of up to ftsPrepared
// messages, with room to spare.
const maxPrepared = 128

// stmtCache keeps statements prepared on the SQLite write connection.
type stmtCache struct {
	mu   sync.Mutex
	m    map[string]*sql.Stmt
	want map[string]bool
}

// get returns q prepared for tx, or nil (and notes q, to prepare it later).
func (sc *stmtCache) get(ctx context.Context, tx *sql.Tx, q string) *sql.Stmt {
	sc.mu.Lock()
	s := sc.m[q]
	if s == nil {
		if sc.want == nil {
			sc.want = map[string]bool{}
		}
		sc.want[q] = true
	}
	sc.mu.Unlock()
	if s == nil {
		return nil
	}
	return tx.StmtContext(ctx, s)
}

func (sc *stmtCache) prepare(ctx context.Context, db *sql.DB) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	for q := range sc.want {
		if len(sc.m) >= maxPrepared {
			break
		}
		s, err := db.PrepareContext(ctx, q)
		if err != nil {
			continue // stays unprepared: run as a plain query
		}
		if sc.m == nil {
			sc.m = map[string]*sql.Stmt{}
		}
		sc.m[q] = s
		delete(sc.want, q)
	}
}

// ftsBuffer holds the full-text rows of a transaction until its end. An
// FTS5 table flushes its pending terms to disk at the start of every later
// statement that opens a statement journal; written last, in one statement
// per table, a batch's rows make one segment instead of one per message.
type ftsBuffer struct {
	msgIDs   []int64
	msgDocs  []string
	contacts map[int64]string
	order    []int64
	added    map[int64]bool // contacts created in this transaction
	deletes  []int64        // contacts renamed: their old row goes first
}

func (b *ftsBuffer) message(id int64, doc string) {
	b.msgIDs, b.msgDocs = append(b.msgIDs, id), append(b.msgDocs, doc)
}

func (b *ftsBuffer) contact(id int64, doc string, replace bool) {
	if b.contacts == nil {
		b.contacts, b.added = map[int64]string{}, map[int64]bool{}
	}
	if _, ok := b.contacts[id]; !ok {
		b.order = append(b.order, id)
		if replace {
			b.deletes = append(b.deletes, id)
		} else {
			b.added[id] = true
		}
	}
	b.contacts[id] = doc
}

// ftsChunk keeps a statement under SQLite's limit of bound parameters.
const ftsChunk = 400

// ftsPrepared: the statement that writes the full-text rows of a batch
// differs with its number of rows; up to this many it is kept prepared,
// not parsed at every batch.
const ftsPrepared = 48

func (b *ftsBuffer) flush(ctx context.Context, c conn) error {
	if len(b.deletes) > 0 {
		args := make([]any, len(b.deletes))
		for i, id := range b.deletes {
			args[i] = id
		}
		if _, err := c.q.ExecContext(ctx, "DELETE FROM contacts_fts WHERE rowid IN ("+placeholders(len(args))+")", args...); err != nil {
			return fmt.Errorf("index contacts: %w", err)
		}
	}
	insert := func(table string, ids []int64, doc func(i int) string) error {
		for start := 0; start < len(ids); start += ftsChunk {
			end := min(start+ftsChunk, len(ids))
			var q strings.Builder
			q.WriteString("INSERT INTO " + table + " (rowid, doc) VALUES ")
			args := make([]any, 0, 2*(end-start))
			for i := start; i < end; i++ {
				if i > start {
					q.WriteString(", ")
				}
				q.WriteString("(?, ?)")
				args = append(args, ids[i], doc(i))
			}
			run := c.q.ExecContext
			if end-start <= ftsPrepared {
				run = c.exec
			}
			if _, err := run(ctx, q.String(), args...); err != nil {
				return fmt.Errorf("index %s: %w", table, err)
			}
		}
		return nil
	}
	if err := insert("messages_fts", b.msgIDs, func(i int) string { return b.msgDocs[i] }); err != nil {
		return err
	}
	return insert("contacts_fts", b.order, func(i int) string { return b.contacts[b.order[i]] })
}
