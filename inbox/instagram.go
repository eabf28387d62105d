package inbox

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/publish"
	"github.com/redazione/redazione/store"
)

// Instagram publishing needs two things Redazione learns outside the post:
// a public https address, from which Meta downloads the images, and room
// in the account's daily publishing limit, which only the platform knows.

// limitTTL is how long an account's publishing limit is kept before it is
// asked again: the form is shown often, the limit moves slowly.
const limitTTL = time.Minute

// limitTimeout bounds the reading of a limit, so a slow platform never
// holds the post form.
const limitTimeout = 5 * time.Second

// limitReader reads an account's publishing limit (meta.InstagramSender).
type limitReader interface {
	PublishingLimit(ctx context.Context, ch *redazione.Channel) (used, total int, err error)
}

// Limit is an account's use of its daily publishing limit: Used posts of
// Total in the last 24 hours.
type Limit struct {
	Used, Total int
}

// Reached reports whether no post may go out now.
func (l Limit) Reached() bool { return l.Total > 0 && l.Used >= l.Total }

type limitEntry struct {
	limit Limit
	ok    bool
	at    time.Time
}

// limits keeps each account's publishing limit for limitTTL, per process:
// a stale figure only delays a Block the platform enforces anyway.
type limits struct {
	mu sync.Mutex
	m  map[int64]limitEntry
}

// PublishingLimit is the account's daily publishing limit, read from the
// platform at most once a minute; ok is false where the platform has
// none, or did not say (an error there never stops the form).
func (s *Service) PublishingLimit(ctx context.Context, ch *redazione.Channel) (l Limit, ok bool) {
	r, isReader := s.Senders[ch.Kind].(limitReader)
	if !isReader {
		return Limit{}, false
	}
	s.limits.mu.Lock()
	e, cached := s.limits.m[ch.ID]
	s.limits.mu.Unlock()
	if cached && time.Since(e.at) < limitTTL {
		return e.limit, e.ok
	}
	ctx, cancel := context.WithTimeout(ctx, limitTimeout)
	defer cancel()
	used, total, err := r.PublishingLimit(ctx, ch)
	e = limitEntry{limit: Limit{Used: used, Total: total}, ok: err == nil && total > 0, at: time.Now()}
	if err != nil && s.Log != nil {
		s.Log.Warn("publishing limit", "channel", ch.ID, "err", err)
	}
	s.limits.mu.Lock()
	if s.limits.m == nil {
		s.limits.m = map[int64]limitEntry{}
	}
	s.limits.m[ch.ID] = e
	s.limits.mu.Unlock()
	return e.limit, e.ok
}

// PlatformFindings are what the platform of the account would refuse,
// beyond the post's own checks (store.DB.CheckPost): on Instagram, no
// public https address for Meta to download the images from, and the
// daily limit reached.
func (s *Service) PlatformFindings(ctx context.Context, ch *redazione.Channel) []publish.Finding {
	if ch.Kind != redazione.ChannelInstagram {
		return nil
	}
	var out []publish.Finding
	if !strings.HasPrefix(s.PublicURL, "https://") {
		out = append(out, publish.Finding{Check: "public_url", Level: publish.Block,
			Message: "Redazione non ha un indirizzo pubblico https (REDAZIONE_PUBLIC_URL) da cui Meta scarica le immagini: finché l'amministratore non lo configura, su Instagram non si pubblica"})
	}
	if l, ok := s.PublishingLimit(ctx, ch); ok && l.Reached() {
		out = append(out, publish.Finding{Check: "daily_limit", Level: publish.Block,
			Message: fmt.Sprintf("raggiunto il limite di Instagram: %d post su %d nelle ultime 24 ore; riprova più tardi", l.Used, l.Total)})
	}
	return out
}

// platformRefusal is the refusal of a post its platform would not take,
// with every finding, or nil.
func (s *Service) platformRefusal(ctx context.Context, a redazione.Actor, id int64) error {
	p, err := s.DB.Post(ctx, a, id)
	if err != nil || p.ChannelKind != redazione.ChannelInstagram {
		return nil // the store answers for what it finds
	}
	ch, err := s.DB.Channel(ctx, p.ChannelID)
	if err != nil {
		return nil
	}
	fs := s.PlatformFindings(ctx, ch)
	if !publish.Blocks(fs) {
		return nil
	}
	own, _ := s.DB.CheckPost(ctx, a, p)
	return &store.ErrChecks{Findings: append(own, fs...), Blocked: true}
}
