package settings

import (
	"context"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/store"
)

// Canned answers: read when the reply form opens, no live screen.

// SaveCannedAnswer writes (ID 0: adds) a canned answer.
func (s *Service) SaveCannedAnswer(ctx context.Context, a redazione.Actor, c *store.CannedAnswer) error {
	return s.DB.SaveCannedAnswer(ctx, a, c)
}

// DeleteCannedAnswer removes a canned answer.
func (s *Service) DeleteCannedAnswer(ctx context.Context, a redazione.Actor, id int64) error {
	return s.DB.DeleteCannedAnswer(ctx, a, id)
}
