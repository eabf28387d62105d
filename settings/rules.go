package settings

import (
	"context"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/rules"
)

// Routing rules and assignment: read when a message arrives, no live
// screen.

// SaveRule writes (ID 0: adds) a routing rule.
func (s *Service) SaveRule(ctx context.Context, a redazione.Actor, r *rules.Rule) error {
	return s.changed(ctx, a.EnteID, s.DB.SaveRule(ctx, a, r))
}

// SetRuleEnabled turns a routing rule on or off.
func (s *Service) SetRuleEnabled(ctx context.Context, a redazione.Actor, id int64, on bool) error {
	return s.changed(ctx, a.EnteID, s.DB.SetRuleEnabled(ctx, a, id, on))
}

// DeleteRule removes a routing rule.
func (s *Service) DeleteRule(ctx context.Context, a redazione.Actor, id int64) error {
	return s.changed(ctx, a.EnteID, s.DB.DeleteRule(ctx, a, id))
}

// SetDeskAutoAssign turns a desk's automatic assignment on or off.
func (s *Service) SetDeskAutoAssign(ctx context.Context, a redazione.Actor, deskID int64, on bool) error {
	return s.changed(ctx, a.EnteID, s.DB.SetDeskAutoAssign(ctx, a, deskID, on))
}

// SetAvailability says whether a user takes new conversations, and how
// many open ones at most.
func (s *Service) SetAvailability(ctx context.Context, a redazione.Actor, userID int64, available bool, maxOpen int) error {
	return s.DB.SetAvailability(ctx, a, userID, available, maxOpen)
}
