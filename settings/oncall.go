package settings

import (
	"context"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/store"
)

// The on-call rota and the spike alert: read when an alert is sent and by
// the periodic check, no live screen.

// AddShift puts a user on call from from to to.
func (s *Service) AddShift(ctx context.Context, a redazione.Actor, userID int64, from, to time.Time) error {
	return s.DB.AddShift(ctx, a, userID, from, to)
}

// DeleteShift removes a shift.
func (s *Service) DeleteShift(ctx context.Context, a redazione.Actor, id int64) error {
	return s.DB.DeleteShift(ctx, a, id)
}

// SetSpikeRule sets how many citizens' messages within how many minutes
// alert the people on call.
func (s *Service) SetSpikeRule(ctx context.Context, a redazione.Actor, r store.SpikeRule) error {
	return s.DB.SetSpikeRule(ctx, a, r)
}
