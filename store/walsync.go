package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
)

// The disk wait of a SQLite batch, taken off the writer.
//
// With synchronous=FULL, a commit in WAL mode writes the batch's pages to
// the WAL and then waits for the disk (fsync) before the writer may begin
// the next batch. The ingest writer commits its batches with
// synchronous=NORMAL instead (the pages are written to the WAL, not
// waited for), hands the batch to walSyncLoop, and goes on with the next
// one; walSyncLoop makes the WAL durable with one fsync for every batch
// committed meanwhile, and only then answers their citizens. So what is
// acknowledged is on disk, as before: recovery after a crash replays the
// WAL up to its last whole commit, and every acknowledged batch is in the
// part that was synced. A batch not yet synced can be seen by operators'
// screens a moment before its citizens are answered; a power cut in that
// moment loses it, and its citizens, never answered, send it again.
// SQLite itself syncs the WAL before each checkpoint, the database after
// it, and the WAL's header when it starts over, in this mode. Every other
// write keeps synchronous=FULL.

// startWALSync starts the syncer, if the database has a WAL to sync (not
// an in-memory one).
func (db *DB) startWALSync() {
	var mode string
	if err := db.write.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		return
	}
	if _, err := os.Stat(db.walPath()); err != nil {
		return
	}
	db.walSync = make(chan []*ingestReq, maxIngestBatch)
	go db.walSyncLoop()
}

func (db *DB) walPath() string { return db.url + "-wal" }

// syncWAL makes the WAL durable; tests replace it (SetWALSync, in export_test.go).
func (db *DB) syncWAL() error {
	if f := db.walSyncHook.Load(); f != nil {
		return (*f)()
	}
	return syncFile(db.walPath())
}

func (db *DB) walSyncLoop() {
	var pending []*ingestReq
	for {
		select {
		case b := <-db.walSync:
			pending = append(pending[:0], b...)
		case <-db.closed:
			return
		}
	more:
		for {
			select {
			case b := <-db.walSync:
				pending = append(pending, b...)
			default:
				break more
			}
		}
		err := db.syncWAL()
		for i, r := range pending {
			if err != nil && r.err == nil {
				// stored, but not known to be on disk: the citizen's
				// platform sends it again, and the copy is recognised
				r.res, r.err = nil, fmt.Errorf("sync: %w", err)
			}
			close(r.done)
			pending[i] = nil
		}
	}
}

// syncFile waits until the file's written pages are on disk. It opens the
// file each time: SQLite may have replaced it.
func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	return errors.Join(err, f.Close())
}

// relaxedConn holds the write connection with synchronous=NORMAL for one
// batch; restore sets it back to FULL and gives it back (or drops it, if
// that fails, so that no other write runs without FULL).
func (db *DB) relaxedConn(ctx context.Context) (*sql.Conn, func(), error) {
	c, err := db.write.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	if _, err := c.ExecContext(ctx, "PRAGMA synchronous = NORMAL"); err != nil {
		c.Raw(func(any) error { return driver.ErrBadConn })
		c.Close()
		return nil, nil, fmt.Errorf("synchronous: %w", err)
	}
	return c, func() {
		if _, err := c.ExecContext(ctx, "PRAGMA synchronous = FULL"); err != nil {
			c.Raw(func(any) error { return driver.ErrBadConn })
		}
		c.Close()
	}, nil
}
