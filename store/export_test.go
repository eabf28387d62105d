package store

import (
	"context"
	"strings"

	"github.com/redazione/redazione"
)

// ExplainInboxPage returns the plan of the query that finds the keys of an
// inbox page (the cursor's segment), one line per step, so a test can check
// that an index serves both the filter and the order. On PostgreSQL the
// sequential scan is disabled for the question: a test's few rows would
// make it the cheapest, when what matters is whether an index can serve.
func (db *DB) ExplainInboxPage(ctx context.Context, a redazione.Actor, f InboxFilter) (string, error) {
	where, args, err := db.inboxWhere(a, f)
	if err != nil {
		return "", err
	}
	sort, segs := f.order()
	from, hasFrom, err := decodeCursor("cursor", f.Cursor, sort, len(segs))
	if err != nil {
		return "", err
	}
	q, qargs := keysQuery(where, args, segs[from.seg], from, hasFrom, rowKey{}, false, 51)
	var plan []string
	err = db.inTx(ctx, func(tx conn) error {
		prefix := "EXPLAIN QUERY PLAN "
		if db.Dialect() == Postgres {
			prefix = "EXPLAIN "
			if _, err := tx.exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
				return err
			}
		}
		rows, err := tx.query(ctx, prefix+q, qargs...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			switch v := vals[len(vals)-1].(type) {
			case string:
				plan = append(plan, v)
			case []byte:
				plan = append(plan, string(v))
			}
		}
		return rows.Err()
	})
	return strings.Join(plan, "\n"), err
}

// Setting returns a run-time setting of one of the store's PostgreSQL
// sessions (SHOW name).
func (db *DB) Setting(ctx context.Context, name string) (string, error) {
	var v string
	err := db.read.QueryRowContext(ctx, "SHOW "+name).Scan(&v)
	return v, err
}

// IngestOneBatch stores ins as one group commit, in this order, as
// messages arriving together are: a test of what a batch does, which
// concurrent Ingest calls reach only by chance.
func (db *DB) IngestOneBatch(ctx context.Context, ch *redazione.Channel, ins []redazione.Inbound) ([]*redazione.Ingested, []error) {
	return db.PrepareOneBatch(ctx, ch, ins).Run()
}

// OneBatch is a group commit made ready (what the requests' goroutines
// do before the writer), to be stored by Run (what the writer does).
type OneBatch struct {
	db    *DB
	batch []*ingestReq
}

func (db *DB) PrepareOneBatch(ctx context.Context, ch *redazione.Channel, ins []redazione.Inbound) *OneBatch {
	batch := make([]*ingestReq, len(ins))
	for i, in := range ins {
		row, cfg, now, err := db.prepareIngest(ctx, ch, in)
		if err != nil {
			panic(err)
		}
		batch[i] = &ingestReq{ctx: ctx, ch: ch, in: row, cfg: cfg, now: now, done: make(chan struct{})}
	}
	return &OneBatch{db: db, batch: batch}
}

func (b *OneBatch) Run() ([]*redazione.Ingested, []error) {
	b.db.runIngestBatch(b.batch)
	res, errs := make([]*redazione.Ingested, len(b.batch)), make([]error, len(b.batch))
	for i, r := range b.batch {
		res[i], errs[i] = r.res, r.err
	}
	return res, errs
}
