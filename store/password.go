package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/redazione/redazione"
)

// PasswordResetTTL is how long a link to set a new password works.
const PasswordResetTTL = 24 * time.Hour

// ChangePassword stores a new password hash for u, chosen by u (who gave
// the current one), clears the count of failed sign-ins and ends u's
// other sessions: every one but keepSession (the hash of the token of the
// session making the change).
func (db *DB) ChangePassword(ctx context.Context, u *redazione.User, hash, keepSession string) error {
	return db.inTx(ctx, func(tx conn) error {
		if err := tx.execOne(ctx, "utente", "UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = 0 WHERE id = ? AND ente_id = ?", hash, u.ID, u.EnteID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?", u.ID, keepSession); err != nil {
			return err
		}
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: u.EnteID, ActorID: u.ID, Action: "user.password.change", Target: u.Email})
	})
}

// CreatePasswordReset stores a one-time link for a user of the actor's
// ente to set a new password, known by the hash of its token; it works for
// PasswordResetTTL and replaces any earlier link of the user. It returns
// the user and when the link expires.
func (db *DB) CreatePasswordReset(ctx context.Context, a redazione.Actor, userID int64, tokenHash string) (*redazione.User, time.Time, error) {
	if !a.CanAdmin() {
		return nil, time.Time{}, redazione.Errorf(redazione.EFORBIDDEN, "solo un amministratore può reimpostare la password di un altro utente")
	}
	u, err := db.User(ctx, a.EnteID, userID)
	if err != nil {
		return nil, time.Time{}, err
	}
	now := db.now()
	expires := now.Add(PasswordResetTTL)
	err = db.inTx(ctx, func(tx conn) error {
		if _, err := tx.exec(ctx, "DELETE FROM password_resets WHERE user_id = ?", u.ID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "INSERT INTO password_resets (token_hash, user_id, ente_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
			tokenHash, u.ID, u.EnteID, a.UserID, ms(now), ms(expires)); err != nil {
			return fmt.Errorf("create password reset: %w", err)
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "user.password.link", Target: u.Email})
	})
	if err != nil {
		return nil, time.Time{}, err
	}
	return u, expires, nil
}

func invalidReset() error {
	return redazione.Errorf(redazione.ENOTFOUND, "il link per reimpostare la password non è valido, è già stato usato o è scaduto: chiedine un altro all'amministratore")
}

// PasswordResetUser returns the user of a link to set a new password that
// still works.
func (db *DB) PasswordResetUser(ctx context.Context, tokenHash string) (*redazione.User, error) {
	var uid, eid int64
	err := db.reader().row(ctx, "SELECT user_id, ente_id FROM password_resets WHERE token_hash = ? AND expires_at > ?", tokenHash, ms(db.now())).Scan(&uid, &eid)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, invalidReset()
	}
	if err != nil {
		return nil, fmt.Errorf("password reset: %w", err)
	}
	return db.User(ctx, eid, uid)
}

// ResetPassword uses a link to set a new password: once, before it
// expires. It stores the hash, clears the count of failed sign-ins and
// ends every session of the user.
func (db *DB) ResetPassword(ctx context.Context, tokenHash, hash string) (*redazione.User, error) {
	now := db.now()
	var uid, eid int64
	err := db.inTx(ctx, func(tx conn) error {
		err := tx.row(ctx, "DELETE FROM password_resets WHERE token_hash = ? AND expires_at > ? RETURNING user_id, ente_id", tokenHash, ms(now)).Scan(&uid, &eid)
		if errors.Is(err, sql.ErrNoRows) {
			return invalidReset()
		}
		if err != nil {
			return err
		}
		if err := tx.execOne(ctx, "utente", "UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = 0 WHERE id = ? AND ente_id = ?", hash, uid, eid); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "DELETE FROM sessions WHERE user_id = ?", uid); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: eid, ActorID: uid, Action: "user.password.reset", Target: fmt.Sprint(uid)})
	})
	if err != nil {
		return nil, err
	}
	return db.User(ctx, eid, uid)
}
