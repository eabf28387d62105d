package settings

import (
	"context"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/sla"
)

// Office hours and response-time targets: read when a page is drawn and
// by the periodic check, no live screen.

// SaveCalendar sets the office hours, holidays and terms.
func (s *Service) SaveCalendar(ctx context.Context, a redazione.Actor, c calendar.Settings) error {
	return s.changed(ctx, a.EnteID, s.DB.SaveCalendar(ctx, a, c))
}

// SaveResponseTarget writes (ID 0: adds) a response-time target.
func (s *Service) SaveResponseTarget(ctx context.Context, a redazione.Actor, p *sla.Policy) error {
	return s.changed(ctx, a.EnteID, s.DB.SavePolicy(ctx, a, p))
}

// DeleteResponseTarget removes a response-time target.
func (s *Service) DeleteResponseTarget(ctx context.Context, a redazione.Actor, id int64) error {
	return s.changed(ctx, a.EnteID, s.DB.DeletePolicy(ctx, a, id))
}
