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

// known returns the instance's limits as far as they are known, without
// waiting for it; when they are not, the instance is asked meanwhile (for
// a page being drawn).
func (s Sender) known(ch *redazione.Channel) (max, perURL int, ok bool) {
	if max, perURL, ok = limits(context.Background(), s.client(), ch, false); !ok {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			limits(ctx, s.client(), ch, true)
		}()
	}
	return max, perURL, ok
}

// asked returns the instance's limits, asking it now if they are not
// known (a text being sent).
func (s Sender) asked(ctx context.Context, ch *redazione.Channel) (max, perURL int, ok bool) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return limits(ctx, s.client(), ch, true)
}

// ReplyLimit is the longest answer the instance takes, without the
// mention of the citizen the answer begins with, as Mastodon counts (the
// composer counts the same way). Until the instance has said, Mastodon's
// default; the instance is asked meanwhile.
func (s Sender) ReplyLimit(conv *redazione.Conversation) int {
	max, perURL := publish.MastodonMaxCharacters, publish.MastodonURLLength
	if s.Channel != nil {
		if ch, err := s.Channel(context.Background(), conv.ChannelID); err == nil {
			if m, p, ok := s.known(ch); ok {
				max, perURL = m, p
			}
		}
	}
	return max - publish.MastodonLength(mention(conv), perURL)
}

// PostLimits are the instance's limits on an institutional post
// (store.PostLimits): the longest status and what a link counts. fetch
// false answers from what is known and asks the instance meanwhile; true
// asks it now (a post being submitted or approved). ok is false while the
// instance has not said.
func (s Sender) PostLimits(ctx context.Context, ch *redazione.Channel, fetch bool) (max, perURL int, ok bool) {
	if fetch {
		return s.asked(ctx, ch)
	}
	return s.known(ch)
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
	max, perURL, ok := s.asked(context.Background(), ch)
	if !ok {
		return nil
	}
	m := publish.MastodonLength(mention(conv), perURL)
	if n := publish.MastodonLength(mention(conv)+text, perURL); n > max {
		return fmt.Errorf("il testo ha %d caratteri: con la menzione del cittadino, questa istanza Mastodon ne accetta al massimo %d", n-m, max-m)
	}
	return nil
}
