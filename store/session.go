package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/redazione/redazione"
)

// SessionTTL is how long a login lasts.
const SessionTTL = 12 * time.Hour

// CreateSession stores a session under the hash of its token, with the
// token that its forms must send back (CSRF).
func (db *DB) CreateSession(ctx context.Context, u *redazione.User, tokenHash, csrf string) error {
	now := db.now()
	_, err := conn{db: db, q: db.write}.exec(ctx, "INSERT INTO sessions (token_hash, user_id, ente_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
		tokenHash, u.ID, u.EnteID, csrf, ms(now), ms(now.Add(SessionTTL)))
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// SessionUser returns the user of a live session and its CSRF token.
func (db *DB) SessionUser(ctx context.Context, tokenHash string) (*redazione.User, string, error) {
	var csrf string
	if err := db.reader().row(ctx, "SELECT csrf_token FROM sessions WHERE token_hash = ?", tokenHash).Scan(&csrf); err != nil {
		return nil, "", redazione.Errorf(redazione.EUNAUTHORIZED, "accesso scaduto o non valido")
	}
	u, err := db.userByToken(ctx, "SELECT user_id, ente_id FROM sessions WHERE token_hash = ? AND expires_at > ?", tokenHash, ms(db.now()))
	return u, csrf, err
}

// DeleteSession ends a session (logout).
func (db *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := conn{db: db, q: db.write}.exec(ctx, "DELETE FROM sessions WHERE token_hash = ?", tokenHash)
	return err
}

// CreateAPIToken stores a personal API token of a user.
func (db *DB) CreateAPIToken(ctx context.Context, u *redazione.User, tokenHash, name string) error {
	return db.inTx(ctx, func(tx conn) error {
		if _, err := tx.exec(ctx, "INSERT INTO api_tokens (token_hash, user_id, ente_id, name, created_at) VALUES (?, ?, ?, ?, ?)",
			tokenHash, u.ID, u.EnteID, name, ms(db.now())); err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: u.EnteID, ActorID: u.ID, Action: "token.create", Target: u.Email, Detail: name})
	})
}

// TokenUser returns the user of an API token.
func (db *DB) TokenUser(ctx context.Context, tokenHash string) (*redazione.User, error) {
	return db.userByToken(ctx, "SELECT user_id, ente_id FROM api_tokens WHERE token_hash = ? AND ? > 0", tokenHash, 1)
}

func (db *DB) userByToken(ctx context.Context, q string, args ...any) (*redazione.User, error) {
	var uid, eid int64
	err := db.reader().row(ctx, q, args...).Scan(&uid, &eid)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, redazione.Errorf(redazione.EUNAUTHORIZED, "accesso scaduto o non valido")
	}
	if err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	u, err := db.User(ctx, eid, uid)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, redazione.Errorf(redazione.EUNAUTHORIZED, "utente disattivato")
	}
	return u, nil
}
