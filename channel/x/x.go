// Package x is the channel of the ente's account on X (formerly Twitter),
// through the X API v2 with an OAuth 2.0 user token (authorization code
// with PKCE, renewed with rotating refresh tokens): institutional posts
// with up to four images and their alternative text, and, where the
// ente's API access allows reading, the account's mentions as public
// conversations, answered in the thread.
package x

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/jobs"
	"github.com/redazione/redazione/publish"
)

// apiError is X's error body: an RFC 7807 problem (v2) or the OAuth one.
type apiError struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Type   string `json:"type"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

func (e apiError) String() string {
	switch {
	case e.Detail != "":
		return e.Detail
	case len(e.Errors) > 0:
		return e.Errors[0].Message
	}
	return e.Title
}

// statusError is an answer of X that is not a success.
type statusError struct {
	Status int
	Body   apiError
	Wait   time.Duration // 429: how long X asks to wait
}

func (e *statusError) Error() string {
	return fmt.Sprintf("X ha risposto %d %s", e.Status, e.Body.String())
}

// duplicate reports whether X refused a post it already has (403, "You are
// not allowed to create a Tweet with duplicate content.").
func (e *statusError) duplicate() bool {
	return e.Status == http.StatusForbidden && strings.Contains(strings.ToLower(e.Body.String()), "duplicate")
}

// RateLimitWait is how long X asks to wait after a 429: until its
// x-rate-limit-reset (epoch seconds), or its Retry-After.
func RateLimitWait(h http.Header, now time.Time) time.Duration {
	if s, err := strconv.ParseInt(strings.TrimSpace(h.Get("x-rate-limit-reset")), 10, 64); err == nil {
		if d := time.Unix(s, 0).Sub(now); d > 0 {
			return d
		}
	}
	return channel.RetryAfter(h, now)
}

// call sends one request with the access token and decodes a success into
// out. It answers *statusError for X's refusals and a plain error (to try
// again) when X cannot be reached.
func call(ctx context.Context, client *http.Client, ch *redazione.Channel, token, method, path, contentType string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, apiBase(ch)+path, rd)
	if err != nil {
		return jobs.Permanent{Err: errors.New("indirizzo delle API di X non valido (api_base_url)")}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("X non raggiungibile (%s)", req.URL.Host)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		se := &statusError{Status: resp.StatusCode}
		json.Unmarshal(b, &se.Body)
		if resp.StatusCode == http.StatusTooManyRequests {
			se.Wait = RateLimitWait(resp.Header, time.Now())
		}
		return se
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("risposta illeggibile di X: %w", err)
		}
	}
	return nil
}

// Sender posts on the account and answers mentions in their thread.
type Sender struct {
	Client *http.Client
	// Store gives the channel's current tokens and keeps renewed ones.
	Store Store
	// LastInbound gives the id of the citizen's latest post in a
	// conversation, to reply to it.
	LastInbound func(ctx context.Context, convID int64) (string, error)
}

func (s Sender) client() *http.Client {
	if s.Client != nil {
		return s.Client
	}
	return &http.Client{Timeout: 60 * time.Second}
}

// do calls X with the channel's token; a 401 renews the token once and
// tries again (X may have revoked it before its expiry).
func (s Sender) do(ctx context.Context, ch *redazione.Channel, method, path, contentType string, body []byte, out any) error {
	for attempt := 0; ; attempt++ {
		tok, err := accessToken(ctx, s.client(), s.Store, ch, attempt > 0)
		if err != nil {
			return err
		}
		err = call(ctx, s.client(), ch, tok, method, path, contentType, body, out)
		var se *statusError
		if errors.As(err, &se) && se.Status == http.StatusUnauthorized && attempt == 0 {
			continue
		}
		return err
	}
}

// userError turns X's refusal into what the office reads, and says whether
// a retry may help: a 429 says when (jobs.Later), a 5xx is tried again,
// anything else is final.
func userError(err error, what string) error {
	var se *statusError
	if !errors.As(err, &se) {
		return err
	}
	switch {
	case se.Status == http.StatusTooManyRequests:
		wait := se.Wait
		if wait <= 0 {
			wait = 15 * time.Minute // X's rate-limit window
		}
		at := time.Now().Add(wait).In(calendar.Rome).Format("15:04")
		return jobs.Later{Err: fmt.Errorf("X ha raggiunto il limite di richieste dell'account: riprova dopo le %s", at), After: wait}
	case se.Status == http.StatusUnauthorized:
		return jobs.Permanent{Err: errors.New("X non riconosce più l'accesso dell'account: un amministratore deve accedere di nuovo con X da Amministrazione › Canali")}
	case se.Status >= 500:
		return fmt.Errorf("X non è disponibile (%d): si riprova più tardi", se.Status)
	}
	return jobs.Permanent{Err: fmt.Errorf("X ha rifiutato %s: %s", what, se.Body.String())}
}

// Link is the address of a post of the account.
func Link(ch *redazione.Channel, id string) string {
	if u := ch.Settings[SettingUsername]; u != "" {
		return "https://x.com/" + u + "/status/" + id
	}
	return "https://x.com/i/web/status/" + id
}

// tweet is the body of POST /2/tweets.
type tweet struct {
	Text  string `json:"text"`
	Media *struct {
		MediaIDs []string `json:"media_ids"`
	} `json:"media,omitempty"`
	Reply *struct {
		InReplyToTweetID string `json:"in_reply_to_tweet_id"`
	} `json:"reply,omitempty"`
}

// createTweet posts and returns the post's id. X refuses a text the
// account has just posted (403, duplicate content): that is the post
// already out, the answer of a request lost on the way back, whose id is
// looked for among the account's latest posts.
func (s Sender) createTweet(ctx context.Context, ch *redazione.Channel, t tweet, what string) (string, error) {
	if err := checkLength(t.Text); err != nil {
		return "", jobs.Permanent{Err: err}
	}
	body, _ := json.Marshal(t)
	var created struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	err := s.do(ctx, ch, http.MethodPost, "/2/tweets", "application/json", body, &created)
	var se *statusError
	if errors.As(err, &se) && se.duplicate() {
		if id := s.findOwn(ctx, ch, t.Text); id != "" {
			return id, nil
		}
		return "", jobs.Permanent{Err: errors.New("X dice che l'account ha già pubblicato questo testo: controlla sull'account prima di riprovare")}
	}
	if err != nil {
		return "", userError(err, what)
	}
	if created.Data.ID == "" {
		return "", jobs.Permanent{Err: errors.New("X non ha dato l'identificativo del post: controlla sull'account")}
	}
	return created.Data.ID, nil
}

// findOwn looks for a post with text among the account's latest ones ("" when
// none, or when the account's access does not allow reading).
func (s Sender) findOwn(ctx context.Context, ch *redazione.Channel, text string) string {
	uid := ch.Settings[SettingUserID]
	if uid == "" {
		return ""
	}
	var tl struct {
		Data []struct{ ID, Text string } `json:"data"`
	}
	if err := s.do(ctx, ch, http.MethodGet, "/2/users/"+uid+"/tweets?max_results=10&exclude=retweets", "", nil, &tl); err != nil {
		return ""
	}
	for _, tw := range tl.Data {
		if strings.TrimSpace(tw.Text) == strings.TrimSpace(text) {
			return tw.ID
		}
	}
	return ""
}

// Publish posts text on the account and answers the post's id and address.
func (s Sender) Publish(ctx context.Context, ch *redazione.Channel, postID int64, text string) (string, string, error) {
	id, err := s.createTweet(ctx, ch, tweet{Text: text}, "la pubblicazione")
	if err != nil {
		return "", "", err
	}
	return id, Link(ch, id), nil
}

// ReplyLimit: every answer on X is a post in reply, 280 weighted
// characters.
func (Sender) ReplyLimit(*redazione.Conversation) int { return publish.MaxLength(redazione.ChannelX) }

// CheckReply refuses an answer longer than X takes.
func (Sender) CheckReply(_ *redazione.Conversation, text string) error { return checkLength(text) }

func checkLength(text string) error {
	if n := publish.Length(redazione.ChannelX, text); n > publish.MaxLength(redazione.ChannelX) {
		return fmt.Errorf("il testo conta %d caratteri per X, che ne accetta al massimo %d", n, publish.MaxLength(redazione.ChannelX))
	}
	return nil
}

// Send answers a mention with a reply to the citizen's latest post of the
// conversation, in its thread (X shows it to them).
func (s Sender) Send(ctx context.Context, ch *redazione.Channel, conv *redazione.Conversation, m *redazione.Message) error {
	var replyTo string
	if s.LastInbound != nil {
		id, err := s.LastInbound(ctx, conv.ID)
		if err != nil {
			return err
		}
		replyTo = id
	}
	if replyTo == "" {
		return jobs.Permanent{Err: errors.New("su X si risponde solo a un post del cittadino: in questa conversazione non ce n'è")}
	}
	t := tweet{Text: m.Text}
	t.Reply = &struct {
		InReplyToTweetID string `json:"in_reply_to_tweet_id"`
	}{replyTo}
	id, err := s.createTweet(ctx, ch, t, "la risposta")
	if err != nil {
		return err
	}
	m.ExternalID = id
	return nil
}
