package settings

import (
	"context"

	"github.com/redazione/redazione"
)

// Retention: read by the nightly erasure, no live screen.

// SetRetention sets how many months citizens' data is kept.
func (s *Service) SetRetention(ctx context.Context, a redazione.Actor, months int) error {
	return s.DB.SetRetention(ctx, a, months)
}
