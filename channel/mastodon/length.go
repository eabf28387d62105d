package mastodon

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/publish"
)

// DefaultMaxCharacters is Mastodon's limit on a status unless the
// instance says otherwise (configuration.statuses.max_characters).
const DefaultMaxCharacters = publish.MastodonMaxCharacters

// Length counts a status as Mastodon does (publish.MastodonLength).
func Length(text string, perURL int) int { return publish.MastodonLength(text, perURL) }

// instanceLimits are an instance's limits on a status.
type instanceLimits struct {
	max, perURL int
	at          time.Time
}

// limitsTTL: an instance's limits are asked again after this long.
const limitsTTL = time.Hour

var limitsCache sync.Map // api_base_url -> instanceLimits

// limits returns the instance's limits on a status, asked at most every
// limitsTTL (GET /api/v2/instance); ok is false when the instance has not
// said (not asked yet, or unreachable): fetch asks it now.
func limits(ctx context.Context, client *http.Client, ch *redazione.Channel, fetch bool) (max, perURL int, ok bool) {
	b := base(ch)
	if v, found := limitsCache.Load(b); found && time.Since(v.(instanceLimits).at) < limitsTTL {
		l := v.(instanceLimits)
		return l.max, l.perURL, l.max > 0
	}
	if !fetch {
		return 0, 0, false
	}
	var inst struct {
		Configuration struct {
			Statuses struct {
				MaxCharacters            int `json:"max_characters"`
				CharactersReservedPerURL int `json:"characters_reserved_per_url"`
			} `json:"statuses"`
		} `json:"configuration"`
	}
	l := instanceLimits{at: time.Now()}
	if getJSON(ctx, client, ch, "/api/v2/instance", &inst) == nil {
		l.max, l.perURL = inst.Configuration.Statuses.MaxCharacters, inst.Configuration.Statuses.CharactersReservedPerURL
	}
	if l.max > 0 && l.perURL <= 0 {
		l.perURL = publish.MastodonURLLength
	}
	if l.max <= 0 {
		// Unknown: asked again in a minute, not in an hour.
		l.at = time.Now().Add(time.Minute - limitsTTL)
	}
	limitsCache.Store(b, l)
	return l.max, l.perURL, l.max > 0
}

// mention is how the reply begins: the citizen's account, mentioned.
func mention(conv *redazione.Conversation) string { return "@" + conv.Contact.ExternalID + " " }

func (s Sender) client() *http.Client {
	if s.Client != nil {
		return s.Client
	}
	return &http.Client{Timeout: 30 * time.Second}
}

// ReplyLimit is the longest answer the instance takes, without the
// mention of the citizen the answer begins with, as Mastodon counts (the
// composer counts the same way). Until the instance has said, Mastodon's
// default; the instance is asked meanwhile.
func (s Sender) ReplyLimit(conv *redazione.Conversation) int {
	max, perURL := DefaultMaxCharacters, publish.MastodonURLLength
	if s.Channel != nil {
		if ch, err := s.Channel(context.Background(), conv.ChannelID); err == nil {
			if m, p, ok := limits(context.Background(), s.client(), ch, false); ok {
				max, perURL = m, p
			} else {
				go func() {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					limits(ctx, s.client(), ch, true)
				}()
			}
		}
	}
	return max - Length(mention(conv), perURL)
}

// PostLimits are the instance's limits on an institutional post
// (store.PostLimits): the longest status and what a link counts. fetch
// false answers from what is known and asks the instance meanwhile; true
// asks it now (a post being submitted or approved). ok is false while the
// instance has not said.
func (s Sender) PostLimits(ctx context.Context, ch *redazione.Channel, fetch bool) (max, perURL int, ok bool) {
	if fetch {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		return limits(ctx, s.client(), ch, true)
	}
	if max, perURL, ok = limits(ctx, s.client(), ch, false); !ok {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			limits(ctx, s.client(), ch, true)
		}()
	}
	return max, perURL, ok
}

// CheckReply refuses an answer longer than the instance takes, as it
// counts. When the instance cannot be asked, the answer is not refused
// here: the instance decides at delivery.
func (s Sender) CheckReply(conv *redazione.Conversation, text string) error {
	if s.Channel == nil {
		return nil
	}
	ch, err := s.Channel(context.Background(), conv.ChannelID)
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	max, perURL, ok := limits(ctx, s.client(), ch, true)
	if !ok {
		return nil
	}
	m := Length(mention(conv), perURL)
	if n := Length(mention(conv)+text, perURL); n > max {
		return fmt.Errorf("il testo ha %d caratteri: con la menzione del cittadino, questa istanza Mastodon ne accetta al massimo %d", n-m, max-m)
	}
	return nil
}
