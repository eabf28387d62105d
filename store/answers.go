package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redazione/redazione"
)

// CannedAnswer is a ready answer of the office (risposta predefinita).
type CannedAnswer struct {
	ID     int64
	EnteID int64
	DeskID int64 // 0: every desk
	Title  string
	Body   string // may hold variables such as {nome}; see web.fillAnswer
	Uses   int64
}

// MaxAnswerRunes bounds a canned answer's text.
const MaxAnswerRunes = 4000

// CannedAnswers lists the answers the actor may use on a desk (deskID 0:
// on any of theirs), those matching q first by title then by text, the most
// used first.
func (db *DB) CannedAnswers(ctx context.Context, a redazione.Actor, deskID int64, q string, limit int) ([]CannedAnswer, error) {
	if limit <= 0 || limit > 200 {
		limit = 200
	}
	where := " WHERE ente_id = ?"
	args := []any{a.EnteID}
	if deskID != 0 {
		where += " AND desk_id IN (0, ?)"
		args = append(args, deskID)
	} else if !a.SeesAllDesks() {
		ids := append([]int64{0}, a.DeskIDs...)
		where += " AND desk_id IN (" + placeholders(len(ids)) + ")"
		for _, id := range ids {
			args = append(args, id)
		}
	}
	q = strings.ToLower(strings.TrimSpace(q))
	order := " ORDER BY uses DESC, title"
	if q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%"
		where += ` AND (LOWER(title) LIKE ? ESCAPE '\' OR LOWER(body) LIKE ? ESCAPE '\')`
		args = append(args, like, like)
		order = ` ORDER BY CASE WHEN LOWER(title) LIKE ? ESCAPE '\' THEN 0 ELSE 1 END, uses DESC, title`
		args = append(args, like)
	}
	args = append(args, limit)
	rows, err := db.reader().query(ctx, "SELECT id, ente_id, desk_id, title, body, uses FROM canned_answers"+where+order+" LIMIT ?", args...)
	if err != nil {
		return nil, fmt.Errorf("canned answers: %w", err)
	}
	defer rows.Close()
	var out []CannedAnswer
	for rows.Next() {
		var c CannedAnswer
		if err := rows.Scan(&c.ID, &c.EnteID, &c.DeskID, &c.Title, &c.Body, &c.Uses); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CannedAnswer returns one answer the actor may use.
func (db *DB) CannedAnswer(ctx context.Context, a redazione.Actor, id int64) (*CannedAnswer, error) {
	var c CannedAnswer
	err := db.reader().row(ctx, "SELECT id, ente_id, desk_id, title, body, uses FROM canned_answers WHERE id = ? AND ente_id = ?", id, a.EnteID).
		Scan(&c.ID, &c.EnteID, &c.DeskID, &c.Title, &c.Body, &c.Uses)
	if err != nil || (c.DeskID != 0 && !a.CanSeeDesk(c.DeskID)) {
		return nil, notFound("risposta predefinita")
	}
	return &c, nil
}

// canEditAnswers: coordinators and administrators keep the answers.
func canEditAnswers(a redazione.Actor) bool {
	return a.Role == redazione.RoleAdmin || a.Role == redazione.RoleCoordinator
}

// SaveCannedAnswer creates (ID 0) or updates an answer.
func (db *DB) SaveCannedAnswer(ctx context.Context, a redazione.Actor, c *CannedAnswer) error {
	if !canEditAnswers(a) {
		return redazione.Errorf(redazione.EFORBIDDEN, "le risposte predefinite le scrivono coordinatori e amministratori")
	}
	c.Title, c.Body = strings.TrimSpace(c.Title), strings.TrimSpace(c.Body)
	switch {
	case c.Title == "":
		return redazione.FieldError("title", "il titolo è obbligatorio")
	case utf8.RuneCountInString(c.Title) > 120:
		return redazione.FieldError("title", "il titolo supera 120 caratteri")
	case c.Body == "":
		return redazione.FieldError("body", "il testo è obbligatorio")
	case !utf8.ValidString(c.Title+c.Body) || strings.ContainsRune(c.Title+c.Body, 0):
		return redazione.FieldError("body", "il testo contiene caratteri non ammessi")
	case utf8.RuneCountInString(c.Body) > MaxAnswerRunes:
		return redazione.FieldError("body", "il testo supera %d caratteri", MaxAnswerRunes)
	}
	now := ms(db.now())
	return db.inTx(ctx, func(tx conn) error {
		if c.DeskID != 0 {
			var n int
			if err := tx.row(ctx, "SELECT COUNT(*) FROM desks WHERE id = ? AND ente_id = ?", c.DeskID, a.EnteID).Scan(&n); err != nil || n == 0 {
				return redazione.FieldError("desk", "desk inesistente")
			}
		}
		action := "answer.update"
		if c.ID == 0 {
			id, err := tx.insert(ctx, "INSERT INTO canned_answers (ente_id, desk_id, title, body, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
				a.EnteID, c.DeskID, c.Title, c.Body, a.UserID, now)
			if err != nil {
				return err
			}
			c.ID, action = id, "answer.create"
		} else {
			if err := tx.execOne(ctx, "risposta predefinita", "UPDATE canned_answers SET desk_id = ?, title = ?, body = ?, updated_by = ?, updated_at = ? WHERE id = ? AND ente_id = ?",
				c.DeskID, c.Title, c.Body, a.UserID, now, c.ID, a.EnteID); err != nil {
				return err
			}
		}
		c.EnteID = a.EnteID
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: action, Target: fmt.Sprint(c.ID), Detail: c.Title})
	})
}

// DeleteCannedAnswer removes an answer.
func (db *DB) DeleteCannedAnswer(ctx context.Context, a redazione.Actor, id int64) error {
	if !canEditAnswers(a) {
		return redazione.Errorf(redazione.EFORBIDDEN, "le risposte predefinite le scrivono coordinatori e amministratori")
	}
	return db.inTx(ctx, func(tx conn) error {
		if err := tx.execOne(ctx, "risposta predefinita", "DELETE FROM canned_answers WHERE id = ? AND ente_id = ?", id, a.EnteID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "answer.delete", Target: fmt.Sprint(id)})
	})
}

// TypicalReplyLength is the median length, in characters, of the ente's
// last 200 replies (0 when there are fewer than 10): what "far longer than
// usual" is measured against. It is read again at most every
// typicalLenTTL per ente and process: every page of a conversation shows
// it, and reading 200 replies is a tenth of that page's time at a million
// conversations on PostgreSQL, for a hint that moves slowly.
func (db *DB) TypicalReplyLength(ctx context.Context, enteID int64) (int, error) {
	now := db.now()
	if v, ok := db.typicalLen.Load(enteID); ok && now.Sub(v.(cachedLen).at) < typicalLenTTL {
		return v.(cachedLen).n, nil
	}
	n, err := db.typicalReplyLength(ctx, enteID)
	if err == nil {
		db.typicalLen.Store(enteID, cachedLen{n, now})
	}
	return n, err
}

// typicalLenTTL is how long a typical reply length is kept.
const typicalLenTTL = 10 * time.Minute

type cachedLen struct {
	n  int
	at time.Time
}

func (db *DB) typicalReplyLength(ctx context.Context, enteID int64) (int, error) {
	rows, err := db.reader().query(ctx, "SELECT text FROM messages WHERE ente_id = ? AND direction = 'out' ORDER BY id DESC LIMIT 200", enteID)
	if err != nil {
		return 0, fmt.Errorf("reply lengths: %w", err)
	}
	defer rows.Close()
	var lens []int
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return 0, err
		}
		lens = append(lens, utf8.RuneCountInString(t))
	}
	if err := rows.Err(); err != nil || len(lens) < 10 {
		return 0, err
	}
	slices.Sort(lens)
	return lens[len(lens)/2], nil
}
