package x

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/redazione/redazione"
)

// Mentions is the answer of GET /2/users/:id/mentions with
// expansions=author_id: the posts newest first, their authors beside.
type Mentions struct {
	Data []struct {
		ID        string    `json:"id"`
		Text      string    `json:"text"`
		AuthorID  string    `json:"author_id"`
		CreatedAt time.Time `json:"created_at"`
	} `json:"data"`
	Includes struct {
		Users []struct{ ID, Name, Username string } `json:"users"`
	} `json:"includes"`
	Meta struct {
		NewestID  string `json:"newest_id"`
		NextToken string `json:"next_token"`
	} `json:"meta"`
}

var leadingMentions = regexp.MustCompile(`^(@\w+\s*)+`)

// Parse turns mentions into inbound messages, oldest first: each a public
// message of its author (id as the contact, "Name (@username)" as the
// name), without the leading @names of the thread. The account's own
// posts are left out.
func Parse(m *Mentions, self string) []redazione.Inbound {
	users := map[string]string{}
	for _, u := range m.Includes.Users {
		name := strings.TrimSpace(u.Name)
		if u.Username != "" {
			name = strings.TrimSpace(name + " (@" + u.Username + ")")
		}
		users[u.ID] = name
	}
	var out []redazione.Inbound
	for i := len(m.Data) - 1; i >= 0; i-- {
		t := m.Data[i]
		if t.AuthorID == "" || t.AuthorID == self {
			continue
		}
		text := strings.TrimSpace(leadingMentions.ReplaceAllString(strings.TrimSpace(t.Text), ""))
		if text == "" {
			continue
		}
		in := redazione.Inbound{ExternalID: t.ID, ContactID: t.AuthorID, ContactName: users[t.AuthorID], Text: text, SentAt: t.CreatedAt, Public: true}
		if in.Validate() == nil {
			out = append(out, in)
		}
	}
	return out
}

// Ingester stores a citizen's message (inbox.Service).
type Ingester interface {
	Ingest(ctx context.Context, ch *redazione.Channel, in redazione.Inbound) (*redazione.Ingested, error)
}

// Cursor keeps the newest mention read, across restarts (store.DB).
type Cursor interface {
	XSinceID(ctx context.Context, channelID int64) (string, error)
	SaveXSinceID(ctx context.Context, channelID int64, sinceID string) error
}

// Poller reads the account's mentions into the inbox.
type Poller struct {
	Sender Sender
	Ingest Ingester
	Cursor Cursor
	Log    interface {
		Warn(msg string, args ...any)
	}
}

// Once reads the mentions newer than the last one read (since_id), oldest
// first, into the inbox, and moves the cursor past each one stored. It
// answers how long X asks to wait when it said 429 (0 otherwise).
func (p Poller) Once(ctx context.Context, ch *redazione.Channel) (time.Duration, error) {
	self := ch.Settings[SettingUserID]
	if self == "" {
		return 0, notSignedIn
	}
	since, err := p.Cursor.XSinceID(ctx, ch.ID)
	if err != nil {
		return 0, err
	}
	var pages []*Mentions
	next := ""
	for range 10 { // at most 1,000 mentions a pass
		q := url.Values{"expansions": {"author_id"}, "tweet.fields": {"created_at,author_id"}, "user.fields": {"username,name"}, "max_results": {"100"}}
		if since != "" {
			q.Set("since_id", since)
		} else {
			q.Set("max_results", "10") // the first pass reads only the latest few
		}
		if next != "" {
			q.Set("pagination_token", next)
		}
		var m Mentions
		if err := p.Sender.do(ctx, ch, http.MethodGet, "/2/users/"+url.PathEscape(self)+"/mentions?"+q.Encode(), "", nil, &m); err != nil {
			var se *statusError
			if errors.As(err, &se) && se.Status == http.StatusTooManyRequests {
				return max(se.Wait, time.Minute), userError(err, "la lettura delle menzioni")
			}
			// Nothing is stored from a pass cut short: an older page
			// missing would leave a gap behind the cursor.
			return 0, userError(err, "la lettura delle menzioni")
		}
		pages = append(pages, &m)
		next = m.Meta.NextToken
		if next == "" || since == "" {
			break
		}
	}
	// pages come newest first: store from the oldest
	for i := len(pages) - 1; i >= 0; i-- {
		for _, in := range Parse(pages[i], self) {
			if _, err := p.Ingest.Ingest(ctx, ch, in); err != nil && redazione.ErrorCode(err) == redazione.EINTERNAL {
				return 0, err
			}
			if newer(in.ExternalID, since) {
				since = in.ExternalID
				if err := p.Cursor.SaveXSinceID(ctx, ch.ID, since); err != nil {
					return 0, err
				}
			}
		}
		// mentions Parse left out (the account's own) move the cursor too
		if id := pages[i].Meta.NewestID; newer(id, since) {
			since = id
			if err := p.Cursor.SaveXSinceID(ctx, ch.ID, since); err != nil {
				return 0, err
			}
		}
	}
	return 0, nil
}

// Run polls every interval until ctx ends, waiting as long as X asks
// after a 429.
func (p Poller) Run(ctx context.Context, ch *redazione.Channel, every time.Duration) {
	for ctx.Err() == nil {
		wait, err := p.Once(ctx, ch)
		if err != nil && ctx.Err() == nil && p.Log != nil {
			p.Log.Warn("x mentions", "channel", ch.ID, "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(max(wait, every)):
		}
	}
}

// newer reports whether post id a comes after b: ids are numbers, compared
// as such (a longer id is a larger one).
func newer(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}
