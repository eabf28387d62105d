package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redazione/redazione"
)

// SessionTTL is how long a login lasts.
const SessionTTL = 12 * time.Hour

// sessionTouch is how often the last use of a session is written: at
// most once a minute, so a request stays a read.
const sessionTouch = time.Minute

// maxUserAgent is the longest User-Agent kept with a session.
const maxUserAgent = 512

// Session is a login of a user, as listed on their page of sessions: the
// token itself is never stored, only its hash.
type Session struct {
	ID         int64
	UserID     int64
	UserAgent  string // the browser's User-Agent, as it came
	Address    string // the client's address when it signed in
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	Current    bool // the session the list was asked from
}

// CreateSession stores a session under the hash of its token, with the
// token that its forms must send back (CSRF), the browser's User-Agent
// and the client's address.
func (db *DB) CreateSession(ctx context.Context, u *redazione.User, tokenHash, csrf, userAgent, address string) error {
	return db.CreateScopedSession(ctx, u, tokenHash, csrf, "", userAgent, address)
}

// CreateScopedSession stores a session with a scope: "" reaches
// everything, SessionScopeEnrol only the enrolment of a second factor.
func (db *DB) CreateScopedSession(ctx context.Context, u *redazione.User, tokenHash, csrf, scope, userAgent, address string) error {
	now := db.now()
	if len(userAgent) > maxUserAgent {
		userAgent = strings.ToValidUTF8(userAgent[:maxUserAgent], "")
	}
	_, err := conn{db: db, q: db.write}.exec(ctx, "INSERT INTO sessions (token_hash, user_id, ente_id, csrf_token, created_at, expires_at, scope, user_agent, address, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		tokenHash, u.ID, u.EnteID, csrf, ms(now), ms(now.Add(SessionTTL)), scope, userAgent, address, ms(now))
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// SessionUser returns the user of a live session and its CSRF token. It
// writes the last use of the session at most once a minute.
func (db *DB) SessionUser(ctx context.Context, tokenHash string) (*redazione.User, string, error) {
	u, csrf, _, err := db.SessionUserScope(ctx, tokenHash)
	return u, csrf, err
}

// SessionUserScope returns the user of a live session, its CSRF token and
// its scope ("" or SessionScopeEnrol). It writes the last use of the
// session at most once a minute.
func (db *DB) SessionUserScope(ctx context.Context, tokenHash string) (*redazione.User, string, string, error) {
	now := db.now()
	var id, uid, eid, seen int64
	var csrf, scope string
	err := db.reader().row(ctx, "SELECT id, user_id, ente_id, csrf_token, scope, last_seen_at FROM sessions WHERE token_hash = ? AND expires_at > ?", tokenHash, ms(now)).
		Scan(&id, &uid, &eid, &csrf, &scope, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", "", redazione.Errorf(redazione.EUNAUTHORIZED, "accesso scaduto o non valido")
	}
	if err != nil {
		return nil, "", "", fmt.Errorf("session: %w", err)
	}
	u, err := db.User(ctx, eid, uid)
	if err != nil {
		return nil, "", "", err
	}
	if u.Disabled {
		return nil, "", "", redazione.Errorf(redazione.EUNAUTHORIZED, "utente disattivato")
	}
	if now.Sub(tm(seen)) >= sessionTouch {
		if _, err := (conn{db: db, q: db.write}).exec(ctx, "UPDATE sessions SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?",
			ms(now), id, ms(now.Add(-sessionTouch))); err != nil {
			return nil, "", "", fmt.Errorf("session: %w", err)
		}
	}
	return u, csrf, scope, nil
}

// Sessions returns the live sessions of a user of an ente: the one known
// by currentHash (the asking browser's) first and marked, then the others,
// the last used first.
func (db *DB) Sessions(ctx context.Context, enteID, userID int64, currentHash string) ([]Session, error) {
	rows, err := db.reader().query(ctx, "SELECT id, user_id, user_agent, address, created_at, last_seen_at, expires_at, token_hash = ? FROM sessions WHERE ente_id = ? AND user_id = ? AND expires_at > ? ORDER BY last_seen_at DESC, id DESC",
		currentHash, enteID, userID, ms(db.now()))
	if err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var s Session
		var created, seen, expires int64
		if err := rows.Scan(&s.ID, &s.UserID, &s.UserAgent, &s.Address, &created, &seen, &expires, &s.Current); err != nil {
			return nil, fmt.Errorf("sessions: %w", err)
		}
		s.CreatedAt, s.LastSeenAt, s.ExpiresAt = tm(created), tm(seen), tm(expires)
		out = append(out, s)
	}
	// The asking session first, the others as they were last used.
	slices.SortStableFunc(out, func(a, b Session) int {
		switch {
		case a.Current && !b.Current:
			return -1
		case b.Current && !a.Current:
			return 1
		}
		return 0
	})
	return out, rows.Err()
}

// DeleteSession ends a session (logout), recorded in the audit trail with
// the client's address. Ending a session already ended is not an error.
func (db *DB) DeleteSession(ctx context.Context, tokenHash, address string) error {
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		var uid, eid int64
		var email string
		err := tx.row(ctx, "SELECT s.user_id, s.ente_id, u.email FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?", tokenHash).Scan(&uid, &eid, &email)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("end session: %w", err)
		}
		if _, err := tx.exec(ctx, "DELETE FROM sessions WHERE token_hash = ?", tokenHash); err != nil {
			return fmt.Errorf("end session: %w", err)
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: eid, ActorID: uid, Action: "logout", Target: email, Detail: address})
	})
}

// EndSession ends the session id of user userID of a's ente: a user ends
// one of their own, an administrator anyone's. It is recorded in the audit
// trail with the client's address. A session not found (or already
// ended) is "not found".
func (db *DB) EndSession(ctx context.Context, a redazione.Actor, userID, id int64, address string) error {
	if a.UserID != userID && !a.CanAdmin() {
		return redazione.Errorf(redazione.ENOTFOUND, "sessione non trovata")
	}
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		email, err := userEmail(ctx, tx, a.EnteID, userID)
		if err != nil {
			return err
		}
		res, err := tx.exec(ctx, "DELETE FROM sessions WHERE id = ? AND user_id = ? AND ente_id = ? AND expires_at > ?", id, userID, a.EnteID, ms(now))
		if err != nil {
			return fmt.Errorf("end session: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return redazione.Errorf(redazione.ENOTFOUND, "sessione non trovata: forse è già terminata")
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "session.end", Target: email,
			Detail: fmt.Sprintf("session=%d address=%s", id, address)})
	})
}

// EndSessions ends every session of user userID of a's ente but the one
// known by keepHash (none when empty): a user their other ones, an
// administrator anyone's. It returns how many ended, recorded in the audit
// trail with the client's address.
func (db *DB) EndSessions(ctx context.Context, a redazione.Actor, userID int64, keepHash, address string) (int, error) {
	if a.UserID != userID && !a.CanAdmin() {
		return 0, redazione.Errorf(redazione.EFORBIDDEN, "solo un amministratore può terminare le sessioni di un altro utente")
	}
	var n int
	err := db.inTx(ctx, func(tx conn) error {
		email, err := userEmail(ctx, tx, a.EnteID, userID)
		if err != nil {
			return err
		}
		n, err = endSessions(ctx, tx, userID, keepHash)
		if err != nil {
			return err
		}
		action := "session.end_all"
		if keepHash != "" {
			action = "session.end_others"
		}
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: action, Target: email,
			Detail: fmt.Sprintf("sessions=%d address=%s", n, address)})
	})
	return n, err
}

// endSessions deletes the sessions of a user but keepHash's, and returns
// how many.
func endSessions(ctx context.Context, tx conn, userID int64, keepHash string) (int, error) {
	res, err := tx.exec(ctx, "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?", userID, keepHash)
	if err != nil {
		return 0, fmt.Errorf("end sessions: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// revokeTokens revokes every token of a user not revoked yet, and returns
// how many.
func revokeTokens(ctx context.Context, tx conn, now time.Time, userID int64) (int, error) {
	res, err := tx.exec(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at = 0", ms(now), userID)
	if err != nil {
		return 0, fmt.Errorf("revoke tokens: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// userEmail returns the e-mail of a user of an ente, for the audit trail.
func userEmail(ctx context.Context, tx conn, enteID, userID int64) (string, error) {
	var email string
	err := tx.row(ctx, "SELECT email FROM users WHERE id = ? AND ente_id = ?", userID, enteID).Scan(&email)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound("utente")
	}
	return email, err
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
