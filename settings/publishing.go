package settings

import (
	"context"

	"github.com/redazione/redazione"
)

// Publishing settings: read when a post is checked, no live screen.

// SavePublishingSettings sets the blocklist and the undo delay of posts.
func (s *Service) SavePublishingSettings(ctx context.Context, a redazione.Actor, blocklist []string, undoSeconds int) error {
	return s.DB.SavePublishingSettings(ctx, a, blocklist, undoSeconds)
}

// AddElectoralPeriod adds an electoral period (dates as the form gives them).
func (s *Service) AddElectoralPeriod(ctx context.Context, a redazione.Actor, name, from, to string) error {
	return s.DB.AddElectoralPeriod(ctx, a, name, from, to)
}

// DeleteElectoralPeriod removes an electoral period.
func (s *Service) DeleteElectoralPeriod(ctx context.Context, a redazione.Actor, id int64) error {
	return s.DB.DeleteElectoralPeriod(ctx, a, id)
}
