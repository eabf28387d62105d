// Package channel declares what a channel adapter does. Each platform (the
// signed API channel, Telegram, Meta's WhatsApp, Messenger and Instagram,
// Mastodon, e-mail and PEC, App IO which only sends; the web chat needs
// none) is one adapter behind these interfaces; its HTTP entry points
// verify and parse what the platform sends, and Send delivers the office's
// replies. The package also holds what
// the inbox must know of the platforms without importing an adapter.
package channel

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redazione/redazione"
)

// Sender delivers an operator's reply to the citizen on a channel. It returns
// a jobs.Permanent error when retrying cannot help, and jobs.Later when the
// platform said when to try again. On success it may set m.ExternalID to the
// platform's id of the sent message, which later receipts name.
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

// SendFiles does nothing either: the citizen fetches the reply's files from
// Redazione, each served only to them.
func (Instant) SendFiles(context.Context, *redazione.Channel, *redazione.Conversation, *redazione.Message, []File) error {
	return nil
}

// RetryAfter reads how long a platform asks to wait before trying again: a
// Retry-After header in seconds or as an HTTP date (RFC 9110). It is 0 when
// the header is absent, unreadable or in the past.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		return max(time.Duration(s)*time.Second, 0)
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// Publisher posts the ente's institutional posts on an account.
type Publisher interface {
	// Publish posts text on the account; postID keys it, so a platform
	// that knows idempotency posts it once. It answers with the platform's
	// id and, where there is one, the post's address.
	Publish(ctx context.Context, ch *redazione.Channel, postID int64, text string) (id, link string, err error)
}

// ImagePublisher posts an institutional post with an image and its
// alternative text (where the platform keeps one).
type ImagePublisher interface {
	PublishImage(ctx context.Context, ch *redazione.Channel, postID int64, text string, img File, alt string) (id, link string, err error)
}

// Image is one image of a post, with its alternative text.
type Image struct {
	File
	Alt string
}

// GalleryPublisher posts an institutional post with several images, in
// order (Instagram's carousel, Bluesky's and X's four, a Telegram album).
// publish.MaxImages says how many a platform takes. The caller opened the
// images' files and closes them after (inbox.Service.sendPost).
type GalleryPublisher interface {
	PublishImages(ctx context.Context, ch *redazione.Channel, postID int64, text string, imgs []Image) (id, link string, err error)
}

// ReplyLimiter is a Sender whose platform refuses a reply longer than it
// counts (Bluesky's 300 graphemes, X's 280 weighted characters, a Mastodon
// instance's own limit): the reply is refused when the operator sends it,
// not later at delivery.
type ReplyLimiter interface {
	// ReplyLimit is the longest reply to conv the platform takes, as it
	// counts (for the composer's counter), or 0.
	ReplyLimit(conv *redazione.Conversation) int
	// CheckReply says, in Italian, why the platform would refuse text as a
	// reply to conv; nil if it would take it.
	CheckReply(conv *redazione.Conversation, text string) error
}

// Hider hides a citizen's public comment on the platform, or shows it again
// (Facebook and Instagram allow it on the ente's own posts; Mastodon does
// not for others' statuses).
type Hider interface {
	Hide(ctx context.Context, ch *redazione.Channel, externalID string, hidden bool) error
}
