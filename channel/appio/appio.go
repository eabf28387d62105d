// Package appio is the App IO channel: an ente's service on IO, the
// State's app (PagoPA), sends personal messages to citizens known by their
// codice fiscale. It only sends: before each message the citizen's profile
// is checked (no profile: the citizen does not use IO; sender_allowed
// false: they turned the service off), then the message is submitted, and
// its outcome is asked for later (IO processes messages asynchronously).
//
// The shapes follow "IO API for Public Administration Services"
// (pagopa/io-functions-services openapi/index.yaml, definitions in
// pagopa/io-functions-commons openapi/definitions.yaml); samples are in
// testdata.
package appio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/codicefiscale"
	"github.com/redazione/redazione/jobs"
)

// DefaultBaseURL is IO's production API.
const DefaultBaseURL = "https://api.io.pagopa.it"

// Limits of a message's content (MessageSubject, MessageBodyMarkdown).
const (
	SubjectMin  = 10
	SubjectMax  = 120
	MarkdownMin = 80
	MarkdownMax = 10000
)

// Content is what a message says: its subject, its Markdown body and,
// optionally, a due date the citizen may set a reminder for.
type Content struct {
	Subject  string
	Markdown string
	DueDate  time.Time // zero: none
}

// Check validates a content with IO's limits (counted in characters, as
// the operator sees them), with Italian messages; it trims the texts.
func (c *Content) Check() error {
	c.Subject, c.Markdown = strings.TrimSpace(c.Subject), strings.TrimSpace(c.Markdown)
	for _, f := range []struct{ field, v string }{{"subject", c.Subject}, {"markdown", c.Markdown}} {
		if !utf8.ValidString(f.v) || strings.ContainsRune(f.v, 0) {
			return redazione.FieldError(f.field, "il testo contiene caratteri non ammessi")
		}
	}
	if n := utf8.RuneCountInString(c.Subject); n < SubjectMin || n > SubjectMax {
		return redazione.FieldError("subject", "l'oggetto deve avere da %d a %d caratteri (ne ha %d)", SubjectMin, SubjectMax, n)
	}
	if strings.ContainsAny(c.Subject, "\r\n") {
		return redazione.FieldError("subject", "l'oggetto sta su una riga")
	}
	if n := utf8.RuneCountInString(c.Markdown); n < MarkdownMin || n > MarkdownMax {
		return redazione.FieldError("markdown", "il testo deve avere da %d a %d caratteri (ne ha %d)", MarkdownMin, MarkdownMax, n)
	}
	return nil
}

// Status is a message's processing status on IO (MessageStatusValue).
type Status string

// The statuses IO documents.
const (
	Accepted  Status = "ACCEPTED"  // taken, not yet processed
	Throttled Status = "THROTTLED" // a temporary failure: IO retries
	Failed    Status = "FAILED"    // a permanent failure: nothing sent
	Processed Status = "PROCESSED" // in the citizen's inbox on IO
	Rejected  Status = "REJECTED"  // no such citizen, or the sender is blocked
)

// Final reports whether IO will not change the status any more.
func (s Status) Final() bool { return s == Failed || s == Processed || s == Rejected }

// ErrNoProfile: the citizen has no profile on IO (they do not use the app).
var ErrNoProfile = errors.New("il cittadino non usa App IO (nessun profilo per questo codice fiscale)")

// ErrNotAllowed: the citizen turned this service off in the app.
var ErrNotAllowed = errors.New("il cittadino ha disattivato su App IO i messaggi di questo servizio")

// Client calls IO for one channel (its API key and address).
type Client struct {
	HTTP    *http.Client
	BaseURL string
	Key     string
	// Now is the clock Retry-After dates are read against (time.Now when nil).
	Now func() time.Time
}

// ClientFor returns the client of an App IO channel.
func ClientFor(ch *redazione.Channel, hc *http.Client) *Client {
	base := strings.TrimRight(strings.TrimSpace(ch.Settings["api_base_url"]), "/")
	if base == "" {
		base = DefaultBaseURL
	}
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{HTTP: hc, BaseURL: base, Key: ch.Settings["api_key"]}
}

// Profile checks that the citizen can get this service's messages: nil,
// or ErrNoProfile / ErrNotAllowed wrapped in jobs.Permanent, or a
// temporary error (jobs.Later on 429).
func (c *Client) Profile(ctx context.Context, cf codicefiscale.Code) error {
	var p struct {
		SenderAllowed *bool `json:"sender_allowed"`
	}
	status, err := c.do(ctx, http.MethodPost, "/api/v1/profiles", map[string]string{"fiscal_code": cf.String()}, &p, "il controllo del profilo")
	switch {
	case status == http.StatusNotFound:
		return jobs.Permanent{Err: ErrNoProfile}
	case err != nil:
		return err
	case p.SenderAllowed == nil:
		return fmt.Errorf("App IO ha risposto al controllo del profilo senza sender_allowed")
	case !*p.SenderAllowed:
		return jobs.Permanent{Err: ErrNotAllowed}
	}
	return nil
}

// Submit sends a message and returns IO's id of it.
func (c *Client) Submit(ctx context.Context, cf codicefiscale.Code, m Content) (string, error) {
	content := map[string]any{"subject": m.Subject, "markdown": m.Markdown}
	if !m.DueDate.IsZero() {
		content["due_date"] = m.DueDate.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	var r struct {
		ID string `json:"id"`
	}
	if _, err := c.do(ctx, http.MethodPost, "/api/v1/messages", map[string]any{"fiscal_code": cf.String(), "content": content}, &r, "l'invio del messaggio"); err != nil {
		return "", err
	}
	if r.ID == "" {
		return "", fmt.Errorf("App IO ha accettato il messaggio senza indicarne l'id")
	}
	return r.ID, nil
}

// MessageStatus asks IO where a message stands.
func (c *Client) MessageStatus(ctx context.Context, cf codicefiscale.Code, id string) (Status, error) {
	var r struct {
		Status Status `json:"status"`
	}
	st, err := c.do(ctx, http.MethodGet, "/api/v1/messages/"+url.PathEscape(cf.String())+"/"+url.PathEscape(id), nil, &r, "la verifica del messaggio")
	if st == http.StatusNotFound {
		return "", jobs.Permanent{Err: errors.New("App IO non trova il messaggio")}
	}
	if err != nil {
		return "", err
	}
	if r.Status == "" {
		// IO may answer without a status before it has one.
		r.Status = Accepted
	}
	return r.Status, nil
}

// problem is IO's ProblemJson error body.
type problem struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
}

// do calls IO and decodes a 2xx answer into out. 429 becomes jobs.Later
// (after IO's Retry-After); 5xx and network errors are temporary; other
// refusals permanent. It returns the status code (0 without an answer).
func (c *Client) do(ctx context.Context, method, path string, in, out any, what string) (int, error) {
	if c.Key == "" {
		return 0, jobs.Permanent{Err: errors.New("il canale App IO non ha la chiave API (api_key)")}
	}
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return 0, jobs.Permanent{Err: errors.New("indirizzo dell'API di App IO non valido")}
	}
	req.Header.Set("Ocp-Apim-Subscription-Key", c.Key)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, fmt.Errorf("App IO non raggiungibile per %s (%s)", what, req.URL.Host)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if out != nil && len(raw) > 0 {
			if err := json.Unmarshal(raw, out); err != nil {
				return resp.StatusCode, fmt.Errorf("App IO ha risposto a %s in un formato inatteso", what)
			}
		}
		return resp.StatusCode, nil
	}
	var p problem
	_ = json.Unmarshal(raw, &p)
	reason := strings.TrimSpace(p.Detail)
	if reason == "" {
		reason = strings.TrimSpace(p.Title)
	}
	if len(reason) > 200 {
		reason = reason[:200]
	}
	msg := fmt.Sprintf("App IO ha rifiutato %s (HTTP %d)", what, resp.StatusCode)
	if reason != "" {
		msg += ": " + reason
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return resp.StatusCode, jobs.Later{Err: fmt.Errorf("App IO chiede di riprovare più tardi (HTTP 429) per %s", what), After: channel.RetryAfter(resp.Header, now())}
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return resp.StatusCode, jobs.Permanent{Err: fmt.Errorf("App IO non accetta la chiave API del servizio (HTTP %d): controlla api_key nel canale", resp.StatusCode)}
	case resp.StatusCode >= 500:
		return resp.StatusCode, errors.New(msg)
	}
	return resp.StatusCode, jobs.Permanent{Err: errors.New(msg)}
}

// ContentSource returns the subject and due date stored for an App IO
// message (the text of the message is its Markdown body).
type ContentSource func(ctx context.Context, enteID, messageID int64) (subject string, due time.Time, err error)

// Sender delivers App IO messages: the conversation's contact is the
// citizen's codice fiscale.
type Sender struct {
	Content ContentSource
	Client  *http.Client
}

// Send checks the citizen's profile, then submits the message; m.ExternalID
// becomes IO's id of it.
func (s Sender) Send(ctx context.Context, ch *redazione.Channel, conv *redazione.Conversation, m *redazione.Message) error {
	cf, err := codicefiscale.Parse(conv.Contact.ExternalID)
	if err != nil {
		return jobs.Permanent{Err: errors.New("il contatto non ha un codice fiscale valido")}
	}
	if s.Content == nil {
		return jobs.Permanent{Err: errors.New("nessun oggetto per il messaggio App IO")}
	}
	subject, due, err := s.Content(ctx, m.EnteID, m.ID)
	if err != nil {
		return err
	}
	content := Content{Subject: subject, Markdown: m.Text, DueDate: due}
	if err := content.Check(); err != nil {
		return jobs.Permanent{Err: errors.New(redazione.ErrorMessage(err))}
	}
	c := ClientFor(ch, s.Client)
	if err := c.Profile(ctx, cf); err != nil {
		return err
	}
	id, err := c.Submit(ctx, cf, content)
	if err != nil {
		return err
	}
	m.ExternalID = id
	return nil
}
