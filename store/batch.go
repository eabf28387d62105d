package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redazione/redazione"
)

// Group commit on SQLite. SQLite has one writer, so messages that arrive
// while a transaction is running wait anyway; the ingest writer takes all of
// them at once and stores them in one transaction, each inside its own
// savepoint, so a message that fails rolls back alone. Nobody is answered
// before the commit: what is acknowledged is stored.

// maxIngestBatch bounds a group commit, and so the latency of its first
// message.
const maxIngestBatch = 256

type ingestReq struct {
	ctx  context.Context
	ch   *redazione.Channel
	in   Inbound
	cfg  *SLAConfig
	now  time.Time
	res  *Ingested
	err  error
	done chan struct{}
}

var errClosed = errors.New("il database è stato chiuso")

func (db *DB) ingestBatched(ctx context.Context, ch *redazione.Channel, in Inbound, cfg *SLAConfig, now time.Time) (*Ingested, error) {
	db.ingestOnce.Do(func() {
		db.ingestQ = make(chan *ingestReq, maxIngestBatch)
		go db.ingestLoop()
	})
	r := &ingestReq{ctx: ctx, ch: ch, in: in, cfg: cfg, now: now, done: make(chan struct{})}
	select {
	case db.ingestQ <- r:
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

func (db *DB) ingestLoop() {
	batch := make([]*ingestReq, 0, maxIngestBatch)
	for {
		select {
		case r := <-db.ingestQ:
			batch = append(batch[:0], r)
		case <-db.closed:
			return
		}
	fill:
		for len(batch) < maxIngestBatch {
			select {
			case r := <-db.ingestQ:
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
	ctx := context.Background()
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		for _, r := range batch {
			r.err = fmt.Errorf("begin: %w", err)
		}
		return
	}
	c := conn{db, tx}
	stored := 0
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		if _, err := c.exec(ctx, "SAVEPOINT ingest"); err != nil {
			r.err = fmt.Errorf("savepoint: %w", err)
			continue
		}
		r.res, r.err = db.ingest(r.ctx, c, r.ch, r.in, r.cfg, r.now)
		if r.err != nil {
			r.res = nil
			if _, err := c.exec(ctx, "ROLLBACK TO ingest"); err != nil {
				// The transaction is in an unknown state: give it all up.
				tx.Rollback()
				for _, o := range batch {
					o.res, o.err = nil, fmt.Errorf("rollback to savepoint: %w", err)
				}
				return
			}
		}
		if _, err := c.exec(ctx, "RELEASE ingest"); err != nil {
			tx.Rollback()
			for _, o := range batch {
				o.res, o.err = nil, fmt.Errorf("release savepoint: %w", err)
			}
			return
		}
		if r.err == nil {
			stored++
		}
	}
	if stored == 0 {
		tx.Rollback()
		return
	}
	if err := tx.Commit(); err != nil {
		for _, r := range batch {
			if r.err == nil {
				r.res, r.err = nil, fmt.Errorf("commit: %w", err)
			}
		}
	}
}
