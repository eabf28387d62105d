package inbox

import (
	"context"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/events"
	"github.com/redazione/redazione/store"
)

// Crisis mode. It lives in the ente's row: pages read it when they are
// drawn, the publishing loop of every process before each post, and every
// screen of the ente, on every process, redraws its banner when it changes.

// SetCrisis turns crisis mode on (with its reason) or off.
func (s *Service) SetCrisis(ctx context.Context, a redazione.Actor, on bool, reason string) error {
	if err := s.DB.SetCrisis(ctx, a, on, reason); err != nil {
		return err
	}
	s.publish(ctx, events.Event{Type: events.CrisisChanged, EnteID: a.EnteID})
	return nil
}

// SaveHoldingStatement writes (ID 0: adds) a holding statement.
func (s *Service) SaveHoldingStatement(ctx context.Context, a redazione.Actor, h *store.HoldingStatement) error {
	return s.DB.SaveHoldingStatement(ctx, a, h)
}
