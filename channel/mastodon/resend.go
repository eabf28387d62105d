package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
)

// postedStatus is the part of one of the account's own statuses that tells
// whether it is a reply already posted.
type postedStatus struct {
	ID          string    `json:"id"`
	CreatedAt   time.Time `json:"created_at"`
	InReplyToID *string   `json:"in_reply_to_id"`
	Content     string    `json:"content"`
	Visibility  string    `json:"visibility"`
}

// retried reports whether an earlier attempt at this reply may have reached
// the instance: the reply counts a failed attempt, or the delivery job is
// past its first (a process killed while sending counts nothing).
func retried(ctx context.Context, m *redazione.Message) bool {
	return m.Attempts > 0 || channel.Attempt(ctx) > 1
}

// samePosted compares a status's text with the reply's, as Mastodon renders
// it: the leading mention and the HTML gone, runs of blanks as one.
func samePosted(content, text string) bool {
	rendered := "<p>" + strings.ReplaceAll(html.EscapeString(text), "\n", "<br />") + "</p>"
	return strings.Join(strings.Fields(Text(content)), " ") == strings.Join(strings.Fields(Text(rendered)), " ")
}

// FindPosted looks among the account's latest statuses
// (GET /api/v1/accounts/verify_credentials for its id, then
// GET /api/v1/accounts/:id/statuses) for a reply already posted: in reply to
// inReplyTo (any, when ""), with the text, written after notBefore. An
// earlier attempt that timed out may have been posted all the same, and not
// every server honours Idempotency-Key (GoToSocial, older Mastodon behind a
// proxy that retried): finding it is delivering it. It returns the status id,
// "" when there is none.
func FindPosted(ctx context.Context, client *http.Client, ch *redazione.Channel, inReplyTo, text string, notBefore time.Time) (string, error) {
	var me struct {
		ID string `json:"id"`
	}
	if err := getJSON(ctx, client, ch, "/api/v1/accounts/verify_credentials", &me); err != nil {
		return "", err
	}
	if me.ID == "" {
		return "", errors.New("Mastodon non ha detto quale account usa il token")
	}
	q := url.Values{"limit": {"40"}, "exclude_reblogs": {"true"}}
	var sts []postedStatus
	if err := getJSON(ctx, client, ch, "/api/v1/accounts/"+url.PathEscape(me.ID)+"/statuses?"+q.Encode(), &sts); err != nil {
		return "", err
	}
	for _, st := range sts {
		if st.ID == "" || st.CreatedAt.Before(notBefore) {
			continue
		}
		if inReplyTo != "" && (st.InReplyToID == nil || *st.InReplyToID != inReplyTo) {
			continue
		}
		if samePosted(st.Content, text) {
			return st.ID, nil
		}
	}
	return "", nil
}

// getJSON reads one API answer; any failure is a reason to try again later,
// since what it would tell is unknown.
func getJSON(ctx context.Context, client *http.Client, ch *redazione.Channel, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base(ch)+path, nil)
	if err != nil {
		return errors.New("indirizzo dell'istanza Mastodon non valido")
	}
	req.Header.Set("Authorization", "Bearer "+ch.Settings["token"])
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("istanza Mastodon non raggiungibile (%s)", req.URL.Host)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("Mastodon ha risposto %s", resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(out); err != nil {
		return fmt.Errorf("risposta illeggibile di Mastodon: %w", err)
	}
	return nil
}
