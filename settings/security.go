package settings

import (
	"context"

	"github.com/redazione/redazione"
)

// Sign-in security: the ente's policy on the second factor, and the
// reset of a member of staff's factors. No live screen.

// SetMFAPolicy sets who must have a second factor in the actor's ente,
// and whether single sign-on relies on the provider's own.
func (s *Service) SetMFAPolicy(ctx context.Context, a redazione.Actor, p redazione.MFAPolicy) error {
	return s.DB.SetMFAPolicy(ctx, a, p)
}

// ResetFactors removes every second factor of a member of staff, ends
// their sessions and tells them in an in-app notification; it returns the
// user, for the e-mail.
func (s *Service) ResetFactors(ctx context.Context, a redazione.Actor, userID int64) (*redazione.User, error) {
	return s.DB.ResetFactors(ctx, a, userID)
}
