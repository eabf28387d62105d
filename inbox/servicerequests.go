package inbox

import (
	"context"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/store"
)

// Reports (service requests, Open311): a report filed from a conversation
// is shown beside it, so a change to it refreshes the conversation's
// screens.

// CreateServiceRequest files a report of the service with the given code,
// from an operator, the public form or the Open311 API.
func (s *Service) CreateServiceRequest(ctx context.Context, a redazione.Actor, code string, r *store.ServiceRequest) error {
	if err := s.DB.CreateServiceRequest(ctx, a, code, r); err != nil {
		return err
	}
	if r.ConversationID != 0 {
		s.changed(ctx, a, r.ConversationID)
	}
	return nil
}

// UpdateServiceRequest changes a report's status, with notes for the
// citizen.
// A change of status the citizen asked to get on App IO goes there by
// itself.
func (s *Service) UpdateServiceRequest(ctx context.Context, a redazione.Actor, id int64, status, notes string) (*store.ServiceRequest, error) {
	old, err := s.DB.ServiceRequest(ctx, a, id)
	if err != nil {
		return nil, err
	}
	r, err := s.DB.UpdateServiceRequest(ctx, a, id, status, notes)
	if err != nil {
		return nil, err
	}
	if r.ConversationID != 0 {
		s.changed(ctx, a, r.ConversationID)
	}
	if r.AppIONotify && r.FiscalCode != "" && r.Status != old.Status {
		subject, body := ReportStatusMessage(s.enteName(ctx, a.EnteID), r)
		s.autoAppIO(ctx, a, AppIOFromReport, r.ID, subject, body)
	}
	return r, nil
}
