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

// Ratings of a satisfaction survey, as the three faces.
const (
	RatingNegative   = 1
	RatingSufficient = 2
	RatingPositive   = 3
)

// Survey is the satisfaction question about one resolved conversation.
type Survey struct {
	ID             int64
	EnteID         int64
	ConversationID int64
	EnteName       string
	CreatedAt      time.Time
	AnsweredAt     time.Time
	Rating         int
	Comment        string
}

// SurveysEnabled reports whether the ente asks citizens for a rating.
func (db *DB) SurveysEnabled(ctx context.Context, enteID int64) (bool, error) {
	var on bool
	err := db.reader().row(ctx, "SELECT surveys FROM entes WHERE id = ?", enteID).Scan(&on)
	return on, err
}

// SetSurveysEnabled switches the satisfaction survey on or off.
func (db *DB) SetSurveysEnabled(ctx context.Context, a redazione.Actor, on bool) error {
	if !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "solo un amministratore può cambiare questa impostazione")
	}
	return db.inTx(ctx, func(tx conn) error {
		if _, err := tx.exec(ctx, "UPDATE entes SET surveys = ? WHERE id = ?", on, a.EnteID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "surveys.set", Detail: fmt.Sprint(on)})
	})
}

// CreateSurvey opens the survey of a resolved conversation, with the hash of
// the citizen's token. It reports false, and creates nothing, when the
// conversation is public, not resolved, already has a survey, or the ente
// switched surveys off.
func (db *DB) CreateSurvey(ctx context.Context, a redazione.Actor, convID int64, tokenHash string) (bool, error) {
	c, err := db.Conversation(ctx, a, convID)
	if err != nil {
		return false, err
	}
	on, err := db.SurveysEnabled(ctx, a.EnteID)
	if err != nil || !on || c.Public || c.Status != redazione.StatusResolved {
		return false, err
	}
	var created bool
	err = db.inTx(ctx, func(tx conn) error {
		var n int
		if err := tx.row(ctx, "SELECT COUNT(*) FROM surveys WHERE conversation_id = ?", convID).Scan(&n); err != nil || n > 0 {
			return err
		}
		if _, err := tx.exec(ctx, "INSERT INTO surveys (ente_id, conversation_id, token_hash, created_at) VALUES (?, ?, ?, ?)",
			a.EnteID, convID, tokenHash, ms(db.now())); err != nil {
			return fmt.Errorf("survey: %w", err)
		}
		created = true
		return nil
	})
	return created, err
}

// SurveyByToken finds a survey by the hash of its token.
func (db *DB) SurveyByToken(ctx context.Context, tokenHash string) (*Survey, error) {
	var s Survey
	var created, answered int64
	err := db.reader().row(ctx, `SELECT s.id, s.ente_id, s.conversation_id, e.name, s.created_at, s.answered_at, s.rating, s.comment
	 FROM surveys s JOIN entes e ON e.id = s.ente_id WHERE s.token_hash = ?`, tokenHash).
		Scan(&s.ID, &s.EnteID, &s.ConversationID, &s.EnteName, &created, &answered, &s.Rating, &s.Comment)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("questionario")
	}
	if err != nil {
		return nil, err
	}
	s.CreatedAt, s.AnsweredAt = tm(created), tm(answered)
	return &s, nil
}

// AnswerSurvey records the citizen's rating, once.
func (db *DB) AnswerSurvey(ctx context.Context, tokenHash string, rating int, comment string) error {
	if rating < RatingNegative || rating > RatingPositive {
		return redazione.FieldError("rating", "scegli una delle tre facce")
	}
	comment = strings.TrimSpace(comment)
	if !utf8.ValidString(comment) || strings.ContainsRune(comment, 0) || utf8.RuneCountInString(comment) > 1000 {
		return redazione.FieldError("comment", "il commento supera 1000 caratteri o contiene caratteri non ammessi")
	}
	r, err := conn{db: db, q: db.write}.exec(ctx, "UPDATE surveys SET rating = ?, comment = ?, answered_at = ? WHERE token_hash = ? AND answered_at = 0",
		rating, comment, ms(db.now()), tokenHash)
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n == 0 {
		if _, err := db.SurveyByToken(ctx, tokenHash); err != nil {
			return err
		}
		return redazione.Errorf(redazione.ECONFLICT, "la valutazione è già stata registrata: grazie")
	}
	return nil
}

// DropSurvey removes a survey nobody was told about (its link could not be
// sent), so that the next resolution asks again.
func (db *DB) DropSurvey(ctx context.Context, tokenHash string) error {
	_, err := conn{db: db, q: db.write}.exec(ctx, "DELETE FROM surveys WHERE token_hash = ? AND answered_at = 0", tokenHash)
	return err
}
