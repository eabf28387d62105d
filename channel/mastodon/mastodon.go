// Package mastodon is the Mastodon channel: the ente's account's mentions
// and direct messages arrive by the streaming API, with the notifications
// API polled whenever the stream is unavailable, and are answered with a
// status that keeps the thread (in_reply_to_id) and the visibility of the
// citizen's message. A direct message opens a private conversation; a
// public mention, a public one.
package mastodon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/jobs"
)

// Notification is the part of a Mastodon Notification Redazione reads.
type Notification struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Account struct {
		ID          string `json:"id"`
		Acct        string `json:"acct"`
		DisplayName string `json:"display_name"`
	} `json:"account"`
	Status *Status `json:"status"`
}

// Status is the part of a Mastodon Status Redazione reads.
type Status struct {
	ID         string     `json:"id"`
	CreatedAt  time.Time  `json:"created_at"`
	EditedAt   *time.Time `json:"edited_at"`
	Visibility string     `json:"visibility"`
	Content    string     `json:"content"`
}

// Revision is the edit of a status: its new text, as a revision of the
// message stored with its id (an unknown id changes nothing).
func (s *Status) Revision() (redazione.Revision, bool) {
	if s == nil || s.ID == "" {
		return redazione.Revision{}, false
	}
	text := Text(s.Content)
	if text == "" {
		return redazione.Revision{}, false
	}
	rev := redazione.Revision{ExternalID: s.ID, Text: text}
	if s.EditedAt != nil {
		rev.At = *s.EditedAt
	}
	return rev, true
}

// Revisions reads the edits among notifications (type "update": a status
// the account received was edited).
func Revisions(ns []Notification) []redazione.Revision {
	var out []redazione.Revision
	for _, n := range ns {
		if n.Type != "update" {
			continue
		}
		if rev, ok := n.Status.Revision(); ok {
			out = append(out, rev)
		}
	}
	return out
}

var (
	tagRe     = regexp.MustCompile(`<[^>]*>`)
	breakRe   = regexp.MustCompile(`(?i)<br\s*/?>|</p>`)
	mentionRe = regexp.MustCompile(`^(@[\w.\-]+(@[\w.\-]+)?\s*)+`)
)

// Text turns a status's HTML into plain text, without the leading mentions.
func Text(content string) string {
	s := breakRe.ReplaceAllString(content, "\n")
	s = html.UnescapeString(tagRe.ReplaceAllString(s, ""))
	s = strings.TrimSpace(mentionRe.ReplaceAllString(strings.TrimSpace(s), ""))
	return strings.TrimSpace(s)
}

// Parse turns mention notifications into inbound messages; the citizen's
// acct is the contact, the status id the message's id.
func Parse(ns []Notification) []redazione.Inbound {
	var out []redazione.Inbound
	for _, n := range ns {
		if n.Type != "mention" || n.Status == nil || n.Status.ID == "" || n.Account.Acct == "" {
			continue
		}
		text := Text(n.Status.Content)
		if text == "" {
			continue
		}
		in := redazione.Inbound{ExternalID: n.Status.ID, ContactID: n.Account.Acct, ContactName: strings.TrimSpace(n.Account.DisplayName),
			Text: text, SentAt: n.Status.CreatedAt, Public: n.Status.Visibility != "direct"}
		if in.Validate() == nil {
			out = append(out, in)
		}
	}
	return out
}

func base(ch *redazione.Channel) string { return strings.TrimRight(ch.Settings["api_base_url"], "/") }

// Fetch returns the mentions newer than sinceID, oldest first.
func Fetch(ctx context.Context, client *http.Client, ch *redazione.Channel, sinceID string) ([]Notification, error) {
	q := url.Values{"types[]": {"mention", "update"}, "limit": {"40"}}
	if sinceID != "" {
		q.Set("since_id", sinceID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base(ch)+"/api/v1/notifications?"+q.Encode(), nil)
	if err != nil {
		return nil, errors.New("indirizzo dell'istanza Mastodon non valido")
	}
	req.Header.Set("Authorization", "Bearer "+ch.Settings["token"])
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("istanza Mastodon non raggiungibile (%s)", req.URL.Host)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("Mastodon ha risposto %s", resp.Status)
	}
	var ns []Notification
	if err := json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(&ns); err != nil {
		return nil, fmt.Errorf("risposta illeggibile di Mastodon: %w", err)
	}
	// newest first from the API: store in the order they were written
	for i, j := 0, len(ns)-1; i < j; i, j = i+1, j-1 {
		ns[i], ns[j] = ns[j], ns[i]
	}
	return ns, nil
}

// Ingester stores a citizen's message and applies their edits
// (inbox.Service); RecentPublicStatuses lists the platform ids of the
// citizens' latest statuses in the channel's open public conversations,
// received after since, newest first, at most limit (the store).
type Ingester interface {
	Ingest(ctx context.Context, ch *redazione.Channel, in redazione.Inbound) (*redazione.Ingested, error)
	Revise(ctx context.Context, ch *redazione.Channel, revs []redazione.Revision) (int, error)
	RecentPublicStatuses(ctx context.Context, ch *redazione.Channel, since time.Time, limit int) ([]string, error)
}

// Poll receives the account's mentions and direct messages until ctx ends:
// live from the streaming API, and by fetching the notifications every
// interval whenever the stream is unavailable or drops (setting
// streaming=off: polling only). Each pass fetches what came after the last
// notification stored, so a drop loses nothing; the first pass reads the
// latest page again after a restart, and the store drops what it has.
//
// The stream is read over WebSocket or server-sent events (setting
// streaming: "auto", the default, "websocket", "sse" or "off"): "auto"
// opens a WebSocket at the address the instance gives in
// GET /api/v2/instance (configuration.urls.streaming, or streaming_url when
// set), as Mastodon's own web client does and as GoToSocial requires, and
// falls back to server-sent events when the instance answers the handshake
// without upgrading. While polling, and once after each (re)connection, the
// latest statuses of open public conversations are asked for again (see
// RecheckLimit), so deletions and edits reach the inbox without the stream.
func Poll(ctx context.Context, ch *redazione.Channel, ing Ingester, every time.Duration, log interface {
	Warn(msg string, args ...any)
}) {
	client := &http.Client{Timeout: 30 * time.Second}
	since := ""
	// ingest stores notifications in order and moves since past them; it
	// stops at the first that could not be stored, to be fetched again.
	ingest := func(ns []Notification) error {
		for _, n := range ns {
			for _, in := range Parse([]Notification{n}) {
				if _, err := ing.Ingest(ctx, ch, in); err != nil && redazione.ErrorCode(err) == redazione.EINTERNAL {
					return err
				}
			}
			if revs := Revisions([]Notification{n}); len(revs) > 0 {
				if _, err := ing.Revise(ctx, ch, revs); err != nil {
					return err
				}
			}
			if newer(n.ID, since) {
				since = n.ID
			}
		}
		return nil
	}
	poll := func() {
		ns, err := Fetch(ctx, client, ch, since)
		if err != nil && ctx.Err() == nil {
			log.Warn("mastodon notifications", "channel", ch.ID, "err", err)
		} else if err == nil {
			channel.Worked(log)
		}
		if err := ingest(ns); err != nil {
			log.Warn("mastodon ingest", "channel", ch.ID, "err", err)
		}
	}
	rc := &rechecker{client: client, ch: ch, ing: ing}
	recheckEvery := RecheckEvery
	if v := ch.Settings["recheck_interval"]; v == "off" {
		recheckEvery = 0
	} else if d, err := time.ParseDuration(v); err == nil && d > 0 {
		recheckEvery = d
	}
	var lastRecheck time.Time
	recheck := func() {
		if recheckEvery == 0 {
			return
		}
		lastRecheck = time.Now()
		if _, err := rc.pass(ctx, lastRecheck); err != nil && ctx.Err() == nil {
			log.Warn("mastodon recheck", "channel", ch.ID, "err", err)
		}
	}
	// after each (re)connection: what came while the stream was down
	connected := func() {
		poll()
		recheck()
	}
	mode := ch.Settings["streaming"]
	sseBase := ch.Settings["streaming_url"]
	if sseBase == "" {
		sseBase = base(ch)
	}
	onEvent := func(n Notification) error { return ingest([]Notification{n}) }
	revise := func(rev redazione.Revision) error {
		_, err := ing.Revise(ctx, ch, []redazione.Revision{rev})
		return err
	}
	noWebSocket := mode == "sse"
	stream := func() error {
		if !noWebSocket {
			wsBase := ch.Settings["streaming_url"]
			if wsBase == "" {
				if wsBase = StreamingURL(ctx, client, ch); wsBase == "" {
					wsBase = base(ch)
				}
			}
			err := StreamWebSocket(ctx, &http.Client{}, wsBase, ch.Settings["token"], connected, onEvent, revise)
			var refused NoWebSocket
			if mode == "websocket" || !errors.As(err, &refused) {
				return err
			}
			// this instance serves server-sent events only: keep to them
			noWebSocket = true
		}
		return Stream(ctx, &http.Client{}, sseBase, ch.Settings["token"], connected, onEvent, revise)
	}
	streaming := mode != "off"
	retry, nextStream := every, time.Time{}
	for ctx.Err() == nil {
		if streaming && !time.Now().Before(nextStream) {
			began := time.Now()
			err := stream()
			if ctx.Err() != nil {
				return
			}
			// a stream that held a while is tried again soon; one that keeps
			// failing, less and less often, polling meanwhile
			if time.Since(began) > 5*time.Minute {
				retry = every
			} else {
				retry = min(retry*2, 5*time.Minute)
			}
			nextStream = time.Now().Add(retry)
			log.Warn("mastodon streaming, polling meanwhile", "channel", ch.ID, "err", err)
		}
		poll()
		if recheckEvery > 0 && time.Since(lastRecheck) >= recheckEvery {
			recheck()
		}
		select {
		case <-ctx.Done():
		case <-time.After(every):
		}
	}
}

// newer reports whether notification id a comes after b: ids are numbers,
// compared as such (a longer id is a larger one).
func newer(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

// Sender answers with a status in reply to the citizen's latest one, with
// the same visibility (direct stays direct), mentioning them.
type Sender struct {
	Client *http.Client
	// LastInbound gives the id of the citizen's latest status in a
	// conversation, to reply to it.
	LastInbound func(ctx context.Context, convID int64) (string, error)
	// Channel finds a conversation's channel, whose instance sets the
	// longest answer (ReplyLimit, CheckReply); nil: no limit is checked.
	Channel func(ctx context.Context, id int64) (*redazione.Channel, error)
}

// Send posts the reply. 429 and 5xx are tried again; other refusals are final.
func (s Sender) Send(ctx context.Context, ch *redazione.Channel, conv *redazione.Conversation, m *redazione.Message) error {
	if ch.Settings["token"] == "" || base(ch) == "" {
		return jobs.Permanent{Err: errors.New("il canale Mastodon non ha token o api_base_url")}
	}
	visibility := "direct"
	if conv.Public {
		visibility = "public"
	}
	client := s.client()
	payload := map[string]any{"status": "@" + conv.Contact.ExternalID + " " + m.Text, "visibility": visibility}
	replyTo := ""
	if s.LastInbound != nil {
		if id, err := s.LastInbound(ctx, conv.ID); err == nil && id != "" {
			payload["in_reply_to_id"] = id
			replyTo = id
			if conv.Public {
				// an unlisted or followers-only mention is answered the same way
				if v := statusVisibility(ctx, client, ch, id); v != "" && v != "direct" {
					payload["visibility"] = v
				}
			}
		}
	}
	if retried(ctx, m) {
		// An earlier attempt may have been posted though it seemed to
		// fail; a server that ignores the idempotency key would post it
		// again. Unless it is certain there is none, nothing is sent.
		id, err := FindPosted(ctx, client, ch, replyTo, m.Text, m.CreatedAt.Add(-time.Minute))
		if err != nil {
			return fmt.Errorf("non è stato possibile verificare se la risposta è già su Mastodon: %w", err)
		}
		if id != "" {
			m.ExternalID = id
			return nil
		}
	}
	// Mastodon drops a repeated request with the same key: a retried job
	// never posts twice there, even without the search above.
	id, _, err := postStatus(ctx, client, ch, payload, fmt.Sprintf("redazione-%d", m.ID), "il messaggio")
	if err == nil {
		m.ExternalID = id
	}
	return err
}

// Publish posts an institutional post, public, on the account. The
// idempotency key is the post's: asked twice, Mastodon posts once.
func (s Sender) Publish(ctx context.Context, ch *redazione.Channel, postID int64, text string) (string, string, error) {
	if ch.Settings["token"] == "" || base(ch) == "" {
		return "", "", jobs.Permanent{Err: errors.New("il canale Mastodon non ha token o api_base_url")}
	}
	client := s.client()
	return postStatus(ctx, client, ch, map[string]any{"status": text, "visibility": "public"}, fmt.Sprintf("redazione-post-%d", postID), "la pubblicazione")
}

// postStatus posts a status and returns its id and address. 429 and 5xx
// are tried again; other refusals are final.
func postStatus(ctx context.Context, client *http.Client, ch *redazione.Channel, payload map[string]any, idempotencyKey, what string) (string, string, error) {
	body, _ := json.Marshal(payload)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base(ch)+"/api/v1/statuses", bytes.NewReader(body))
	if err != nil {
		return "", "", jobs.Permanent{Err: errors.New("indirizzo dell'istanza Mastodon non valido")}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+ch.Settings["token"])
	req.Header.Set("Idempotency-Key", idempotencyKey)
	// Go's transport sends again by itself a request that carries an
	// Idempotency-Key when a reused connection breaks before the answer:
	// on a server that ignores the key (GoToSocial), a second status.
	// Without GetBody it cannot; the retry is the job's, which looks first.
	req.GetBody = nil
	resp, err := client.Do(req)
	if err != nil {
		return "", "", fmt.Errorf("istanza Mastodon non raggiungibile (%s)", req.URL.Host)
	}
	defer resp.Body.Close()
	var r struct {
		ID    string `json:"id"`
		URL   string `json:"url"`
		Error string `json:"error"`
	}
	json.NewDecoder(io.LimitReader(resp.Body, 256<<10)).Decode(&r)
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return r.ID, r.URL, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		err := fmt.Errorf("Mastodon chiede di riprovare: %s %s", resp.Status, r.Error)
		if wait := rateLimitReset(resp.Header, time.Now()); wait > 0 {
			return "", "", jobs.Later{Err: err, After: wait}
		}
		return "", "", err
	default:
		return "", "", jobs.Permanent{Err: fmt.Errorf("Mastodon ha rifiutato %s: %s %s", what, resp.Status, r.Error)}
	}
}

// rateLimitReset is how long Mastodon asks to wait: its X-RateLimit-Reset
// header (an ISO 8601 time) or a standard Retry-After.
func rateLimitReset(h http.Header, now time.Time) time.Duration {
	if t, err := time.Parse(time.RFC3339, strings.TrimSpace(h.Get("X-RateLimit-Reset"))); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return channel.RetryAfter(h, now)
}

// statusVisibility returns the visibility of a status ("" when it cannot be
// read: the conversation's kind decides then).
func statusVisibility(ctx context.Context, client *http.Client, ch *redazione.Channel, id string) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base(ch)+"/api/v1/statuses/"+url.PathEscape(id), nil)
	if err != nil {
		return ""
	}
	req.Header.Set("Authorization", "Bearer "+ch.Settings["token"])
	resp, err := client.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var st struct {
		Visibility string `json:"visibility"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&st) != nil {
		return ""
	}
	switch st.Visibility {
	case "public", "unlisted", "private", "direct":
		return st.Visibility
	}
	return ""
}

// PublishImage uploads the image with its description (Mastodon shows it
// as the image's alternative text), waits for Mastodon to process it, and
// posts the status with it.
func (s Sender) PublishImage(ctx context.Context, ch *redazione.Channel, postID int64, text string, img channel.File, alt string) (string, string, error) {
	if ch.Settings["token"] == "" || base(ch) == "" {
		img.Body.Close()
		return "", "", jobs.Permanent{Err: errors.New("il canale Mastodon non ha token o api_base_url")}
	}
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second}
	}
	id, err := uploadMedia(ctx, client, ch, img, alt)
	if err != nil {
		return "", "", err
	}
	return postStatus(ctx, client, ch, map[string]any{"status": text, "visibility": "public", "media_ids": []string{id}},
		fmt.Sprintf("redazione-post-%d", postID), "la pubblicazione")
}

// uploadMedia uploads an image with its description (Mastodon shows it as
// the image's alternative text) and waits for Mastodon to process it: a
// status can carry it once it has its URL. It returns the media's id.
func uploadMedia(ctx context.Context, client *http.Client, ch *redazione.Channel, img channel.File, alt string) (string, error) {
	ct, body := channel.Multipart([]string{"description", alt}, "file", img)
	var media struct {
		ID  string  `json:"id"`
		URL *string `json:"url"`
	}
	status, err := mastodonCall(ctx, client, ch, http.MethodPost, "/api/v2/media", ct, body, &media)
	if err != nil {
		return "", err
	}
	// 202: still processing.
	for i := 0; status == http.StatusAccepted || media.URL == nil; i++ {
		if i == 20 {
			return "", errors.New("Mastodon non ha finito di elaborare l'immagine")
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
		if status, err = mastodonCall(ctx, client, ch, http.MethodGet, "/api/v1/media/"+url.PathEscape(media.ID), "", nil, &media); err != nil {
			return "", err
		}
		if status == http.StatusOK && media.URL != nil {
			break
		}
	}
	return media.ID, nil
}

// mastodonCall is one API call answered with JSON; it returns the status.
// 429 and 5xx can be tried again (after X-RateLimit-Reset when given); any
// other refusal is final, with Mastodon's reason.
func mastodonCall(ctx context.Context, client *http.Client, ch *redazione.Channel, method, path, contentType string, body io.Reader, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, base(ch)+path, body)
	if err != nil {
		if c, ok := body.(io.Closer); ok {
			c.Close()
		}
		return 0, jobs.Permanent{Err: errors.New("indirizzo dell'istanza Mastodon non valido")}
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+ch.Settings["token"])
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("istanza Mastodon non raggiungibile (%s)", req.URL.Host)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 256<<10))
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		json.Unmarshal(raw, &e)
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			// A rate limit (uploads have their own) or an outage says
			// nothing of the image: as for a status, try again later.
			err := fmt.Errorf("Mastodon chiede di riprovare: %s %s", resp.Status, e.Error)
			if wait := rateLimitReset(resp.Header, time.Now()); wait > 0 {
				return resp.StatusCode, jobs.Later{Err: err, After: wait}
			}
			return resp.StatusCode, err
		}
		return resp.StatusCode, jobs.Permanent{Err: fmt.Errorf("Mastodon ha rifiutato l'immagine: %s %s", resp.Status, e.Error)}
	}
	return resp.StatusCode, json.Unmarshal(raw, out)
}
