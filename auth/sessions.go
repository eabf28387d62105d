package auth

import (
	"context"
	"time"

	"github.com/redazione/redazione"
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
// CSRF token.
func (s *Sessions) Start(ctx context.Context, u *redazione.User, tokenHash, csrf string) error {
	return s.DB.CreateSession(ctx, u, tokenHash, csrf)
}

// End closes the session known by the hash of its token.
func (s *Sessions) End(ctx context.Context, tokenHash string) error {
	return s.DB.DeleteSession(ctx, tokenHash)
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
