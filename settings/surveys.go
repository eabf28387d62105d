package settings

import (
	"context"

	"github.com/redazione/redazione"
)

// The satisfaction survey setting: read when a conversation is resolved,
// no live screen.

// SetSurveysEnabled turns the satisfaction survey on resolution on or off
// (read when a conversation is resolved).
func (s *Service) SetSurveysEnabled(ctx context.Context, a redazione.Actor, on bool) error {
	return s.DB.SetSurveysEnabled(ctx, a, on)
}
