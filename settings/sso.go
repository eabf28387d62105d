package settings

import (
	"context"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/store"
)

// Single sign-on: read by the login page and the sign-in itself, no live
// screen.

// SetSSO connects (or changes) the identity provider of a's ente; an
// empty client secret keeps the one stored.
func (s *Service) SetSSO(ctx context.Context, a redazione.Actor, p store.SSOProvider) error {
	return s.DB.SetSSOProvider(ctx, a, p)
}

// SSOOff disconnects the identity provider of a's ente; its users sign
// in with a password again.
func (s *Service) SSOOff(ctx context.Context, a redazione.Actor) error {
	return s.DB.DeleteSSOProvider(ctx, a)
}
