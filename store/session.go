package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redazione/redazione"
)

// SessionTTL is how long a login lasts.
const SessionTTL = 12 * time.Hour

// CreateSession stores a session under the hash of its token, with the
// token that its forms must send back (CSRF).
func (db *DB) CreateSession(ctx context.Context, u *redazione.User, tokenHash, csrf string) error {
	return db.CreateScopedSession(ctx, u, tokenHash, csrf, "")
}

// CreateScopedSession stores a session with a scope: "" reaches
// everything, SessionScopeEnrol only the enrolment of a second factor.
func (db *DB) CreateScopedSession(ctx context.Context, u *redazione.User, tokenHash, csrf, scope string) error {
	now := db.now()
	_, err := conn{db: db, q: db.write}.exec(ctx, "INSERT INTO sessions (token_hash, user_id, ente_id, csrf_token, created_at, expires_at, scope) VALUES (?, ?, ?, ?, ?, ?, ?)",
		tokenHash, u.ID, u.EnteID, csrf, ms(now), ms(now.Add(SessionTTL)), scope)
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// SessionUser returns the user of a live session and its CSRF token.
func (db *DB) SessionUser(ctx context.Context, tokenHash string) (*redazione.User, string, error) {
	u, csrf, _, err := db.SessionUserScope(ctx, tokenHash)
	return u, csrf, err
}

// SessionUserScope returns the user of a live session, its CSRF token and
// its scope ("" or SessionScopeEnrol).
func (db *DB) SessionUserScope(ctx context.Context, tokenHash string) (*redazione.User, string, string, error) {
	var csrf, scope string
	if err := db.reader().row(ctx, "SELECT csrf_token, scope FROM sessions WHERE token_hash = ?", tokenHash).Scan(&csrf, &scope); err != nil {
		return nil, "", "", redazione.Errorf(redazione.EUNAUTHORIZED, "accesso scaduto o non valido")
	}
	u, err := db.userByToken(ctx, "SELECT user_id, ente_id FROM sessions WHERE token_hash = ? AND expires_at > ?", tokenHash, ms(db.now()))
	return u, csrf, scope, err
}

// DeleteSession ends a session (logout).
func (db *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := conn{db: db, q: db.write}.exec(ctx, "DELETE FROM sessions WHERE token_hash = ?", tokenHash)
	return err
}

// APITokenTTL is how long an API token lasts unless told otherwise.
const APITokenTTL = 365 * 24 * time.Hour

// apiTokenTouch is how often the last use of a token is written: at most
// once a minute, so a request stays a read.
const apiTokenTouch = time.Minute

// APIToken is a personal API token of a user. Only the hash of the token
// is kept; the token itself is shown once, when it is made.
type APIToken struct {
	ID         int64
	UserID     int64
	EnteID     int64
	Name       string
	Hash       string // SHA-256 of the token (auth.HashToken)
	ReadOnly   bool
	CreatedAt  time.Time
	ExpiresAt  time.Time // zero: never
	LastUsedAt time.Time // zero: never used
	RevokedAt  time.Time // zero: not revoked
}

// Active tells whether the token is accepted at now.
func (t *APIToken) Active(now time.Time) bool {
	return t.RevokedAt.IsZero() && (t.ExpiresAt.IsZero() || t.ExpiresAt.After(now))
}

// CreateAPIToken stores a personal API token of u, known by t.Hash, and
// returns its id. A zero t.ExpiresAt lasts APITokenTTL.
func (db *DB) CreateAPIToken(ctx context.Context, u *redazione.User, t APIToken) (int64, error) {
	now := db.now()
	if t.ExpiresAt.IsZero() {
		t.ExpiresAt = now.Add(APITokenTTL)
	}
	if !t.ExpiresAt.After(now) {
		return 0, redazione.Errorf(redazione.EINVALID, "la scadenza del token deve essere nel futuro")
	}
	var id int64
	err := db.inTx(ctx, func(tx conn) error {
		var err error
		id, err = tx.insert(ctx, "INSERT INTO api_tokens (token_hash, user_id, ente_id, name, read_only, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			t.Hash, u.ID, u.EnteID, t.Name, t.ReadOnly, ms(now), ms(t.ExpiresAt))
		if err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: u.EnteID, ActorID: u.ID, Action: "token.create", Target: u.Email, Detail: t.Name})
	})
	return id, err
}

const apiTokenCols = "id, user_id, ente_id, name, token_hash, read_only, created_at, expires_at, last_used_at, revoked_at"

func scanAPIToken(sc interface{ Scan(...any) error }) (APIToken, error) {
	var t APIToken
	var created, expires, used, revoked int64
	err := sc.Scan(&t.ID, &t.UserID, &t.EnteID, &t.Name, &t.Hash, &t.ReadOnly, &created, &expires, &used, &revoked)
	t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt = tm(created), tm(expires), tm(used), tm(revoked)
	return t, err
}

// APITokens returns the tokens of a user of an ente, the newest first,
// revoked and expired ones included.
func (db *DB) APITokens(ctx context.Context, enteID, userID int64) ([]APIToken, error) {
	rows, err := db.reader().query(ctx, "SELECT "+apiTokenCols+" FROM api_tokens WHERE ente_id = ? AND user_id = ? ORDER BY id DESC", enteID, userID)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	defer rows.Close()
	var ts []APIToken
	for rows.Next() {
		t, err := scanAPIToken(rows)
		if err != nil {
			return nil, fmt.Errorf("tokens: %w", err)
		}
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

// APIToken returns a token by id, in any ente (the command line).
func (db *DB) APIToken(ctx context.Context, id int64) (APIToken, error) {
	t, err := scanAPIToken(db.reader().row(ctx, "SELECT "+apiTokenCols+" FROM api_tokens WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, redazione.Errorf(redazione.ENOTFOUND, "token %d non trovato", id)
	}
	return t, err
}

// RevokeAPIToken revokes the token id of a's ente; if owner is not 0,
// only a token of that user. From then on no process accepts it: every
// request reads the token from the database. Revoking a revoked token
// is not an error.
func (db *DB) RevokeAPIToken(ctx context.Context, a redazione.Actor, id, owner int64) error {
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		var uid int64
		var revoked int64
		var email string
		err := tx.row(ctx, "SELECT t.user_id, t.revoked_at, u.email FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ? AND t.ente_id = ?", id, a.EnteID).Scan(&uid, &revoked, &email)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && owner != 0 && uid != owner) {
			return redazione.Errorf(redazione.ENOTFOUND, "token %d non trovato", id)
		}
		if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		if revoked != 0 {
			return nil
		}
		if _, err := tx.exec(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE id = ?", ms(now), id); err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "token.revoke", Target: email, Detail: strconv.FormatInt(id, 10)})
	})
}

// TokenUser returns the user of an API token.
func (db *DB) TokenUser(ctx context.Context, tokenHash string) (*redazione.User, error) {
	u, _, err := db.TokenAuth(ctx, tokenHash)
	return u, err
}

// TokenAuth returns the user of a live API token and the token. It reads
// the database every time, with no cache, so a token revoked or expired
// is refused at once by every process. It writes the last use of the
// token at most once a minute.
func (db *DB) TokenAuth(ctx context.Context, tokenHash string) (*redazione.User, APIToken, error) {
	now := db.now()
	t, err := scanAPIToken(db.reader().row(ctx, "SELECT "+apiTokenCols+" FROM api_tokens WHERE token_hash = ?", tokenHash))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !t.Active(now)) {
		return nil, APIToken{}, redazione.Errorf(redazione.EUNAUTHORIZED, "accesso scaduto o non valido")
	}
	if err != nil {
		return nil, APIToken{}, fmt.Errorf("token: %w", err)
	}
	u, err := db.User(ctx, t.EnteID, t.UserID)
	if err != nil {
		return nil, APIToken{}, err
	}
	if u.Disabled {
		return nil, APIToken{}, redazione.Errorf(redazione.EUNAUTHORIZED, "utente disattivato")
	}
	if now.Sub(t.LastUsedAt) >= apiTokenTouch {
		if _, err := (conn{db: db, q: db.write}).exec(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND last_used_at < ?",
			ms(now), t.ID, ms(now.Add(-apiTokenTouch))); err != nil {
			return nil, APIToken{}, fmt.Errorf("token: %w", err)
		}
		t.LastUsedAt = now
	}
	return u, t, nil
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
