package settings

import (
	"context"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/store"
)

// Guidelines, the social media policy and the training register: read
// when a page is drawn (the policy banner too), no live screen.

// SavePlaybook writes the guidelines of a situation.
func (s *Service) SavePlaybook(ctx context.Context, a redazione.Actor, p store.Playbook) error {
	return s.DB.SavePlaybook(ctx, a, p)
}

// AcknowledgePolicy records that the actor has read a policy.
func (s *Service) AcknowledgePolicy(ctx context.Context, a redazione.Actor, policyID int64) error {
	return s.DB.AcknowledgePolicy(ctx, a, policyID)
}

// PublishPolicy publishes a new version of a policy.
func (s *Service) PublishPolicy(ctx context.Context, a redazione.Actor, kind string, sections map[string]string) (*store.Policy, error) {
	return s.DB.PublishPolicy(ctx, a, kind, sections)
}

// SetResponsible names the user responsible for a channel.
func (s *Service) SetResponsible(ctx context.Context, a redazione.Actor, channelID, userID int64) error {
	return s.DB.SetResponsible(ctx, a, channelID, userID)
}

// AddTraining records a training session.
func (s *Service) AddTraining(ctx context.Context, a redazione.Actor, t *store.Training) error {
	return s.DB.AddTraining(ctx, a, t)
}
