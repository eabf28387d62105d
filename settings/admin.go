package settings

import (
	"context"
	"fmt"
	"time"

	"github.com/redazione/redazione"
)

// Staff, channels and desks: read when a page is drawn or a message
// arrives, no live screen.

// CreateUser adds a member of staff.
func (s *Service) CreateUser(ctx context.Context, a redazione.Actor, u *redazione.User) error {
	return s.DB.CreateUser(ctx, a, u)
}

// UpdateUser changes a member of staff's name, role, desks or access,
// asked from the client address remote: disabling ends their sessions and
// revokes their API tokens at once.
func (s *Service) UpdateUser(ctx context.Context, a redazione.Actor, u *redazione.User, remote string) error {
	return s.DB.UpdateUserFrom(ctx, a, u, remote)
}

// CreateChannel adds a channel.
func (s *Service) CreateChannel(ctx context.Context, a redazione.Actor, c *redazione.Channel) error {
	return s.wake(ctx, c.ID, c.Kind, s.DB.CreateChannel(ctx, a, c))
}

// UpdateChannel changes a channel's name, desk, callback or state.
func (s *Service) UpdateChannel(ctx context.Context, a redazione.Actor, c *redazione.Channel) error {
	return s.wake(ctx, c.ID, c.Kind, s.changed(ctx, a.EnteID, s.DB.UpdateChannel(ctx, a, c)))
}

// UpdateChannelSettings replaces a channel's settings.
func (s *Service) UpdateChannelSettings(ctx context.Context, a redazione.Actor, id int64, settings map[string]string) error {
	return s.wake(ctx, id, "", s.changed(ctx, a.EnteID, s.DB.UpdateChannelSettings(ctx, a, id, settings)))
}

// WebhookRegistered records in the audit trail that a channel's platform
// now posts to url.
func (s *Service) WebhookRegistered(ctx context.Context, a redazione.Actor, c *redazione.Channel, url string) error {
	return s.DB.Audit(ctx, redazione.AuditEntry{EnteID: c.EnteID, ActorID: a.UserID, Action: "channel.webhook", Target: fmt.Sprint(c.ID), Detail: url})
}

// RenameDesk renames a desk.
func (s *Service) RenameDesk(ctx context.Context, a redazione.Actor, deskID int64, name string) error {
	return s.DB.RenameDesk(ctx, a, deskID, name)
}

// CreatePasswordReset stores a one-time link, known by the hash of its
// token, for a member of staff to set a new password; it returns the user
// and when the link expires.
func (s *Service) CreatePasswordReset(ctx context.Context, a redazione.Actor, userID int64, tokenHash string) (*redazione.User, time.Time, error) {
	return s.DB.CreatePasswordReset(ctx, a, userID, tokenHash)
}
