package inbox

import (
	"context"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/store"
)

// Crisis mode. Pages read it when they are drawn; no screen follows it
// live yet.

// SetCrisis turns crisis mode on (with its reason) or off.
func (s *Service) SetCrisis(ctx context.Context, a redazione.Actor, on bool, reason string) error {
	return s.DB.SetCrisis(ctx, a, on, reason)
}

// SaveHoldingStatement writes (ID 0: adds) a holding statement.
func (s *Service) SaveHoldingStatement(ctx context.Context, a redazione.Actor, h *store.HoldingStatement) error {
	return s.DB.SaveHoldingStatement(ctx, a, h)
}
