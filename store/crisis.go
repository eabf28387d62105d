package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redazione/redazione"
)

// Crisis mode (a flood, a fire, an event on a holiday): the office stops
// every scheduled post at once, so that nothing cheerful goes out in the
// middle of an emergency, and publishes the holding statements its
// coordinators approved in advance.

// Crisis is an ente's crisis mode, when on.
type Crisis struct {
	Since  time.Time
	Reason string
	ByName string
}

// Crisis returns the ente's crisis mode, or nil when it is off.
func (db *DB) Crisis(ctx context.Context, enteID int64) (*Crisis, error) {
	var c Crisis
	var since int64
	err := db.reader().row(ctx, `SELECT e.crisis_since, e.crisis_reason, COALESCE(u.name, '') FROM entes e LEFT JOIN users u ON u.id = e.crisis_by
	 WHERE e.id = ?`, enteID).Scan(&since, &c.Reason, &c.ByName)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("ente")
	}
	if err != nil {
		return nil, fmt.Errorf("crisis: %w", err)
	}
	if since == 0 {
		return nil, nil
	}
	c.Since = tm(since)
	return &c, nil
}

func canLeadCrisis(a redazione.Actor) bool {
	return a.Role == redazione.RoleAdmin || a.Role == redazione.RoleCoordinator
}

// SetCrisis turns crisis mode on (with its reason) or off; coordinators and
// administrators only. It is recorded in the audit trail and in the
// publication log.
func (db *DB) SetCrisis(ctx context.Context, a redazione.Actor, on bool, reason string) error {
	if !canLeadCrisis(a) {
		return redazione.Errorf(redazione.EFORBIDDEN, "la modalità crisi la attivano coordinatori e amministratori")
	}
	reason = strings.TrimSpace(reason)
	if on && reason == "" {
		return redazione.FieldError("reason", "scrivi che cosa sta succedendo: lo leggono i colleghi")
	}
	if utf8.RuneCountInString(reason) > 500 || strings.ContainsRune(reason, 0) {
		return redazione.FieldError("reason", "motivo troppo lungo (massimo 500 caratteri)")
	}
	now := db.now()
	return db.inPublicationTx(ctx, func(tx conn) error {
		var err error
		action := "crisis.on"
		if on {
			err = tx.execOne(ctx, "ente non in crisi", "UPDATE entes SET crisis_since = ?, crisis_reason = ?, crisis_by = ? WHERE id = ? AND crisis_since = 0",
				ms(now), reason, a.UserID, a.EnteID)
		} else {
			action = "crisis.off"
			err = tx.execOne(ctx, "ente in crisi", "UPDATE entes SET crisis_since = 0, crisis_reason = '', crisis_by = 0 WHERE id = ? AND crisis_since <> 0", a.EnteID)
		}
		if redazione.ErrorCode(err) == redazione.ENOTFOUND {
			return redazione.Errorf(redazione.ECONFLICT, "la modalità crisi è già %s", map[bool]string{true: "attiva", false: "spenta"}[on])
		}
		if err != nil {
			return err
		}
		if err := appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: action, Detail: reason}); err != nil {
			return err
		}
		return appendPublication(ctx, tx, a.EnteID, 0, action, a.UserID, now, reason)
	})
}

// HoldingStatement is a text approved in advance for a crisis.
type HoldingStatement struct {
	ID         int64
	Title      string
	Text       string
	ApprovedBy string
	ApprovedAt time.Time
}

// HoldingStatements lists the ente's holding statements.
func (db *DB) HoldingStatements(ctx context.Context, enteID int64) ([]HoldingStatement, error) {
	out, err := queryAll(ctx, db.reader(), func(s scanner) (HoldingStatement, error) {
		var h HoldingStatement
		var at int64
		err := s.Scan(&h.ID, &h.Title, &h.Text, &h.ApprovedBy, &at)
		h.ApprovedAt = tm(at)
		return h, err
	}, `SELECT h.id, h.title, h.text, COALESCE(u.name, ''), h.approved_at FROM holding_statements h LEFT JOIN users u ON u.id = h.approved_by
	 WHERE h.ente_id = ? ORDER BY h.title, h.id`, enteID)
	if err != nil {
		return nil, fmt.Errorf("holding statements: %w", err)
	}
	return out, nil
}

func (db *DB) holdingStatement(ctx context.Context, enteID, id int64) (*HoldingStatement, error) {
	var h HoldingStatement
	err := db.reader().row(ctx, "SELECT id, title, text FROM holding_statements WHERE id = ? AND ente_id = ?", id, enteID).Scan(&h.ID, &h.Title, &h.Text)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("dichiarazione")
	}
	return &h, err
}

// HoldingStatement returns one of the ente's holding statements.
func (db *DB) HoldingStatement(ctx context.Context, a redazione.Actor, id int64) (*HoldingStatement, error) {
	return db.holdingStatement(ctx, a.EnteID, id)
}

// SaveHoldingStatement writes (ID 0: adds) a holding statement. Who writes
// it approves it: coordinators and administrators only.
func (db *DB) SaveHoldingStatement(ctx context.Context, a redazione.Actor, h *HoldingStatement) error {
	if !canLeadCrisis(a) {
		return redazione.Errorf(redazione.EFORBIDDEN, "le dichiarazioni per le crisi le approvano coordinatori e amministratori")
	}
	h.Title, h.Text = strings.TrimSpace(h.Title), strings.TrimSpace(h.Text)
	if h.Title == "" || utf8.RuneCountInString(h.Title) > 100 {
		return redazione.FieldError("title", "dai un titolo alla dichiarazione (massimo 100 caratteri)")
	}
	if h.Text == "" || utf8.RuneCountInString(h.Text) > 4000 || strings.ContainsRune(h.Text, 0) {
		return redazione.FieldError("text", "scrivi il testo della dichiarazione (massimo 4000 caratteri)")
	}
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		var err error
		if h.ID == 0 {
			h.ID, err = tx.insert(ctx, "INSERT INTO holding_statements (ente_id, title, text, approved_by, approved_at) VALUES (?, ?, ?, ?, ?)",
				a.EnteID, h.Title, h.Text, a.UserID, ms(now))
		} else {
			err = tx.execOne(ctx, "dichiarazione", "UPDATE holding_statements SET title = ?, text = ?, approved_by = ?, approved_at = ? WHERE id = ? AND ente_id = ?",
				h.Title, h.Text, a.UserID, ms(now), h.ID, a.EnteID)
		}
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "holding.save", Target: h.Title})
	})
}
