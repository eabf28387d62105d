package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redazione/redazione"
)

// appendAudit adds one entry to the append-only audit trail, inside the
// transaction of the change it records.
func appendAudit(ctx context.Context, tx conn, now time.Time, e redazione.AuditEntry) error {
	_, err := tx.exec(ctx, "INSERT INTO audit_log (ente_id, actor_id, action, target, detail, at) VALUES (?, ?, ?, ?, ?, ?)",
		e.EnteID, e.ActorID, e.Action, e.Target, e.Detail, ms(now))
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// Audit records an event that changes no other table (a login, a failed login).
func (db *DB) Audit(ctx context.Context, e redazione.AuditEntry) error {
	return db.inTx(ctx, func(tx conn) error { return appendAudit(ctx, tx, db.now(), e) })
}

// AuditLog lists the newest entries of the actor's ente.
func (db *DB) AuditLog(ctx context.Context, a redazione.Actor, limit int) ([]redazione.AuditEntry, error) {
	if !a.CanAdmin() && a.Role != redazione.RoleCoordinator {
		return nil, redazione.Errorf(redazione.EFORBIDDEN, "non puoi leggere il registro delle attività")
	}
	rows, err := db.reader().query(ctx, "SELECT id, ente_id, actor_id, action, target, detail, at FROM audit_log WHERE ente_id = ? ORDER BY id DESC LIMIT ?", a.EnteID, limit)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	defer rows.Close()
	var out []redazione.AuditEntry
	for rows.Next() {
		var e redazione.AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &e.EnteID, &e.ActorID, &e.Action, &e.Target, &e.Detail, &at); err != nil {
			return nil, err
		}
		e.At = tm(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
