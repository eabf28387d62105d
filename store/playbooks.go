package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redazione/redazione"
)

// Playbook is what to do in a delicate situation.
type Playbook struct {
	Situation string
	Steps     string // the steps to follow
	Alert     string // whom to alert
	UpdatedAt time.Time
}

// Playbooks returns the ente's playbooks by situation.
func (db *DB) Playbooks(ctx context.Context, enteID int64) (map[string]Playbook, error) {
	rows, err := db.reader().query(ctx, "SELECT situation, steps, alert, updated_at FROM playbooks WHERE ente_id = ?", enteID)
	if err != nil {
		return nil, fmt.Errorf("playbooks: %w", err)
	}
	defer rows.Close()
	out := map[string]Playbook{}
	for rows.Next() {
		var p Playbook
		var at int64
		if err := rows.Scan(&p.Situation, &p.Steps, &p.Alert, &at); err != nil {
			return nil, err
		}
		p.UpdatedAt = tm(at)
		out[p.Situation] = p
	}
	return out, rows.Err()
}

// SavePlaybook writes (or, with empty steps, removes) the playbook of a
// situation; coordinators and administrators only.
func (db *DB) SavePlaybook(ctx context.Context, a redazione.Actor, p Playbook) error {
	if !canEditAnswers(a) {
		return redazione.Errorf(redazione.EFORBIDDEN, "le linee guida le scrivono coordinatori e amministratori")
	}
	if !slices.Contains(redazione.Situations, p.Situation) {
		return redazione.FieldError("situation", "situazione sconosciuta")
	}
	p.Steps, p.Alert = strings.TrimSpace(p.Steps), strings.TrimSpace(p.Alert)
	if utf8.RuneCountInString(p.Steps) > 8000 || utf8.RuneCountInString(p.Alert) > 1000 || strings.ContainsRune(p.Steps+p.Alert, 0) {
		return redazione.FieldError("steps", "testo troppo lungo o con caratteri non ammessi")
	}
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		if _, err := tx.exec(ctx, "DELETE FROM playbooks WHERE ente_id = ? AND situation = ?", a.EnteID, p.Situation); err != nil {
			return err
		}
		if p.Steps != "" {
			if _, err := tx.exec(ctx, "INSERT INTO playbooks (ente_id, situation, steps, alert, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
				a.EnteID, p.Situation, p.Steps, p.Alert, a.UserID, ms(now)); err != nil {
				return err
			}
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "playbook.update", Target: p.Situation})
	})
}

// MarkSituation flags a conversation with a situation an operator
// recognised (a complaint, a journalist asking...).
func (db *DB) MarkSituation(ctx context.Context, a redazione.Actor, convID int64, situation string) error {
	if !a.CanWrite() {
		return redazione.Errorf(redazione.EFORBIDDEN, "il ruolo di analista è di sola lettura")
	}
	if !slices.Contains(redazione.ManualSituations, situation) {
		return redazione.FieldError("situation", "situazione sconosciuta")
	}
	if _, err := db.Conversation(ctx, a, convID); err != nil {
		return err
	}
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		var n int
		if err := tx.row(ctx, "SELECT COUNT(*) FROM conversation_flags WHERE conversation_id = ? AND kind = ? AND cleared_at = 0", convID, situation).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		detail, _ := json.Marshal([]Mark{})
		if _, err := tx.exec(ctx, "INSERT INTO conversation_flags (ente_id, conversation_id, kind, reason, detail, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			a.EnteID, convID, situation, "segnalato da un operatore", string(detail), ms(now)); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "flag.mark", Target: fmt.Sprint(convID), Detail: situation})
	})
}

// Situation returns the situation a flag calls for: its kind, or for an
// urgent flag the kind of danger found first.
func (f Flag) Situation() string {
	if f.Kind == FlagUrgent {
		if len(f.Marks) > 0 {
			return f.Marks[0].Kind
		}
		return "emergency"
	}
	return f.Kind
}
