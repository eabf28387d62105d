package mastodon

import (
	"bufio"
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/redazione/redazione"
)

// wsMessages are the user stream's messages, one a line, as the WebSocket
// transport sends them (testdata/README.md names the source).
func wsMessages(t *testing.T) [][]byte {
	t.Helper()
	b, err := os.ReadFile("testdata/websocket_user.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		out = append(out, append([]byte(nil), sc.Bytes()...))
	}
	return out
}

// wsServer serves GET /api/v1/streaming as Mastodon does: the token in the
// Authorization header, stream=user, then the messages given, then a close.
func wsServer(t *testing.T, msgs [][]byte) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/streaming" {
			http.Error(w, `{"error":"Unknown channel requested"}`, http.StatusBadRequest)
			return
		}
		if r.Header.Get("Authorization") != "Bearer MASTO-TOKEN" {
			http.Error(w, `{"error":"The access token is invalid"}`, http.StatusUnauthorized)
			return
		}
		if r.URL.Query().Get("stream") != "user" {
			http.Error(w, `{"error":"Unknown stream type"}`, http.StatusBadRequest)
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for _, m := range msgs {
			if err := c.Write(r.Context(), websocket.MessageText, m); err != nil {
				return
			}
		}
		c.Close(websocket.StatusGoingAway, "restarting")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Over WebSocket, a mention reaches handle, an edit and a deletion reach
// revise, and what is not the inbox's (a timeline update, a filter change)
// is passed over; the end of the socket is a drop, told in Italian.
func TestStreamWebSocket(t *testing.T) {
	t.Parallel()
	srv := wsServer(t, wsMessages(t))
	var got []Notification
	var revs []redazione.Revision
	connected := false
	err := StreamWebSocket(t.Context(), &http.Client{}, srv.URL, "MASTO-TOKEN", func() { connected = true },
		func(n Notification) error { got = append(got, n); return nil },
		func(r redazione.Revision) error { revs = append(revs, r); return nil })
	if err == nil || err.Error() != "lo streaming Mastodon si è interrotto" {
		t.Fatalf("end of the socket: %v", err)
	}
	if !connected {
		t.Error("connected was not called")
	}
	if len(got) != 1 {
		t.Fatalf("notifications %+v, want the one mention", got)
	}
	if ins := Parse(got); len(ins) != 1 || ins[0].Public || ins[0].Text != "quando apre la biblioteca?" || ins[0].ContactID != "marco@mastodon.example" {
		t.Fatalf("streamed direct message = %+v", ins)
	}
	if len(revs) != 2 || revs[0].ExternalID != "113450000000000010" || revs[0].Text != "quando apre la biblioteca comunale?" ||
		!revs[1].Deleted || revs[1].ExternalID != "113440000000000000" {
		t.Fatalf("revisions %+v, want the edit then the deletion", revs)
	}
}

// A WebSocket the instance will not open says why: a refused token is not
// a reason to try the other transport, an endpoint that is not there is
// (NoWebSocket); an error reported on the socket ends the stream; a
// hostile oversized message is refused.
func TestStreamWebSocketRefusals(t *testing.T) {
	t.Parallel()
	none := func(Notification) error { t.Error("a notification came"); return nil }
	srv := wsServer(t, nil)
	err := StreamWebSocket(t.Context(), &http.Client{}, srv.URL, "WRONG", nil, none, nil)
	var refused NoWebSocket
	if err == nil || !strings.Contains(err.Error(), "ha rifiutato il token: 401") || errors.As(err, &refused) {
		t.Errorf("wrong token: %v", err)
	}
	sse := httptest.NewServer(http.NotFoundHandler()) // an instance serving server-sent events only
	defer sse.Close()
	if err := StreamWebSocket(t.Context(), &http.Client{}, sse.URL, "MASTO-TOKEN", nil, none, nil); !errors.As(err, &refused) || refused.Status != "404 Not Found" {
		t.Errorf("no WebSocket endpoint: %v", err)
	}
	bad := wsServer(t, [][]byte{[]byte(`{"error":"Unknown stream type","status":400}`)})
	if err := StreamWebSocket(t.Context(), &http.Client{}, bad.URL, "MASTO-TOKEN", nil, none, nil); err == nil || !strings.Contains(err.Error(), "Unknown stream type") {
		t.Errorf("error on the socket: %v", err)
	}
	big := wsServer(t, [][]byte{append(append([]byte(`{"event":"notification","payload":"`), bytes.Repeat([]byte("x"), maxEventBytes)...), `"}`...)})
	if err := StreamWebSocket(t.Context(), &http.Client{}, big.URL, "MASTO-TOKEN", nil, none, nil); err == nil || err.Error() != "evento dello streaming troppo grande" {
		t.Errorf("oversized message: %v", err)
	}
	if err := StreamWebSocket(t.Context(), &http.Client{}, "ftp://x", "MASTO-TOKEN", nil, none, nil); err == nil || !strings.Contains(err.Error(), "non valido") {
		t.Errorf("bad address: %v", err)
	}
}

// The instance says where it streams (GET /api/v2/instance); an instance
// that does not, or says nonsense, gives "".
func TestStreamingURL(t *testing.T) {
	t.Parallel()
	inst, err := os.ReadFile("testdata/instance_v2.json")
	if err != nil {
		t.Fatal(err)
	}
	for body, want := range map[string]string{
		string(inst):                    "wss://mastodon.social",
		`{"configuration":{"urls":{}}}`: "",
		`{"configuration":{"urls":{"streaming":"javascript:alert(1)"}}}`: "",
		`not json`: "",
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/api/v2/instance" {
				http.NotFound(w, r)
				return
			}
			w.Write([]byte(body))
		}))
		ch := &redazione.Channel{Settings: map[string]string{"api_base_url": srv.URL}}
		if got := StreamingURL(t.Context(), &http.Client{}, ch); got != want {
			t.Errorf("%.40s: %q, want %q", body, got, want)
		}
		srv.Close()
	}
}
