package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/redazione/redazione"
)

// NoWebSocket is a WebSocket handshake the instance answered without
// upgrading (a 404 where only server-sent events are served, say): the
// other transport may work where this one does not.
type NoWebSocket struct{ Status string }

func (e NoWebSocket) Error() string {
	return "lo streaming WebSocket di Mastodon ha risposto " + e.Status
}

// pingEvery is how often a WebSocket stream is asked for a pong: a
// connection that does not answer within it is taken for dead (Mastodon and
// GoToSocial ping their clients every 30 seconds too).
const pingEvery = 30 * time.Second

// StreamingURL is where the instance serves its streaming API, as its
// GET /api/v2/instance says (configuration.urls.streaming, "wss://..."):
// Mastodon may serve it on another host, GoToSocial on its own. It is ""
// when the instance does not say.
func StreamingURL(ctx context.Context, client *http.Client, ch *redazione.Channel) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base(ch)+"/api/v2/instance", nil)
	if err != nil {
		return ""
	}
	resp, err := client.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var inst struct {
		Configuration struct {
			URLs struct {
				Streaming string `json:"streaming"`
			} `json:"urls"`
		} `json:"configuration"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&inst) != nil {
		return ""
	}
	u, err := url.Parse(inst.Configuration.URLs.Streaming)
	if err != nil || u.Host == "" {
		return ""
	}
	switch u.Scheme {
	case "wss", "ws", "https", "http":
		return inst.Configuration.URLs.Streaming
	}
	return ""
}

// wsMessage is one message of the WebSocket stream: the event and its
// payload, a JSON document cast to a string (the bare id for "delete"), or
// an error the server reports on the socket.
type wsMessage struct {
	Stream  []string        `json:"stream"`
	Event   string          `json:"event"`
	Payload json.RawMessage `json:"payload"`
	Error   string          `json:"error"`
	Status  int             `json:"status"`
}

// StreamWebSocket reads the account's user stream over WebSocket
// (GET /api/v1/streaming?stream=user upgraded, the token in the
// Authorization header as Mastodon recommends and GoToSocial accepts) and
// hands each notification to handle, each edit or deletion to revise, as
// Stream does for server-sent events. connected is called once the socket
// is open, before any event is read. A handshake answered without an
// upgrade is a NoWebSocket error.
func StreamWebSocket(ctx context.Context, client *http.Client, streamBase, token string, connected func(), handle func(Notification) error, revise func(redazione.Revision) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	u, err := url.Parse(strings.TrimRight(streamBase, "/") + "/api/v1/streaming")
	if err != nil || u.Host == "" {
		return errors.New("indirizzo dello streaming Mastodon non valido")
	}
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	case "http":
		u.Scheme = "ws"
	case "wss", "ws":
	default:
		return errors.New("indirizzo dello streaming Mastodon non valido")
	}
	u.RawQuery = url.Values{"stream": {"user"}}.Encode()
	dctx, dcancel := context.WithTimeout(ctx, 30*time.Second)
	conn, resp, err := websocket.Dial(dctx, u.String(), &websocket.DialOptions{HTTPClient: client,
		HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
	dcancel()
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
				return fmt.Errorf("lo streaming Mastodon ha rifiutato il token: %s", resp.Status)
			}
			return NoWebSocket{Status: resp.Status}
		}
		return fmt.Errorf("streaming Mastodon non raggiungibile (%s)", u.Host)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(maxEventBytes)
	if connected != nil {
		connected()
	}
	// a socket that stops answering pings is dead, even if no error says so
	go func() {
		t := time.NewTicker(pingEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				pctx, pcancel := context.WithTimeout(ctx, pingEvery)
				err := conn.Ping(pctx)
				pcancel()
				if err != nil {
					cancel()
					return
				}
			}
		}
	}()
	for {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			if ctx.Err() == nil && strings.Contains(err.Error(), "read limited") {
				return errors.New("evento dello streaming troppo grande")
			}
			return errors.New("lo streaming Mastodon si è interrotto")
		}
		if typ != websocket.MessageText {
			continue
		}
		var m wsMessage
		if err := json.Unmarshal(data, &m); err != nil {
			return fmt.Errorf("evento illeggibile dallo streaming: %w", err)
		}
		if m.Error != "" {
			return fmt.Errorf("lo streaming Mastodon ha segnalato un errore: %s", m.Error)
		}
		payload := string(m.Payload)
		if strings.HasPrefix(payload, `"`) {
			// the documented form: the payload is a string holding the JSON
			if err := json.Unmarshal(m.Payload, &payload); err != nil {
				return fmt.Errorf("evento illeggibile dallo streaming: %w", err)
			}
		}
		if err := dispatch(m.Event, payload, handle, revise); err != nil {
			return err
		}
	}
}
