package auth

import (
	"context"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/store"
)

// Sessions writes what signing in changes: the count of attempts (and
// the wait after too many), their audit, and the sessions themselves. They are the HTTP layer's own state, shown on
// no screen that follows anything live, so no method publishes an event;
// they sit here, beside the tokens and passwords, rather than in inbox,
// which is about conversations.
type Sessions struct {
	DB *store.DB
}

// CountAttempt counts an attempt to sign in as u from remote before its
// password is checked; see store.DB.CountLoginAttempt.
func (s *Sessions) CountAttempt(ctx context.Context, u *redazione.User, remote string) (failed int, wait time.Time, err error) {
	return s.DB.CountLoginAttempt(ctx, u, remote)
}

// RecordLogin records the outcome of a counted attempt to sign in as u from
// remote: a success clears the count of failures.
func (s *Sessions) RecordLogin(ctx context.Context, u *redazione.User, ok bool, remote string) error {
	return s.DB.RecordLogin(ctx, u, ok, remote)
}

// Start opens a session for u, known by the hash of its token, with its
// CSRF token, the browser's User-Agent and the client's address (shown on
// the user's page of sessions).
func (s *Sessions) Start(ctx context.Context, u *redazione.User, tokenHash, csrf, userAgent, remote string) error {
	return s.DB.CreateSession(ctx, u, tokenHash, csrf, userAgent, remote)
}

// End closes the session known by the hash of its token (logging out from
// remote).
func (s *Sessions) End(ctx context.Context, tokenHash, remote string) error {
	return s.DB.DeleteSession(ctx, tokenHash, remote)
}

// EndOne ends the session id of the user userID: a user one of their own,
// an administrator anyone's in the ente, asked from remote.
func (s *Sessions) EndOne(ctx context.Context, a redazione.Actor, userID, id int64, remote string) error {
	return s.DB.EndSession(ctx, a, userID, id, remote)
}

// EndAll ends every session of the user userID but the one known by
// keepHash (none when empty), asked from remote, and returns how many.
func (s *Sessions) EndAll(ctx context.Context, a redazione.Actor, userID int64, keepHash, remote string) (int, error) {
	return s.DB.EndSessions(ctx, a, userID, keepHash, remote)
}

// ChangePassword sets u's own password to next after checking next
// against the policy (CheckNewPassword) and current against the one
// stored; u's other sessions end, the one known by keepSession stays open.
// A check of current counts as an attempt to sign in from remote (see
// CountAttempt): wrong ones add to the failures and, after too many, wait
// the same delay, so that an open session cannot be used to guess it.
func (s *Sessions) ChangePassword(ctx context.Context, u *redazione.User, current, next, keepSession, remote string) error {
	if err := CheckNewPassword(next); err != nil {
		return redazione.FieldError("password", "%s", err.Error())
	}
	_, wait, err := s.DB.CountLoginAttempt(ctx, u, remote)
	if err != nil {
		return err
	}
	if !wait.IsZero() {
		return redazione.Errorf(redazione.ETOOMANY, "troppi tentativi con una password sbagliata: riprova dopo le %s", wait.In(calendar.Rome).Format("15:04:05"))
	}
	if ok, err := CheckPassword(u.PasswordHash, current); err != nil || !ok {
		if err := s.DB.RecordLogin(ctx, u, false, remote); err != nil {
			return err
		}
		return redazione.FieldError("current", "la password attuale non è giusta")
	}
	hash, err := HashPassword(next)
	if err != nil {
		return err
	}
	return s.DB.ChangePassword(ctx, u, hash, keepSession)
}

// ResetPassword sets a new password with a one-time link, known by the
// hash of its token, after checking it against the policy; every session
// of the user ends.
func (s *Sessions) ResetPassword(ctx context.Context, tokenHash, next string) (*redazione.User, error) {
	if err := CheckNewPassword(next); err != nil {
		return nil, redazione.FieldError("password", "%s", err.Error())
	}
	hash, err := HashPassword(next)
	if err != nil {
		return nil, err
	}
	return s.DB.ResetPassword(ctx, tokenHash, hash)
}

// CreateToken makes a personal API token of u and returns it, shown once,
// and its id; only its hash is kept.
func (s *Sessions) CreateToken(ctx context.Context, u *redazione.User, name string, expires time.Time, readOnly bool) (string, int64, error) {
	token := NewToken("rdz_")
	id, err := s.DB.CreateAPIToken(ctx, u, store.APIToken{Hash: HashToken(token), Name: name, ExpiresAt: expires, ReadOnly: readOnly})
	return token, id, err
}

// RevokeToken revokes a token of u: refused at once by every process.
func (s *Sessions) RevokeToken(ctx context.Context, u *redazione.User, id int64) error {
	return s.DB.RevokeAPIToken(ctx, redazione.ActorOf(u), id, u.ID)
}

// SignInSSO finds the user that an identity provider's verified ID token
// names, linking or creating it as p allows, and records the sign-in from
// remote; see store.DB.SSOSignIn.
func (s *Sessions) SignInSSO(ctx context.Context, p *store.SSOProvider, id store.SSOIdentity, remote string) (*redazione.User, error) {
	return s.DB.SSOSignIn(ctx, p, id, remote)
}
