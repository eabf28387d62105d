package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
)

// appendAudit adds one entry to the append-only audit trail, inside the
// transaction of the change it records, chained to the ente's last entry
// (redazione.AuditHash). lockAudit keeps two transactions of one ente from
// chaining to the same entry; the last entry is found by the index on
// (ente_id, id).
func appendAudit(ctx context.Context, tx conn, now time.Time, e redazione.AuditEntry) error {
	if err := tx.db.d.lockAudit(ctx, tx, e.EnteID); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	prev := redazione.AuditGenesis
	err := tx.row(ctx, "SELECT hash FROM audit_log WHERE ente_id = ? ORDER BY id DESC LIMIT 1", e.EnteID).Scan(&prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("audit: %w", err)
	}
	e.At = tm(ms(now))
	_, err = tx.exec(ctx, "INSERT INTO audit_log (ente_id, actor_id, action, target, detail, at, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		e.EnteID, e.ActorID, e.Action, e.Target, e.Detail, ms(e.At), prev, redazione.AuditHash(prev, e))
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
	out, err := queryAll(ctx, db.reader(), scanAudit,
		"SELECT "+auditColumns+" FROM audit_log WHERE ente_id = ? ORDER BY id DESC LIMIT ?", a.EnteID, limit)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return out, nil
}

const auditColumns = "id, ente_id, actor_id, action, target, detail, at, prev_hash, hash"

func scanAudit(s scanner) (redazione.AuditEntry, error) {
	var e redazione.AuditEntry
	var at int64
	err := s.Scan(&e.ID, &e.EnteID, &e.ActorID, &e.Action, &e.Target, &e.Detail, &at, &e.PrevHash, &e.Hash)
	e.At = tm(at)
	return e, err
}

// auditPage is how many entries walkAudit reads at a time.
const auditPage = 1000

// walkAudit calls fn with each entry of the ente's audit trail, in the
// order of the chain (id), reading a page at a time so that a long trail
// is never held whole.
func walkAudit(ctx context.Context, c conn, enteID int64, fn func(e redazione.AuditEntry)) error {
	after := int64(0)
	for {
		page, err := queryAll(ctx, c, scanAudit,
			"SELECT "+auditColumns+" FROM audit_log WHERE ente_id = ? AND id > ? ORDER BY id LIMIT ?", enteID, after, auditPage)
		if err != nil {
			return fmt.Errorf("audit log: %w", err)
		}
		for _, e := range page {
			fn(e)
		}
		if len(page) < auditPage {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

// VerifyAudit walks the ente's audit trail in order and checks its chain:
// total is the number of entries, firstBroken the id of the first entry
// that does not chain (0 when the chain is whole). An entry added outside
// the application has a prev_hash or a hash that does not match; a changed
// one, a hash that does not match its fields; a removed one leaves the next
// entry's prev_hash pointing at nothing. Removing the newest entries shows
// only against a hash kept elsewhere (AuditAnchors).
func (db *DB) VerifyAudit(ctx context.Context, enteID int64) (total int, firstBroken int64, err error) {
	prev := redazione.AuditGenesis
	err = walkAudit(ctx, db.reader(), enteID, func(e redazione.AuditEntry) {
		total++
		if firstBroken == 0 && (e.PrevHash != prev || redazione.AuditHash(prev, e) != e.Hash) {
			firstBroken = e.ID
		}
		prev = e.Hash
	})
	if err != nil {
		return 0, 0, err
	}
	return total, firstBroken, nil
}

// AuditAnchor is the last entry of a day of an ente's audit trail: its
// hash, kept outside the database, shows a later rewriting of the chain up
// to it.
type AuditAnchor struct {
	Day  string // YYYY-MM-DD, Europe/Rome
	ID   int64
	At   time.Time
	Hash string
}

// AuditAnchors returns the last entry of each day (Europe/Rome) of the
// ente's audit trail, oldest first.
func (db *DB) AuditAnchors(ctx context.Context, enteID int64) ([]AuditAnchor, error) {
	var out []AuditAnchor
	err := walkAudit(ctx, db.reader(), enteID, func(e redazione.AuditEntry) {
		day := e.At.In(calendar.Rome).Format(time.DateOnly)
		a := AuditAnchor{Day: day, ID: e.ID, At: e.At, Hash: e.Hash}
		if n := len(out); n > 0 && out[n-1].Day == day {
			out[n-1] = a
		} else {
			out = append(out, a)
		}
	})
	return out, err
}

// AuditHead returns the ente's last audit entry written before the time
// given (its Day in Europe/Rome); ID is 0 when there is none.
func (db *DB) AuditHead(ctx context.Context, enteID int64, before time.Time) (AuditAnchor, error) {
	var a AuditAnchor
	var at int64
	err := db.reader().row(ctx, "SELECT id, at, hash FROM audit_log WHERE ente_id = ? AND at < ? ORDER BY id DESC LIMIT 1",
		enteID, ms(before)).Scan(&a.ID, &at, &a.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return AuditAnchor{}, nil
	}
	if err != nil {
		return AuditAnchor{}, fmt.Errorf("audit head: %w", err)
	}
	a.At = tm(at)
	a.Day = a.At.In(calendar.Rome).Format(time.DateOnly)
	return a, nil
}

// goMigrations are the migrations written in Go, beside the SQL files.
func goMigrations(d dialect) []*goose.Migration {
	return []*goose.Migration{
		goose.NewGoMigration(32,
			&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
				return chainAudit(ctx, conn{db: &DB{d: d}, q: tx})
			}},
			nil), // 00031 down drops the columns
	}
}

// chainAudit fills the hash chain of the audit entries written before it
// existed (migration 00032, between 00031, which adds the columns and lifts
// the no-update trigger, and 00033, which puts it back). It runs once, so
// an entry added later without a hash is never chained by it.
func chainAudit(ctx context.Context, c conn) error {
	prev := map[int64]string{} // ente → hash of its last entry
	after := int64(0)
	for {
		page, err := queryAll(ctx, c, scanAudit,
			"SELECT "+auditColumns+" FROM audit_log WHERE id > ? ORDER BY id LIMIT ?", after, auditPage)
		if err != nil {
			return fmt.Errorf("chain the audit log: %w", err)
		}
		for _, e := range page {
			p := prev[e.EnteID]
			h := redazione.AuditHash(p, e)
			if _, err := c.exec(ctx, "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", p, h, e.ID); err != nil {
				return fmt.Errorf("chain the audit log: %w", err)
			}
			prev[e.EnteID] = h
		}
		if len(page) < auditPage {
			return nil
		}
		after = page[len(page)-1].ID
	}
}
