package store

import (
	"context"
	"errors"
)

// ErrNoSnapshot says the database cannot copy itself into a file: on
// PostgreSQL, pg_dump does that.
var ErrNoSnapshot = errors.New("store: this database is backed up with its own tools (pg_dump)")

// Snapshot writes a consistent copy of the database as it is at one moment
// to dst, a file that must not exist, while the server keeps writing. It
// answers ErrNoSnapshot on PostgreSQL.
func (db *DB) Snapshot(ctx context.Context, dst string) error {
	return db.d.snapshot(ctx, db.url, dst)
}
