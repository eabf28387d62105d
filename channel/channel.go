// Package channel declares what a channel adapter does. Each platform (the
// web chat, the signed API channel, and later Telegram, Meta, Mastodon,
// e-mail) is one adapter behind this interface; its HTTP entry points verify
// and parse what the platform sends, and Send delivers the office's replies.
package channel

import (
	"context"

	"github.com/redazione/redazione"
)

// Sender delivers an operator's reply to the citizen on a channel. It returns
// a jobs.Permanent error when retrying cannot help.
type Sender interface {
	Send(ctx context.Context, ch *redazione.Channel, conv *redazione.Conversation, m *redazione.Message) error
}

// Instant is the Sender of channels whose citizens read replies straight from
// Redazione (the web chat): storing the reply is delivering it.
type Instant struct{}

// Send does nothing: the reply is already where the citizen reads it.
func (Instant) Send(context.Context, *redazione.Channel, *redazione.Conversation, *redazione.Message) error {
	return nil
}

// Hider hides a citizen's public comment on the platform, or shows it again
// (Facebook and Instagram allow it on the ente's own posts; Mastodon does
// not for others' statuses).
type Hider interface {
	Hide(ctx context.Context, ch *redazione.Channel, externalID string, hidden bool) error
}
