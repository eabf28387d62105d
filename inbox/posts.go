package inbox

import (
	"context"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/store"
)

// The office's own posts, from draft to PublishDue. No screen follows
// posts live yet: these only write, so that when one does, the event is
// published here.

// SavePost writes a draft (ID 0: a new one) or changes one.
func (s *Service) SavePost(ctx context.Context, a redazione.Actor, p *store.Post) error {
	return s.DB.SavePost(ctx, a, p)
}

// SubmitPost sends a draft on its way: to approval, or scheduled after the
// undo window. checked: the author confirmed the warnings.
func (s *Service) SubmitPost(ctx context.Context, a redazione.Actor, id int64, checked bool) (*store.Post, error) {
	if err := s.platformRefusal(ctx, a, id); err != nil {
		return nil, err
	}
	return s.DB.SubmitPost(ctx, a, id, checked)
}

// ApprovePost is the second person's approval.
func (s *Service) ApprovePost(ctx context.Context, a redazione.Actor, id int64) (*store.Post, error) {
	if err := s.platformRefusal(ctx, a, id); err != nil {
		return nil, err
	}
	return s.DB.ApprovePost(ctx, a, id)
}

// CancelPost stops a post that has not started going out.
func (s *Service) CancelPost(ctx context.Context, a redazione.Actor, id int64) error {
	return s.DB.CancelPost(ctx, a, id)
}
