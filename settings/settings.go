// Package settings is how the office administers Redazione: staff,
// channels and desks, canned answers, the on-call rota, guidelines,
// policies and training, publishing settings, retention, routing and
// assignment, report categories and Open311 keys, office hours and
// response-time targets, surveys. Web writes them through this service,
// never through the store, as it writes conversations through inbox.
//
// No screen follows a setting live: pages, the routing of a new message
// and the periodic checks read them when they run. A change to what the
// ingest paths cache for a few seconds (channels, routing rules, calendar,
// response-time targets) publishes events.SettingsChanged, so that every
// process forgets its copy at once (this one did already); one that gains a
// live screen publishes its event here, with the change.
package settings

import (
	"context"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/events"
	"github.com/redazione/redazione/store"
)

// Service writes the settings of every ente of the installation.
type Service struct {
	DB *store.DB
	// Bus, when set, carries SettingsChanged to the other processes.
	Bus events.Bus
	// Pollers, when set (the job queue), wakes the pollers of a channel
	// added or whose settings changed, on whichever process takes the job.
	Pollers interface {
		EnqueueWakePollers(ctx context.Context, channelID int64, kind string) error
	}
}

// wake asks, after a successful change, for the channel's poller (e-mail,
// Mastodon, a Telegram bot in polling mode) to start or restart at once,
// not at the next sweep. A wake that cannot be asked for changes nothing:
// the sweep, a minute later, starts the poll. An empty kind wakes the
// pollers of every kind.
func (s *Service) wake(ctx context.Context, channelID int64, kind redazione.ChannelKind, err error) error {
	if err == nil && s.Pollers != nil && (kind == "" || channel.Polled(kind)) {
		s.Pollers.EnqueueWakePollers(ctx, channelID, string(kind))
	}
	return err
}

// changed tells every process, after a successful change, to forget what
// it cached of the ente's settings.
func (s *Service) changed(ctx context.Context, enteID int64, err error) error {
	if err == nil && s.Bus != nil {
		s.Bus.Publish(ctx, events.Event{Type: events.SettingsChanged, EnteID: enteID})
	}
	return err
}
