package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/redazione/redazione"
)

// Sign-in delays: after MaxFailedLogins wrong passwords in a row an account
// must wait LoginDelay before its next attempt is checked; the wait doubles
// with every further failure, up to MaxLoginDelay. It is a delay, not a lock:
// it ends by itself, a right password after it signs in, and it never ends
// sessions already open.
const (
	MaxFailedLogins = 5
	MaxLoginDelay   = 15 * time.Minute
)

// LoginDelay is how long an account (or an unknown address) must wait after
// failed attempts in a row: nothing before MaxFailedLogins, then
// 2^(failed-MaxFailedLogins) seconds, at most MaxLoginDelay.
func LoginDelay(failed int) time.Duration {
	if failed < MaxFailedLogins {
		return 0
	}
	if failed-MaxFailedLogins >= 10 {
		return MaxLoginDelay
	}
	return min(time.Duration(1<<(failed-MaxFailedLogins))*time.Second, MaxLoginDelay)
}

const userColumns = "id, ente_id, email, name, role, password_hash, disabled, failed_logins, locked_until, lang, created_at, available, max_open"

func scanUser(row interface{ Scan(...any) error }) (*redazione.User, error) {
	var u redazione.User
	var locked, created int64
	var role string
	if err := row.Scan(&u.ID, &u.EnteID, &u.Email, &u.Name, &role, &u.PasswordHash, &u.Disabled, &u.FailedLogins, &locked, &u.Lang, &created, &u.Available, &u.MaxOpen); err != nil {
		return nil, err
	}
	u.Role = redazione.Role(role)
	u.LockedUntil, u.CreatedAt = tm(locked), tm(created)
	return &u, nil
}

// NormalizeEmail lower-cases and checks an e-mail address.
func NormalizeEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		return "", redazione.FieldError("email", "indirizzo e-mail non valido")
	}
	return email, nil
}

// CreateUser adds a user to the ente of u with its desks. The actor must be an
// administrator (the zero UserID system actor is allowed for set-up).
func (db *DB) CreateUser(ctx context.Context, a redazione.Actor, u *redazione.User) error {
	if !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "solo un amministratore può creare utenti")
	}
	email, err := NormalizeEmail(u.Email)
	if err != nil {
		return err
	}
	if !u.Role.Valid() {
		return redazione.FieldError("role", "ruolo non valido: usa admin, coordinator, operator o analyst")
	}
	if u.Name == "" {
		u.Name = strings.Split(email, "@")[0]
	}
	if u.Lang == "" {
		u.Lang = "it"
	}
	u.Email, u.EnteID, u.CreatedAt = email, a.EnteID, db.now().UTC()
	return db.inTx(ctx, func(tx conn) error {
		id, err := tx.insert(ctx, "INSERT INTO users (ente_id, email, name, role, password_hash, lang, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			u.EnteID, u.Email, u.Name, string(u.Role), u.PasswordHash, u.Lang, ms(u.CreatedAt))
		if isUnique(err) {
			return redazione.Errorf(redazione.ECONFLICT, "esiste già un utente con e-mail %s", email)
		}
		if err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		u.ID = id
		if err := setUserDesks(ctx, tx, u.EnteID, id, u.DeskIDs); err != nil {
			return err
		}
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "user.create", Target: email, Detail: string(u.Role)})
	})
}

func setUserDesks(ctx context.Context, tx conn, enteID, userID int64, desks []int64) error {
	if _, err := tx.exec(ctx, "DELETE FROM user_desks WHERE user_id = ?", userID); err != nil {
		return err
	}
	for _, d := range desks {
		var n int
		if err := tx.row(ctx, "SELECT COUNT(*) FROM desks WHERE id = ? AND ente_id = ?", d, enteID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return redazione.FieldError("desk", "desk %d inesistente", d)
		}
		if _, err := tx.exec(ctx, "INSERT INTO user_desks (user_id, desk_id) VALUES (?, ?)", userID, d); err != nil {
			return err
		}
	}
	return nil
}

// UpdateUser changes name, role, desks and the disabled flag of a user of the
// actor's ente; see UpdateUserFrom.
func (db *DB) UpdateUser(ctx context.Context, a redazione.Actor, u *redazione.User) error {
	return db.UpdateUserFrom(ctx, a, u, "")
}

// UpdateUserFrom changes name, role, desks and the disabled flag of a user
// of the actor's ente, asked from the client address remote. Disabling a
// user ends their sessions and revokes their API tokens in the same
// transaction, so that no process accepts them from then on; that goes to
// the audit trail with remote.
func (db *DB) UpdateUserFrom(ctx context.Context, a redazione.Actor, u *redazione.User, remote string) error {
	if !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "solo un amministratore può modificare utenti")
	}
	if !u.Role.Valid() {
		return redazione.FieldError("role", "ruolo non valido")
	}
	if u.ID == a.UserID && (u.Role != redazione.RoleAdmin || u.Disabled) {
		return redazione.Errorf(redazione.EINVALID, "non puoi togliere a te stesso il ruolo di amministratore")
	}
	return db.inTx(ctx, func(tx conn) error {
		var was bool
		if err := tx.row(ctx, "SELECT disabled FROM users WHERE id = ? AND ente_id = ?", u.ID, a.EnteID).Scan(&was); errors.Is(err, sql.ErrNoRows) {
			return notFound("utente")
		} else if err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		if err := tx.execOne(ctx, "utente", "UPDATE users SET name = ?, role = ?, disabled = ? WHERE id = ? AND ente_id = ?", u.Name, string(u.Role), u.Disabled, u.ID, a.EnteID); err != nil {
			return err
		}
		if err := setUserDesks(ctx, tx, a.EnteID, u.ID, u.DeskIDs); err != nil {
			return err
		}
		if err := appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "user.update", Target: fmt.Sprint(u.ID),
			Detail: fmt.Sprintf("role=%s disabled=%v desks=%v", u.Role, u.Disabled, u.DeskIDs)}); err != nil {
			return err
		}
		if u.Disabled && !was {
			_, _, err := db.endAccess(ctx, tx, a, u.ID, remote)
			return err
		}
		return nil
	})
}

// DisableUser disables a user of a's ente, asked from the client address
// remote (the command line: ""): their sessions end and their API tokens
// are revoked at once, in every process. It returns how many of each.
func (db *DB) DisableUser(ctx context.Context, a redazione.Actor, userID int64, remote string) (sessions, tokens int, err error) {
	if !a.CanAdmin() {
		return 0, 0, redazione.Errorf(redazione.EFORBIDDEN, "solo un amministratore può disattivare utenti")
	}
	if userID == a.UserID {
		return 0, 0, redazione.Errorf(redazione.EINVALID, "non puoi disattivare te stesso")
	}
	err = db.inTx(ctx, func(tx conn) error {
		if err := tx.execOne(ctx, "utente", "UPDATE users SET disabled = ? WHERE id = ? AND ente_id = ?", true, userID, a.EnteID); err != nil {
			return err
		}
		var err error
		sessions, tokens, err = db.endAccess(ctx, tx, a, userID, remote)
		return err
	})
	return sessions, tokens, err
}

// endAccess ends every session and revokes every API token of a disabled
// user, with an entry in the audit trail.
func (db *DB) endAccess(ctx context.Context, tx conn, a redazione.Actor, userID int64, remote string) (sessions, tokens int, err error) {
	now := db.now()
	email, err := userEmail(ctx, tx, a.EnteID, userID)
	if err != nil {
		return 0, 0, err
	}
	if sessions, err = endSessions(ctx, tx, userID, ""); err != nil {
		return 0, 0, err
	}
	if tokens, err = revokeTokens(ctx, tx, now, userID); err != nil {
		return 0, 0, err
	}
	if remote == "" {
		remote = "riga di comando"
	}
	return sessions, tokens, appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "user.disable", Target: email,
		Detail: fmt.Sprintf("sessions=%d tokens=%d address=%s", sessions, tokens, remote)})
}

// SetPassword stores a new password hash and clears any lock-out.
func (db *DB) SetPassword(ctx context.Context, a redazione.Actor, userID int64, hash string) error {
	if !a.CanAdmin() && a.UserID != userID {
		return redazione.Errorf(redazione.EFORBIDDEN, "non puoi cambiare la password di un altro utente")
	}
	return db.inTx(ctx, func(tx conn) error {
		if err := tx.execOne(ctx, "utente", "UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = 0 WHERE id = ? AND ente_id = ?", hash, userID, a.EnteID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "user.password", Target: fmt.Sprint(userID)})
	})
}

// UserByEmail finds a user by e-mail in any ente (e-mails are unique across
// the installation, so login needs no ente).
func (db *DB) UserByEmail(ctx context.Context, email string) (*redazione.User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	u, err := scanUser(db.reader().row(ctx, "SELECT "+userColumns+" FROM users WHERE email = ?", email))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("utente")
	}
	if err != nil {
		return nil, fmt.Errorf("user: %w", err)
	}
	return u, db.loadDesks(ctx, u)
}

// User finds a user by id inside an ente.
func (db *DB) User(ctx context.Context, enteID, id int64) (*redazione.User, error) {
	u, err := scanUser(db.reader().row(ctx, "SELECT "+userColumns+" FROM users WHERE id = ? AND ente_id = ?", id, enteID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("utente")
	}
	if err != nil {
		return nil, fmt.Errorf("user: %w", err)
	}
	return u, db.loadDesks(ctx, u)
}

func (db *DB) loadDesks(ctx context.Context, u *redazione.User) error {
	rows, err := db.reader().query(ctx, "SELECT desk_id FROM user_desks WHERE user_id = ? ORDER BY desk_id", u.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	u.DeskIDs = nil
	for rows.Next() {
		var d int64
		if err := rows.Scan(&d); err != nil {
			return err
		}
		u.DeskIDs = append(u.DeskIDs, d)
	}
	return rows.Err()
}

// Users lists the users of an ente.
func (db *DB) Users(ctx context.Context, enteID int64) ([]*redazione.User, error) {
	rows, err := db.reader().query(ctx, "SELECT "+userColumns+" FROM users WHERE ente_id = ? ORDER BY name, id", enteID)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	var out []*redazione.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, u := range out {
		if err := db.loadDesks(ctx, u); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CountLoginAttempt counts an attempt to sign in as u from remote as a
// failure before its password is checked, in one statement, so that parallel
// attempts each see the count of those before them. It returns the count;
// when the account must still wait (see LoginDelay) it counts nothing,
// records the refusal in the audit trail and returns when the account may
// try again. A right password then clears the count (RecordLogin).
func (db *DB) CountLoginAttempt(ctx context.Context, u *redazione.User, remote string) (failed int, wait time.Time, err error) {
	now := db.now()
	err = db.inTx(ctx, func(tx conn) error {
		err := tx.row(ctx, "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? AND locked_until <= ? RETURNING failed_logins", u.ID, ms(now)).Scan(&failed)
		if errors.Is(err, sql.ErrNoRows) {
			var until int64
			if err := tx.row(ctx, "SELECT locked_until FROM users WHERE id = ?", u.ID).Scan(&until); err != nil {
				return err
			}
			failed, wait = 0, tm(until)
			return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: u.EnteID, ActorID: u.ID, Action: "login.delayed", Target: u.Email, Detail: remote})
		}
		if err != nil {
			return err
		}
		if d := LoginDelay(failed); d > 0 {
			// The wait for the next attempt, set now for this one may fail; a
			// right password clears it.
			_, err = tx.exec(ctx, "UPDATE users SET locked_until = ? WHERE id = ?", ms(now.Add(d)), u.ID)
		}
		return err
	})
	return failed, wait, err
}

// RecordLogin records the outcome of a password check counted by
// CountLoginAttempt: success clears the count of failures and the wait,
// failure leaves them, and either goes to the audit trail with remote.
func (db *DB) RecordLogin(ctx context.Context, u *redazione.User, ok bool, remote string) error {
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		action := "login"
		if ok {
			if _, err := tx.exec(ctx, "UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = ?", u.ID); err != nil {
				return err
			}
		} else {
			action = "login.failed"
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: u.EnteID, ActorID: u.ID, Action: action, Target: u.Email, Detail: remote})
	})
}
