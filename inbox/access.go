package inbox

import (
	"context"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/accesso"
)

// The registro degli accessi: a request registered from a conversation is
// shown beside it, so a change to it refreshes the conversation's screens.

// CreateAccessRequest registers a request, numbered and with its term.
func (s *Service) CreateAccessRequest(ctx context.Context, a redazione.Actor, r *accesso.Request) error {
	if err := s.DB.CreateAccessRequest(ctx, a, r); err != nil {
		return err
	}
	if r.ConversationID != 0 {
		s.changed(ctx, a, r.ConversationID)
	}
	return nil
}

// UpdateAccessRequest records what happened to a request (the number and
// the conversation stay).
// A decision the requester asked to get on App IO goes there by itself.
func (s *Service) UpdateAccessRequest(ctx context.Context, a redazione.Actor, r *accesso.Request) error {
	old, err := s.DB.AccessRequest(ctx, a, r.ID)
	if err != nil {
		return err
	}
	if err := s.DB.UpdateAccessRequest(ctx, a, r); err != nil {
		return err
	}
	if r.ConversationID != 0 {
		s.changed(ctx, a, r.ConversationID)
	}
	if r.AppIONotify && r.FiscalCode != "" && r.Outcome != "" && (r.Outcome != old.Outcome || r.DecidedOn != old.DecidedOn) {
		subject, body := AccessDecisionMessage(s.enteName(ctx, a.EnteID), r)
		s.autoAppIO(ctx, a, AppIOFromAccess, r.ID, subject, body)
	}
	return nil
}

// PublishAccessDocument records that a repeatedly asked document is now
// published at link; it returns the conversations it was asked in, the
// actor may see, so that the requesters can be told.
func (s *Service) PublishAccessDocument(ctx context.Context, a redazione.Actor, key, document, link string) ([]int64, error) {
	return s.DB.PublishAccessDocument(ctx, a, key, document, link)
}
