// Package bluesky is the Bluesky channel (AT Protocol): the ente's posts go
// out as app.bsky.feed.post records with their links, mentions and hashtags
// as facets and up to four images with their alternative text; mentions,
// replies and quotes of the account arrive from its notifications as public
// conversations and are answered in the thread (reply.root and
// reply.parent); with direct_messages=on the account's chats arrive as
// private conversations and are answered in the same chat. See
// docs/BLUESKY.md.
package bluesky

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
	"sync"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/jobs"
)

// ChatProxy is the atproto-proxy header that sends chat.bsky.* calls
// through the account's PDS to Bluesky's chat service.
const ChatProxy = "did:web:api.bsky.chat#bsky_chat"

// Sessions keeps a channel's session (tokens and DID), sealed at rest
// (*store.DB has it).
type Sessions interface {
	BlueskySession(ctx context.Context, channelID int64) ([]byte, error)
	SaveBlueskySession(ctx context.Context, channelID int64, session []byte) error
}

// Session is what createSession and refreshSession answer that Redazione
// keeps: the tokens, the account and the PDS it lives on.
type Session struct {
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
	Handle     string `json:"handle"`
	DID        string `json:"did"`
	// PDS is the account's server, found from its DID document (or the
	// channel's api_base_url).
	PDS string `json:"pds,omitempty"`
	// Login is the handle and password the session was made with: a new
	// app password starts a new session.
	Login string `json:"login,omitempty"`
}

// Client calls the account's PDS for one channel, signing in when needed
// and refreshing the session when the PDS says it expired.
type Client struct {
	HTTP     *http.Client
	Sessions Sessions
	// Resolver finds the PDS of an account when api_base_url is empty.
	Resolver *Resolver
}

// locks keeps two calls of one process from refreshing a channel's session
// at once (the refresh token is good once).
var locks sync.Map // channel id → *sync.Mutex

func lockOf(id int64) *sync.Mutex {
	m, _ := locks.LoadOrStore(id, &sync.Mutex{})
	return m.(*sync.Mutex)
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 60 * time.Second}
}

// XRPCError is a PDS's refusal: its status, error name and message.
type XRPCError struct {
	Status  int
	Name    string `json:"error"`
	Message string `json:"message"`
}

func (e *XRPCError) Error() string {
	return fmt.Sprintf("Bluesky ha risposto %d %s %s", e.Status, e.Name, e.Message)
}

// login names a channel's credentials, so a changed password is noticed.
func login(ch *redazione.Channel) string {
	return strings.ToLower(handleOf(ch)) + "\n" + ch.Settings["app_password"]
}

func handleOf(ch *redazione.Channel) string {
	return strings.TrimPrefix(strings.TrimSpace(ch.Settings["handle"]), "@")
}

// session returns the channel's stored session, signing in when there is
// none (or it was made with other credentials).
func (c *Client) session(ctx context.Context, ch *redazione.Channel) (*Session, error) {
	if handleOf(ch) == "" || ch.Settings["app_password"] == "" {
		return nil, jobs.Permanent{Err: errors.New("il canale Bluesky non ha handle o app_password")}
	}
	if c.Sessions != nil {
		raw, err := c.Sessions.BlueskySession(ctx, ch.ID)
		if err != nil {
			return nil, fmt.Errorf("sessione Bluesky: %w", err)
		}
		var s Session
		if len(raw) > 0 && json.Unmarshal(raw, &s) == nil && s.AccessJwt != "" && s.Login == login(ch) && s.PDS == c.pdsHint(ch, s.PDS) {
			return &s, nil
		}
	}
	return c.createSession(ctx, ch)
}

// pdsHint is the PDS a session must be on: api_base_url when set, else the
// one the session found.
func (c *Client) pdsHint(ch *redazione.Channel, found string) string {
	if b := strings.TrimRight(ch.Settings["api_base_url"], "/"); b != "" {
		return b
	}
	return found
}

// createSession signs in with the handle and the app password
// (com.atproto.server.createSession) on the account's PDS.
func (c *Client) createSession(ctx context.Context, ch *redazione.Channel) (*Session, error) {
	pds := strings.TrimRight(ch.Settings["api_base_url"], "/")
	if pds == "" {
		r := c.Resolver
		if r == nil {
			r = &Resolver{HTTP: c.http()}
		}
		var err error
		if pds, err = r.PDS(ctx, handleOf(ch)); err != nil {
			return nil, err
		}
	}
	var s Session
	body := map[string]string{"identifier": handleOf(ch), "password": ch.Settings["app_password"]}
	if err := c.do(ctx, pds, http.MethodPost, "com.atproto.server.createSession", nil, "", body, &s, ""); err != nil {
		var xe *XRPCError
		if errors.As(err, &xe) && (xe.Status == http.StatusUnauthorized || xe.Name == "AuthenticationRequired" || xe.Name == "AccountTakedown") {
			return nil, jobs.Permanent{Err: fmt.Errorf("Bluesky non accetta handle e app password del canale (%s): controllali in Amministrazione › Canali", xe.Message)}
		}
		return nil, err
	}
	s.PDS, s.Login = pds, login(ch)
	return &s, c.save(ctx, ch, &s)
}

func (c *Client) save(ctx context.Context, ch *redazione.Channel, s *Session) error {
	if c.Sessions == nil {
		return nil
	}
	raw, _ := json.Marshal(s)
	if err := c.Sessions.SaveBlueskySession(ctx, ch.ID, raw); err != nil {
		return fmt.Errorf("sessione Bluesky: %w", err)
	}
	return nil
}

// refresh renews an expired access token with the refresh token
// (com.atproto.server.refreshSession), or signs in again when that expired
// too.
func (c *Client) refresh(ctx context.Context, ch *redazione.Channel, old *Session) (*Session, error) {
	var s Session
	err := c.do(ctx, old.PDS, http.MethodPost, "com.atproto.server.refreshSession", nil, "", nil, &s, old.RefreshJwt)
	if err != nil {
		var xe *XRPCError
		if errors.As(err, &xe) && xe.Status < 500 && xe.Status != http.StatusTooManyRequests {
			return c.createSession(ctx, ch)
		}
		return nil, err
	}
	s.PDS, s.Login = old.PDS, old.Login
	return &s, c.save(ctx, ch, &s)
}

// Session returns the channel's session, signing in when there is none.
func (c *Client) Session(ctx context.Context, ch *redazione.Channel) (*Session, error) {
	lock := lockOf(ch.ID)
	lock.Lock()
	defer lock.Unlock()
	return c.session(ctx, ch)
}

// Call makes one authenticated XRPC call on the channel's PDS (nsid is the
// method; a GET when body is nil and query is not, a POST otherwise). An
// expired access token is refreshed once and the call made again.
func (c *Client) Call(ctx context.Context, ch *redazione.Channel, method, nsid string, query url.Values, proxy string, body, out any) (*Session, error) {
	lock := lockOf(ch.ID)
	lock.Lock()
	s, err := c.session(ctx, ch)
	lock.Unlock()
	if err != nil {
		return nil, err
	}
	err = c.do(ctx, s.PDS, method, nsid, query, proxy, body, out, s.AccessJwt)
	var xe *XRPCError
	if errors.As(err, &xe) && (xe.Name == "ExpiredToken" || xe.Name == "InvalidToken" || (xe.Status == http.StatusUnauthorized && xe.Name == "AuthenticationRequired")) {
		lock.Lock()
		// another call may have refreshed it meanwhile
		cur, cerr := c.session(ctx, ch)
		if cerr == nil && cur.AccessJwt != s.AccessJwt {
			s = cur
		} else if cerr == nil {
			s, cerr = c.refresh(ctx, ch, cur)
		}
		lock.Unlock()
		if cerr != nil {
			return nil, cerr
		}
		err = c.do(ctx, s.PDS, method, nsid, query, proxy, body, out, s.AccessJwt)
	}
	return s, classify(err)
}

// classify turns a PDS's refusal into what the job queue understands: 429
// and 5xx are tried again, anything else is final.
func classify(err error) error {
	var xe *XRPCError
	if !errors.As(err, &xe) {
		return err
	}
	if xe.Status == http.StatusTooManyRequests || xe.Status >= 500 {
		return err
	}
	return jobs.Permanent{Err: err}
}

// maxResponse bounds what is read of a PDS's answer.
const maxResponse = 8 << 20

// do makes one XRPC call. body is JSON unless it is a *rawBody.
func (c *Client) do(ctx context.Context, base, method, nsid string, query url.Values, proxy string, body, out any, token string) error {
	u := strings.TrimRight(base, "/") + "/xrpc/" + nsid
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case *rawBody:
		rd, ct = bytes.NewReader(b.data), b.contentType
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return err
		}
		rd, ct = bytes.NewReader(raw), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return jobs.Permanent{Err: errors.New("indirizzo del server Bluesky (api_base_url) non valido")}
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if proxy != "" {
		req.Header.Set("atproto-proxy", proxy)
	}
	resp, err := c.http().Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("server Bluesky non raggiungibile (%s)", req.URL.Host)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("risposta interrotta del server Bluesky: %w", err)
	}
	if resp.StatusCode >= 300 {
		xe := &XRPCError{Status: resp.StatusCode}
		json.Unmarshal(raw, xe)
		return xe
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("risposta illeggibile del server Bluesky (%s): %w", nsid, err)
	}
	return nil
}

// rawBody is a request body sent as it is (an image for uploadBlob).
type rawBody struct {
	data        []byte
	contentType string
}
