package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Erased stays erased: each erased citizen message leaves a tombstone, a
// keyed hash of its channel and platform id (no personal data, and not
// computable from a copy of the database without the master key), so that
// the platform's redelivery or a replay of the original request is
// acknowledged and not stored again, for as long as the tombstone lasts.

// DefaultTombstoneDays is how long tombstones are kept unless set.
const DefaultTombstoneDays = 365

// SetTombstoneDays sets how long an erased message's replay is refused.
func (db *DB) SetTombstoneDays(days int) {
	db.tombstoneTTL.Store(int64(days) * int64(24*time.Hour))
}

func (db *DB) tombstoneAge() time.Duration {
	if d := db.tombstoneTTL.Load(); d > 0 {
		return time.Duration(d)
	}
	return DefaultTombstoneDays * 24 * time.Hour
}

func (db *DB) tombstone(channelID int64, externalID string) (string, error) {
	if db.sealer == nil {
		return "", errors.New("no master key for the tombstones of erased messages (REDAZIONE_SECRET_KEY)")
	}
	return db.sealer.MAC("erased-message\x00" + strconv.FormatInt(channelID, 10) + "\x00" + externalID), nil
}

// tombstoneToCheck is the tombstone that would say a message with this
// platform id on the channel was erased, or "" where none can exist.
func (db *DB) tombstoneToCheck(channelID int64, externalID string) (string, error) {
	if externalID == "" || db.sealer == nil || db.noTombstones.Load() {
		return "", nil
	}
	return db.tombstone(channelID, externalID)
}

// erased reports whether the tombstone mac is kept: from the batch's
// lookup (buried), or by a query of its own.
func (c conn) erased(ctx context.Context, mac string) (bool, error) {
	if c.buried != nil {
		return c.buried[mac], nil
	}
	var n int
	if err := c.row(ctx, "SELECT COUNT(*) FROM erased_messages WHERE mac = ?", mac).Scan(&n); err != nil {
		return false, fmt.Errorf("tombstone: %w", err)
	}
	return n > 0, nil
}

// buriedOf looks the tombstones of a batch up in one statement; the map
// holds those kept.
func buriedOf(ctx context.Context, tx conn, macs []string) (map[string]bool, error) {
	buried := make(map[string]bool)
	if len(macs) == 0 {
		return buried, nil
	}
	cond, arg := tx.db.d.inStrings("mac", macs)
	rows, err := tx.query(ctx, "SELECT mac FROM erased_messages WHERE "+cond, arg)
	if err != nil {
		return nil, fmt.Errorf("tombstones: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var mac string
		if err := rows.Scan(&mac); err != nil {
			return nil, err
		}
		buried[mac] = true
	}
	return buried, rows.Err()
}

// countTombstones tells ingest, where this process is the sole writer,
// whether there are tombstones to look up at all (most days there are
// none, and ingest saves a query per message).
func (db *DB) countTombstones(ctx context.Context) error {
	if !db.d.soleWriter() {
		return nil
	}
	var n int
	if err := db.reader().row(ctx, "SELECT COUNT(*) FROM erased_messages").Scan(&n); err != nil {
		return fmt.Errorf("tombstones: %w", err)
	}
	db.noTombstones.Store(n == 0)
	return nil
}

// buryMessages leaves a tombstone for each citizen message msgs selects
// (a query on messages' ids, with args), in tx, before they are deleted.
func (db *DB) buryMessages(ctx context.Context, tx conn, msgs string, now time.Time, args ...any) error {
	rows, err := tx.query(ctx, "SELECT channel_id, external_id FROM messages WHERE direction = 'in' AND external_id <> '' AND id IN ("+msgs+")", args...)
	if err != nil {
		return fmt.Errorf("tombstones: %w", err)
	}
	var macs []string
	for rows.Next() {
		var ch int64
		var ext string
		if err := rows.Scan(&ch, &ext); err != nil {
			rows.Close()
			return err
		}
		mac, err := db.tombstone(ch, ext)
		if err != nil {
			rows.Close()
			return err
		}
		macs = append(macs, mac)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(macs) > 0 {
		// Looked up from now on, even before this transaction commits.
		db.noTombstones.Store(false)
	}
	for _, mac := range macs {
		if _, err := tx.exec(ctx, "INSERT INTO erased_messages (mac, erased_at) VALUES (?, ?) ON CONFLICT (mac) DO NOTHING", mac, ms(now)); err != nil {
			return fmt.Errorf("tombstone: %w", err)
		}
	}
	return nil
}

// pruneTombstones forgets the tombstones older than their time.
func (db *DB) pruneTombstones(ctx context.Context) error {
	cutoff := db.now().Add(-db.tombstoneAge())
	err := db.inTx(ctx, func(tx conn) error {
		_, err := tx.exec(ctx, "DELETE FROM erased_messages WHERE erased_at < ?", ms(cutoff))
		return err
	})
	if err != nil {
		return err
	}
	return db.countTombstones(ctx)
}

// scrub makes what an erasure removed unreadable in the database's files
// (see dialect.scrub); the erasure itself has committed.
func (db *DB) scrub(ctx context.Context) error {
	// The erasure's tombstones are committed: look them up (a prune that
	// ran meanwhile may have counted none).
	db.noTombstones.Store(false)
	return db.d.scrub(ctx, db.write)
}
