package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/redazione/redazione"
)

// The second factor (docs/MFA.md): TOTP, passkeys and recovery codes of
// each user, the pending logins waiting for a factor, the WebAuthn
// ceremonies between their two requests, and each ente's policy. The
// checks (codes, signatures) are made by package auth; the store keeps
// what they need and writes the audit trail with each change.

// PendingLoginTTL is how long a pending login waits for its second factor.
const PendingLoginTTL = 5 * time.Minute

// CeremonyTTL is how long a WebAuthn ceremony waits for its answer.
const CeremonyTTL = 5 * time.Minute

// SessionScopeEnrol is the scope of a session opened for a user who must
// enrol a second factor first: it reaches only the enrolment page and
// logout.
const SessionScopeEnrol = "enrol"

// Passkey is a WebAuthn credential of a user.
type Passkey struct {
	ID           int64
	UserID       int64
	Name         string
	CredentialID string // base64url of the credential's id
	Credential   []byte // the library's JSON of the credential (public)
	CreatedAt    time.Time
	LastUsedAt   time.Time // zero: never used
}

// Factors is what a user has enrolled.
type Factors struct {
	TOTP bool // a confirmed TOTP
	// TOTPPending: a TOTP secret made, its first code not yet given.
	TOTPPending  bool
	Passkeys     []Passkey
	RecoveryLeft int // unused recovery codes
}

// Any tells whether the user has a second factor.
func (f Factors) Any() bool { return f.TOTP || len(f.Passkeys) > 0 }

// PendingLogin is a sign-in whose first step passed, waiting for the
// second factor.
type PendingLogin struct {
	TokenHash string
	Via       string // "password" or "sso"
	Next      string
	CSRF      string
	ExpiresAt time.Time
}

// MFAPolicy returns the ente's policy on the second factor (the zero
// policy when none was set).
func (db *DB) MFAPolicy(ctx context.Context, enteID int64) (redazione.MFAPolicy, error) {
	var p redazione.MFAPolicy
	var req string
	err := db.reader().row(ctx, "SELECT required, sso_provider_factor FROM mfa_policies WHERE ente_id = ?", enteID).Scan(&req, &p.SSOProviderFactor)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	p.Required = redazione.MFARequirement(req)
	if err != nil {
		return p, fmt.Errorf("mfa policy: %w", err)
	}
	return p, nil
}

// SetMFAPolicy sets the policy of the actor's ente (administrators only).
func (db *DB) SetMFAPolicy(ctx context.Context, a redazione.Actor, p redazione.MFAPolicy) error {
	if !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "solo un amministratore può cambiare la politica di accesso")
	}
	if !p.Required.Valid() {
		return redazione.FieldError("required", "scelta non valida")
	}
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		if _, err := tx.exec(ctx, `INSERT INTO mfa_policies (ente_id, required, sso_provider_factor) VALUES (?, ?, ?)
			ON CONFLICT (ente_id) DO UPDATE SET required = excluded.required, sso_provider_factor = excluded.sso_provider_factor`,
			a.EnteID, string(p.Required), p.SSOProviderFactor); err != nil {
			return fmt.Errorf("set mfa policy: %w", err)
		}
		req := string(p.Required)
		if req == "" {
			req = "none"
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "mfa.policy",
			Detail: fmt.Sprintf("required=%s sso_provider_factor=%v", req, p.SSOProviderFactor)})
	})
}

// HasFactor tells whether the user has a confirmed TOTP or a passkey.
func (db *DB) HasFactor(ctx context.Context, userID int64) (bool, error) {
	var n int
	err := db.reader().row(ctx, "SELECT (SELECT COUNT(*) FROM mfa_totp WHERE user_id = ? AND confirmed_at > 0) + (SELECT COUNT(*) FROM mfa_passkeys WHERE user_id = ?)", userID, userID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("factors: %w", err)
	}
	return n > 0, nil
}

// Factors returns what the user has enrolled.
func (db *DB) Factors(ctx context.Context, userID int64) (Factors, error) {
	var f Factors
	var confirmed int64
	err := db.reader().row(ctx, "SELECT confirmed_at FROM mfa_totp WHERE user_id = ?", userID).Scan(&confirmed)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return f, fmt.Errorf("factors: %w", err)
	}
	if err == nil {
		f.TOTP, f.TOTPPending = confirmed > 0, confirmed == 0
	}
	if f.Passkeys, err = db.Passkeys(ctx, userID); err != nil {
		return f, err
	}
	if err := db.reader().row(ctx, "SELECT COUNT(*) FROM mfa_recovery_codes WHERE user_id = ? AND used_at = 0", userID).Scan(&f.RecoveryLeft); err != nil {
		return f, fmt.Errorf("factors: %w", err)
	}
	return f, nil
}

// UsersWithFactor returns the ids of the users of the ente that have a
// second factor.
func (db *DB) UsersWithFactor(ctx context.Context, enteID int64) (map[int64]bool, error) {
	list, err := ids(ctx, db.reader(), "SELECT user_id FROM mfa_totp WHERE ente_id = ? AND confirmed_at > 0 UNION SELECT user_id FROM mfa_passkeys WHERE ente_id = ?", enteID, enteID)
	if err != nil {
		return nil, fmt.Errorf("users with factor: %w", err)
	}
	out := make(map[int64]bool, len(list))
	for _, id := range list {
		out[id] = true
	}
	return out, nil
}

// SetTOTPSecret keeps a new TOTP secret of u, sealed, until its first
// code confirms it (ConfirmTOTP); it replaces one not yet confirmed. A
// user with a confirmed TOTP must remove it first.
func (db *DB) SetTOTPSecret(ctx context.Context, u *redazione.User, secret string) error {
	if db.sealer == nil {
		return errors.New("no master key to seal the TOTP secret (REDAZIONE_SECRET_KEY)")
	}
	sealed, err := db.sealer.Seal([]byte(secret))
	if err != nil {
		return err
	}
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		var confirmed int64
		err := tx.row(ctx, "SELECT confirmed_at FROM mfa_totp WHERE user_id = ?", u.ID).Scan(&confirmed)
		if err == nil && confirmed > 0 {
			return redazione.Errorf(redazione.ECONFLICT, "hai già un'app di autenticazione: rimuovila prima di configurarne un'altra")
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := tx.exec(ctx, "DELETE FROM mfa_totp WHERE user_id = ?", u.ID); err != nil {
			return err
		}
		_, err = tx.exec(ctx, "INSERT INTO mfa_totp (user_id, ente_id, secret, created_at) VALUES (?, ?, ?, ?)", u.ID, u.EnteID, sealed, ms(now))
		return err
	})
}

// TOTPSecret returns the user's TOTP secret, whether it is confirmed, and
// the last time step accepted.
func (db *DB) TOTPSecret(ctx context.Context, userID int64) (secret string, confirmed bool, lastStep int64, err error) {
	var sealed string
	var at int64
	err = db.reader().row(ctx, "SELECT secret, confirmed_at, last_step FROM mfa_totp WHERE user_id = ?", userID).Scan(&sealed, &at, &lastStep)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, 0, notFound("codice TOTP")
	}
	if err != nil {
		return "", false, 0, fmt.Errorf("totp: %w", err)
	}
	if db.sealer == nil {
		return "", false, 0, errors.New("TOTP secrets are sealed and no master key is set")
	}
	plain, err := db.sealer.Open(sealed)
	if err != nil {
		return "", false, 0, fmt.Errorf("totp: %w", err)
	}
	return string(plain), at > 0, lastStep, nil
}

// ConfirmTOTP confirms u's new TOTP with the time step of its first valid
// code. recovery are the hashes of recovery codes kept if u has none yet
// (a first factor); it tells whether they were.
func (db *DB) ConfirmTOTP(ctx context.Context, u *redazione.User, step int64, recovery []string) (bool, error) {
	now := db.now()
	first := false
	err := db.inTx(ctx, func(tx conn) error {
		res, err := tx.exec(ctx, "UPDATE mfa_totp SET confirmed_at = ?, last_step = ? WHERE user_id = ? AND confirmed_at = 0 AND last_step < ?", ms(now), step, u.ID, step)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return redazione.FieldError("code", "codice non valido: configura di nuovo l'app")
		}
		if first, err = enrolled(ctx, tx, u, recovery); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: u.EnteID, ActorID: u.ID, Action: "mfa.totp.enrol", Target: u.Email})
	})
	return first, err
}

// enrolled does what a new factor of u changes beside it: the recovery
// codes of a first factor, and the user's sessions that could reach only
// the enrolment page now reach everything.
func enrolled(ctx context.Context, tx conn, u *redazione.User, recovery []string) (bool, error) {
	var n int
	if err := tx.row(ctx, "SELECT COUNT(*) FROM mfa_recovery_codes WHERE user_id = ?", u.ID).Scan(&n); err != nil {
		return false, err
	}
	if n == 0 {
		if err := insertRecovery(ctx, tx, u.ID, recovery); err != nil {
			return false, err
		}
	}
	_, err := tx.exec(ctx, "UPDATE sessions SET scope = '' WHERE user_id = ?", u.ID)
	return n == 0, err
}

func insertRecovery(ctx context.Context, tx conn, userID int64, hashes []string) error {
	for _, h := range hashes {
		if _, err := tx.exec(ctx, "INSERT INTO mfa_recovery_codes (user_id, code_hash) VALUES (?, ?)", userID, h); err != nil {
			return fmt.Errorf("recovery codes: %w", err)
		}
	}
	return nil
}

// UseTOTPStep takes the time step of a valid code of the user's confirmed
// TOTP: once, and only a step later than the last taken, in one
// statement, so a code is never accepted twice, even by parallel
// requests.
func (db *DB) UseTOTPStep(ctx context.Context, userID, step int64) (bool, error) {
	res, err := conn{db: db, q: db.write}.exec(ctx, "UPDATE mfa_totp SET last_step = ? WHERE user_id = ? AND confirmed_at > 0 AND last_step < ?", step, userID, step)
	if err != nil {
		return false, fmt.Errorf("totp: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RemoveTOTP removes u's TOTP; with it the recovery codes go when no
// factor is left.
func (db *DB) RemoveTOTP(ctx context.Context, u *redazione.User) error {
	return db.inTx(ctx, func(tx conn) error {
		if err := tx.execOne(ctx, "codice TOTP", "DELETE FROM mfa_totp WHERE user_id = ?", u.ID); err != nil {
			return err
		}
		if err := dropLonelyRecovery(ctx, tx, u.ID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: u.EnteID, ActorID: u.ID, Action: "mfa.totp.remove", Target: u.Email})
	})
}

func dropLonelyRecovery(ctx context.Context, tx conn, userID int64) error {
	_, err := tx.exec(ctx, `DELETE FROM mfa_recovery_codes WHERE user_id = ?
		AND NOT EXISTS (SELECT 1 FROM mfa_totp WHERE user_id = ? AND confirmed_at > 0)
		AND NOT EXISTS (SELECT 1 FROM mfa_passkeys WHERE user_id = ?)`, userID, userID, userID)
	return err
}

// Passkeys returns the user's passkeys, the oldest first.
func (db *DB) Passkeys(ctx context.Context, userID int64) ([]Passkey, error) {
	list, err := queryAll(ctx, db.reader(), func(s scanner) (Passkey, error) {
		var p Passkey
		var cred string
		var created, used int64
		err := s.Scan(&p.ID, &p.UserID, &p.Name, &p.CredentialID, &cred, &created, &used)
		p.Credential, p.CreatedAt, p.LastUsedAt = []byte(cred), tm(created), tm(used)
		return p, err
	}, "SELECT id, user_id, name, credential_id, credential, created_at, last_used_at FROM mfa_passkeys WHERE user_id = ? ORDER BY id", userID)
	if err != nil {
		return nil, fmt.Errorf("passkeys: %w", err)
	}
	return list, nil
}

// AddPasskey keeps a new passkey of u. recovery are the hashes of
// recovery codes kept if u has none yet; it tells whether they were.
func (db *DB) AddPasskey(ctx context.Context, u *redazione.User, p Passkey, recovery []string) (bool, error) {
	now := db.now()
	first := false
	err := db.inTx(ctx, func(tx conn) error {
		_, err := tx.insert(ctx, "INSERT INTO mfa_passkeys (user_id, ente_id, name, credential_id, credential, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			u.ID, u.EnteID, p.Name, p.CredentialID, string(p.Credential), ms(now))
		if isUnique(err) {
			return redazione.Errorf(redazione.ECONFLICT, "questa passkey è già registrata")
		}
		if err != nil {
			return fmt.Errorf("add passkey: %w", err)
		}
		if first, err = enrolled(ctx, tx, u, recovery); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: u.EnteID, ActorID: u.ID, Action: "mfa.passkey.enrol", Target: u.Email, Detail: p.Name})
	})
	return first, err
}

// TouchPasskey stores a passkey's state after a sign-in (its signature
// counter) and the time of its use.
func (db *DB) TouchPasskey(ctx context.Context, id int64, credential []byte) error {
	_, err := conn{db: db, q: db.write}.exec(ctx, "UPDATE mfa_passkeys SET credential = ?, last_used_at = ? WHERE id = ?", string(credential), ms(db.now()), id)
	return err
}

// RemovePasskey removes a passkey of u; with it the recovery codes go
// when no factor is left.
func (db *DB) RemovePasskey(ctx context.Context, u *redazione.User, id int64) error {
	return db.inTx(ctx, func(tx conn) error {
		var name string
		err := tx.row(ctx, "DELETE FROM mfa_passkeys WHERE id = ? AND user_id = ? RETURNING name", id, u.ID).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("passkey")
		}
		if err != nil {
			return err
		}
		if err := dropLonelyRecovery(ctx, tx, u.ID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: u.EnteID, ActorID: u.ID, Action: "mfa.passkey.remove", Target: u.Email, Detail: name})
	})
}

// ReplaceRecoveryCodes replaces u's recovery codes with new ones (their
// hashes); the old ones stop working.
func (db *DB) ReplaceRecoveryCodes(ctx context.Context, u *redazione.User, hashes []string) error {
	return db.inTx(ctx, func(tx conn) error {
		if _, err := tx.exec(ctx, "DELETE FROM mfa_recovery_codes WHERE user_id = ?", u.ID); err != nil {
			return err
		}
		if err := insertRecovery(ctx, tx, u.ID, hashes); err != nil {
			return err
		}
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: u.EnteID, ActorID: u.ID, Action: "mfa.recovery.regenerate", Target: u.Email})
	})
}

// UseRecoveryCode spends one of u's recovery codes, known by its hash:
// once. It returns whether it was spent now and how many are left.
func (db *DB) UseRecoveryCode(ctx context.Context, u *redazione.User, hash, remote string) (bool, int, error) {
	now := db.now()
	ok, left := false, 0
	err := db.inTx(ctx, func(tx conn) error {
		res, err := tx.exec(ctx, "UPDATE mfa_recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at = 0", ms(now), u.ID, hash)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		if ok = n == 1; !ok {
			return nil
		}
		if err := tx.row(ctx, "SELECT COUNT(*) FROM mfa_recovery_codes WHERE user_id = ? AND used_at = 0", u.ID).Scan(&left); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: u.EnteID, ActorID: u.ID, Action: "mfa.recovery.use", Target: u.Email,
			Detail: fmt.Sprintf("%s, %d left", remote, left)})
	})
	return ok, left, err
}

// CreatePendingLogin keeps a sign-in of u whose first step passed from
// remote, waiting for the second factor for PendingLoginTTL; the count of
// failed attempts is not cleared until the factor passes.
func (db *DB) CreatePendingLogin(ctx context.Context, u *redazione.User, p PendingLogin, remote string) error {
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		if _, err := tx.exec(ctx, "DELETE FROM mfa_pending WHERE expires_at < ?", ms(now)); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "INSERT INTO mfa_pending (token_hash, user_id, ente_id, via, next, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			p.TokenHash, u.ID, u.EnteID, p.Via, p.Next, p.CSRF, ms(now), ms(now.Add(PendingLoginTTL))); err != nil {
			return fmt.Errorf("pending login: %w", err)
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: u.EnteID, ActorID: u.ID, Action: "login.first_step", Target: u.Email, Detail: p.Via + " " + remote})
	})
}

func expiredPending() error {
	return redazione.Errorf(redazione.EUNAUTHORIZED, "accesso scaduto: inserisci di nuovo e-mail e password")
}

// PendingLoginUser returns the user of a pending login still waiting.
func (db *DB) PendingLoginUser(ctx context.Context, tokenHash string) (*redazione.User, PendingLogin, error) {
	var p PendingLogin
	var uid, eid, expires int64
	err := db.reader().row(ctx, "SELECT user_id, ente_id, via, next, csrf_token, expires_at FROM mfa_pending WHERE token_hash = ? AND expires_at > ?", tokenHash, ms(db.now())).
		Scan(&uid, &eid, &p.Via, &p.Next, &p.CSRF, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, p, expiredPending()
	}
	if err != nil {
		return nil, p, fmt.Errorf("pending login: %w", err)
	}
	p.TokenHash, p.ExpiresAt = tokenHash, tm(expires)
	u, err := db.User(ctx, eid, uid)
	if err == nil && u.Disabled {
		return nil, p, expiredPending()
	}
	return u, p, err
}

// FinishPendingLogin ends a pending login whose second factor (named by
// factor) passed from remote: once, so parallel requests finish it once.
// It clears the count of failed attempts and records the sign-in.
func (db *DB) FinishPendingLogin(ctx context.Context, tokenHash, factor, remote string) error {
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		var uid, eid int64
		var email string
		err := tx.row(ctx, "DELETE FROM mfa_pending WHERE token_hash = ? AND expires_at > ? RETURNING user_id, ente_id", tokenHash, ms(now)).Scan(&uid, &eid)
		if errors.Is(err, sql.ErrNoRows) {
			return expiredPending()
		}
		if err != nil {
			return err
		}
		if err := tx.row(ctx, "UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = ? RETURNING email", uid).Scan(&email); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "DELETE FROM webauthn_ceremonies WHERE owner_hash = ?", tokenHash); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: eid, ActorID: uid, Action: "login", Target: email, Detail: remote + " (" + factor + ")"})
	})
}

// RecordSecondFactorFailure records in the audit trail a wrong second
// factor for u from remote (the attempt was counted by CountLoginAttempt).
func (db *DB) RecordSecondFactorFailure(ctx context.Context, u *redazione.User, factor, remote string) error {
	return db.Audit(ctx, redazione.AuditEntry{EnteID: u.EnteID, ActorID: u.ID, Action: "mfa.failed", Target: u.Email, Detail: factor + " " + remote})
}

// DeletePendingLogin forgets a pending login (the user went back).
func (db *DB) DeletePendingLogin(ctx context.Context, tokenHash string) error {
	_, err := conn{db: db, q: db.write}.exec(ctx, "DELETE FROM mfa_pending WHERE token_hash = ?", tokenHash)
	return err
}

// SaveCeremony keeps the state of a WebAuthn ceremony of kind
// ("register" or "login") of a user, bound to the session or pending
// login that began it (owner: the hash of its token), for CeremonyTTL; a
// new one replaces the last.
func (db *DB) SaveCeremony(ctx context.Context, owner, kind string, userID int64, data []byte) error {
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		if _, err := tx.exec(ctx, "DELETE FROM webauthn_ceremonies WHERE (owner_hash = ? AND kind = ?) OR expires_at < ?", owner, kind, ms(now)); err != nil {
			return err
		}
		_, err := tx.exec(ctx, "INSERT INTO webauthn_ceremonies (owner_hash, kind, user_id, data, expires_at) VALUES (?, ?, ?, ?, ?)",
			owner, kind, userID, string(data), ms(now.Add(CeremonyTTL)))
		return err
	})
}

// TakeCeremony returns, once, the state of a live ceremony of kind begun
// by owner for the user.
func (db *DB) TakeCeremony(ctx context.Context, owner, kind string, userID int64) ([]byte, error) {
	var data string
	err := conn{db: db, q: db.write}.row(ctx, "DELETE FROM webauthn_ceremonies WHERE owner_hash = ? AND kind = ? AND user_id = ? AND expires_at > ? RETURNING data",
		owner, kind, userID, ms(db.now())).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, redazione.Errorf(redazione.EINVALID, "richiesta della passkey scaduta: riprova")
	}
	if err != nil {
		return nil, fmt.Errorf("ceremony: %w", err)
	}
	return []byte(data), nil
}

// ResetFactors removes every second factor of a user of the actor's ente
// (administrators, or the system actor of the command line), with the
// recovery codes, pending logins and sessions; the user is told in an
// in-app notification. It returns the user.
func (db *DB) ResetFactors(ctx context.Context, a redazione.Actor, userID int64) (*redazione.User, error) {
	if !a.CanAdmin() {
		return nil, redazione.Errorf(redazione.EFORBIDDEN, "solo un amministratore può azzerare il secondo fattore di un altro utente")
	}
	u, err := db.User(ctx, a.EnteID, userID)
	if err != nil {
		return nil, err
	}
	now := db.now()
	err = db.inTx(ctx, func(tx conn) error {
		for _, q := range []string{
			"DELETE FROM mfa_totp WHERE user_id = ?",
			"DELETE FROM mfa_passkeys WHERE user_id = ?",
			"DELETE FROM mfa_recovery_codes WHERE user_id = ?",
			"DELETE FROM mfa_pending WHERE user_id = ?",
			"DELETE FROM webauthn_ceremonies WHERE user_id = ?",
			"DELETE FROM sessions WHERE user_id = ?",
		} {
			if _, err := tx.exec(ctx, q, u.ID); err != nil {
				return fmt.Errorf("reset factors: %w", err)
			}
		}
		if _, err := tx.exec(ctx, "INSERT INTO notifications (ente_id, user_id, conversation_id, text, created_at) VALUES (?, ?, 0, ?, ?)",
			u.EnteID, u.ID, ResetFactorsNotice, ms(now)); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "mfa.reset", Target: u.Email})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// ResetFactorsNotice is what a user whose factors were reset reads in
// their notifications.
const ResetFactorsNotice = "Un amministratore ha azzerato il tuo secondo fattore di accesso (app di autenticazione, passkey e codici di recupero): configuralo di nuovo in Accesso e sicurezza."
