package auth

import (
	"context"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/store"
)

// Sessions writes what signing in changes: the record of attempts (and
// the lock after too many), the audit of a refused locked account, and
// the sessions themselves. They are the HTTP layer's own state, shown on
// no screen that follows anything live, so no method publishes an event;
// they sit here, beside the tokens and passwords, rather than in inbox,
// which is about conversations.
type Sessions struct {
	DB *store.DB
}

// RecordLogin records an attempt to sign in as u from remote: a success
// clears the count of failures, a failure adds to it and may lock u.
func (s *Sessions) RecordLogin(ctx context.Context, u *redazione.User, ok bool, remote string) error {
	return s.DB.RecordLogin(ctx, u, ok, remote)
}

// RefusedLocked records in the audit trail an attempt to sign in to a
// locked account.
func (s *Sessions) RefusedLocked(ctx context.Context, u *redazione.User, remote string) error {
	return s.DB.Audit(ctx, redazione.AuditEntry{EnteID: u.EnteID, ActorID: u.ID, Action: "login.refused_locked", Target: u.Email, Detail: remote})
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
