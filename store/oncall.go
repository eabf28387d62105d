package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redazione/redazione"
)

// The on-call rota: out of office hours (the ente's calendar: nights,
// Sundays, holidays) an urgent message, a missed response time or a spike
// of messages reaches the person on call, not only the coordinators.

// Shift is a stretch of time someone is on call.
type Shift struct {
	ID       int64
	UserID   int64
	UserName string
	From, To time.Time
}

// MaxShift bounds a shift.
const MaxShift = 31 * 24 * time.Hour

// AddShift puts someone on call from from to to; coordinators and
// administrators only. The person must be able to answer (not an analyst).
func (db *DB) AddShift(ctx context.Context, a redazione.Actor, userID int64, from, to time.Time) error {
	if a.Role != redazione.RoleAdmin && a.Role != redazione.RoleCoordinator {
		return redazione.Errorf(redazione.EFORBIDDEN, "i turni di reperibilità li organizzano coordinatori e amministratori")
	}
	if !to.After(from) {
		return redazione.FieldError("to", "il turno finisce prima di cominciare")
	}
	if to.Sub(from) > MaxShift {
		return redazione.FieldError("to", "un turno dura al massimo 31 giorni")
	}
	u, err := db.User(ctx, a.EnteID, userID)
	if err != nil || u.Disabled || u.Role == redazione.RoleAnalyst {
		return redazione.FieldError("user", "scegli una persona attiva che possa rispondere")
	}
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		if _, err := tx.exec(ctx, "INSERT INTO oncall_shifts (ente_id, user_id, from_at, to_at, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			a.EnteID, userID, ms(from), ms(to), a.UserID, ms(now)); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "oncall.add", Target: u.Email,
			Detail: from.UTC().Format(time.RFC3339) + " " + to.UTC().Format(time.RFC3339)})
	})
}

// DeleteShift removes a shift; coordinators and administrators only.
func (db *DB) DeleteShift(ctx context.Context, a redazione.Actor, id int64) error {
	if a.Role != redazione.RoleAdmin && a.Role != redazione.RoleCoordinator {
		return redazione.Errorf(redazione.EFORBIDDEN, "i turni di reperibilità li organizzano coordinatori e amministratori")
	}
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		if err := tx.execOne(ctx, "turno", "DELETE FROM oncall_shifts WHERE id = ? AND ente_id = ?", id, a.EnteID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "oncall.delete", Target: fmt.Sprint(id)})
	})
}

// Shifts lists the shifts that end after from and start before to.
func (db *DB) Shifts(ctx context.Context, enteID int64, from, to time.Time) ([]Shift, error) {
	return queryAll(ctx, db.reader(), func(s scanner) (Shift, error) {
		var x Shift
		var f, t int64
		err := s.Scan(&x.ID, &x.UserID, &x.UserName, &f, &t)
		x.From, x.To = tm(f), tm(t)
		return x, err
	}, `SELECT s.id, s.user_id, u.name, s.from_at, s.to_at FROM oncall_shifts s JOIN users u ON u.id = s.user_id
	 WHERE s.ente_id = ? AND s.to_at > ? AND s.from_at < ? ORDER BY s.from_at, s.id`, enteID, ms(from), ms(to))
}

// OnCall returns the active people on call at a moment.
func (db *DB) OnCall(ctx context.Context, enteID int64, at time.Time) ([]*redazione.User, error) {
	ids, err := ids(ctx, db.reader(), `SELECT DISTINCT s.user_id FROM oncall_shifts s JOIN users u ON u.id = s.user_id
	 WHERE s.ente_id = ? AND s.to_at > ? AND s.from_at <= ? AND u.disabled = false ORDER BY s.user_id`, enteID, ms(at), ms(at))
	if err != nil {
		return nil, fmt.Errorf("on call: %w", err)
	}
	var out []*redazione.User
	for _, id := range ids {
		u, err := db.User(ctx, enteID, id)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// Notify leaves a notification for each user (convID 0: about no single
// conversation).
func (db *DB) Notify(ctx context.Context, enteID, convID int64, text string, userIDs []int64) error {
	if len(userIDs) == 0 {
		return nil
	}
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		for _, u := range userIDs {
			if _, err := tx.exec(ctx, "INSERT INTO notifications (ente_id, user_id, conversation_id, text, created_at) VALUES (?, ?, ?, ?, ?)",
				enteID, u, convID, text, ms(now)); err != nil {
				return fmt.Errorf("notify: %w", err)
			}
		}
		return nil
	})
}

// SpikeRule is what counts as a spike: threshold citizens' messages within
// minutes.
type SpikeRule struct {
	Threshold, Minutes int
}

// SpikeRule returns the ente's spike rule.
func (db *DB) SpikeRule(ctx context.Context, enteID int64) (SpikeRule, error) {
	var r SpikeRule
	err := db.reader().row(ctx, "SELECT spike_threshold, spike_minutes FROM entes WHERE id = ?", enteID).Scan(&r.Threshold, &r.Minutes)
	return r, err
}

// SetSpikeRule sets the spike rule; administrators only.
func (db *DB) SetSpikeRule(ctx context.Context, a redazione.Actor, r SpikeRule) error {
	if !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "la soglia dei picchi la decidono gli amministratori")
	}
	if r.Threshold < 2 || r.Threshold > 100000 {
		return redazione.FieldError("threshold", "la soglia va da 2 a 100000 messaggi")
	}
	if r.Minutes < 5 || r.Minutes > 1440 {
		return redazione.FieldError("minutes", "la finestra va da 5 a 1440 minuti")
	}
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		if _, err := tx.exec(ctx, "UPDATE entes SET spike_threshold = ?, spike_minutes = ? WHERE id = ?", r.Threshold, r.Minutes, a.EnteID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "spike.set", Detail: fmt.Sprintf("%d in %d min", r.Threshold, r.Minutes)})
	})
}

// Coordinators returns the ids of the ente's active coordinators.
func (db *DB) Coordinators(ctx context.Context, enteID int64) ([]int64, error) {
	return ids(ctx, db.reader(), "SELECT id FROM users WHERE ente_id = ? AND role = ? AND disabled = false ORDER BY id", enteID, string(redazione.RoleCoordinator))
}

// SpikeRules returns every ente's spike rule, by ente id.
func (db *DB) SpikeRules(ctx context.Context) (map[int64]SpikeRule, error) {
	rows, err := db.reader().query(ctx, "SELECT id, spike_threshold, spike_minutes FROM entes ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("spike rules: %w", err)
	}
	defer rows.Close()
	out := map[int64]SpikeRule{}
	for rows.Next() {
		var id int64
		var r SpikeRule
		if err := rows.Scan(&id, &r.Threshold, &r.Minutes); err != nil {
			return nil, err
		}
		out[id] = r
	}
	return out, rows.Err()
}

// CitizenMessagesSince counts, up to limit, the messages citizens wrote to
// an ente privately (not public comments) since a time, whichever process
// received them: the spike alert's count. The index messages_inbound_at
// serves it (the literal 'in' lets both engines use that partial index), and
// the limit stops the count at the threshold.
func (db *DB) CitizenMessagesSince(ctx context.Context, enteID int64, since time.Time, limit int) (int, error) {
	var n int
	err := db.reader().row(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM messages m JOIN conversations c ON c.id = m.conversation_id
	 WHERE m.ente_id = ? AND m.direction = 'in' AND m.created_at > ? AND c.public = ? LIMIT ?) AS recent`,
		enteID, ms(since), false, limit).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count messages: %w", err)
	}
	return n, nil
}

// ClaimSpikeAlert records that the ente is alerted of a spike now, unless
// it was alerted within the window: of several processes checking together,
// one only gets true (a conditional update of the ente's row).
func (db *DB) ClaimSpikeAlert(ctx context.Context, enteID int64, now time.Time, window time.Duration) (bool, error) {
	res, err := conn{db: db, q: db.write}.exec(ctx, "UPDATE entes SET spike_alerted_at = ? WHERE id = ? AND spike_alerted_at <= ?",
		ms(now), enteID, ms(now.Add(-window)))
	if err != nil {
		return false, fmt.Errorf("spike alert: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
