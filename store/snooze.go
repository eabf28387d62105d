package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redazione/redazione"
)

// While a conversation is put aside its place in the inbox's order
// (queue_key, at most 10^13 otherwise) is moved past every other's:
// the open views in the waiting order then leave the snoozed ones out by a
// bound of their own index range (queue_key < 2·10^13), at no cost however
// many are snoozed. Waking it moves it back. Both are written so that
// doing them twice changes nothing, and whatever else writes queue_key
// while a conversation is put aside keeps it moved (keepShift).
const (
	snoozedKeys  = "20000000000000"
	keepShift    = " + CASE WHEN snoozed_until > 0 THEN 20000000000000 ELSE 0 END"
	shiftQueue   = "queue_key = CASE WHEN queue_key < 20000000000000 THEN queue_key + 20000000000000 ELSE queue_key END"
	unshiftQueue = "queue_key = CASE WHEN queue_key >= 20000000000000 THEN queue_key - 20000000000000 ELSE queue_key END"
)

// snoozeSet is the SET of a statement that snoozes (value > 0) or wakes.
func snoozeSet(value int64) string {
	if value == 0 {
		return "snoozed_until = 0, " + unshiftQueue
	}
	return "snoozed_until = ?, " + shiftQueue
}

// Audit details of a conversation coming back from snooze by itself.
const (
	wokenByTime  = "time came"
	wokenByReply = "citizen wrote"
)

// wakeOnReply brings a conversation put aside back when the citizen writes
// (inside the ingest's transaction), with its audit entry. A conversation
// not put aside is left as it is.
func wakeOnReply(ctx context.Context, tx conn, enteID, id int64, now time.Time) error {
	res, err := tx.exec(ctx, "UPDATE conversations SET "+snoozeSet(0)+" WHERE id = ? AND snoozed_until > 0", id)
	if err != nil {
		return fmt.Errorf("wake conversation: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: enteID, Action: "conversation.wake", Target: fmt.Sprint(id), Detail: wokenByReply})
}

// Woken is a conversation whose snooze ended by itself.
type Woken struct {
	EnteID, ConversationID, DeskID int64
}

// WakeSnoozed ends, in every ente, the snoozes whose time has come (at most
// limit per ente per call), with an audit entry each, and returns the
// conversations woken, for their screens. The inbox views already show
// them again from that time (their condition is on the time, not on this
// sweep); the sweep clears the column and tells the screens. Each is woken
// once even with several processes sweeping: the update is conditional and
// returns what it changed.
func (db *DB) WakeSnoozed(ctx context.Context, limit int) ([]Woken, error) {
	now := db.now()
	// Most sweeps find nothing: one read of the small partial index says
	// so, without a write transaction per ente.
	var due int
	err := db.reader().row(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM conversations WHERE snoozed_until > 0 AND snoozed_until <= ? LIMIT 1) d", ms(now)).Scan(&due)
	if err != nil || due == 0 {
		return nil, err
	}
	entes, err := db.Entes(ctx)
	if err != nil {
		return nil, err
	}
	var out []Woken
	for _, e := range entes {
		var woken []Woken
		// Many rows at once: retried if PostgreSQL breaks a deadlock with an
		// ingest batch by cancelling it (inTxRetried).
		err := db.inTxRetried(ctx, func(tx conn) error {
			woken = woken[:0]
			rows, err := tx.query(ctx, `UPDATE conversations SET `+snoozeSet(0)+` WHERE id IN (
			   SELECT id FROM conversations WHERE ente_id = ? AND snoozed_until > 0 AND snoozed_until <= ? ORDER BY snoozed_until LIMIT ?)
			 AND snoozed_until > 0 AND snoozed_until <= ? RETURNING id, desk_id`, e.ID, ms(now), limit, ms(now))
			if err != nil {
				return fmt.Errorf("wake snoozed: %w", err)
			}
			for rows.Next() {
				w := Woken{EnteID: e.ID}
				if err := rows.Scan(&w.ConversationID, &w.DeskID); err != nil {
					rows.Close()
					return err
				}
				woken = append(woken, w)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			entries := make([]redazione.AuditEntry, len(woken))
			for i, w := range woken {
				entries[i] = redazione.AuditEntry{EnteID: e.ID, Action: "conversation.wake", Target: fmt.Sprint(w.ConversationID), Detail: wokenByTime}
			}
			return appendAudits(ctx, tx, e.ID, now, entries)
		})
		if err != nil {
			return out, err
		}
		out = append(out, woken...)
	}
	return out, nil
}
