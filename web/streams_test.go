package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
	"github.com/redazione/redazione/web"
)

// streams runs Redazione with the stream limits l and a web chat channel;
// it returns the URL of the widget's stream without its token.
func streams(t *testing.T, l web.StreamLimits) (*env, string) {
	e := start(t, testdb.Open(t, store.SQLite), func(c *app.Config) { c.Streams = l })
	wc := e.newChannel(e.ente, redazione.ChannelWebChat, e.desks[0].ID, "")
	return e, fmt.Sprintf("%s/widget/v1/%d/events?token=", e.srv.URL, wc.ID)
}

// openStream asks for an event stream; the stream ends with ctx. A refused
// one is read and closed here.
func openStream(t *testing.T, ctx context.Context, c *http.Client, url string) *http.Response {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return resp
}

// visitor is the n-th citizen's widget token.
func visitor(n int) string { return fmt.Sprintf("%040d", n) }

// wantRefused checks a stream over its cap: 429 at once, a Retry-After,
// and the connection closed.
func wantRefused(t *testing.T, resp *http.Response, what string) {
	t.Helper()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("%s: %d, Retry-After %q; want 429 with Retry-After", what, resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if !resp.Close {
		t.Errorf("%s: the refused connection stays open", what)
	}
}

// A flood of widget streams from one address gets 429 past the cap, while
// /healthz and the operators' streams still answer; a closed stream gives
// its slot back.
func TestStreamsCappedPerAddress(t *testing.T) {
	t.Parallel()
	const perAddress = 5
	e, base := streams(t, web.StreamLimits{PerAddress: perAddress, Public: 100, PerUser: 2})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first, closeFirst := context.WithCancel(ctx)
	for i := range perAddress {
		c := ctx
		if i == 0 {
			c = first
		}
		if resp := openStream(t, c, http.DefaultClient, base+visitor(i)); resp.StatusCode != 200 {
			t.Fatalf("stream %d of %d: %d", i+1, perAddress, resp.StatusCode)
		}
	}
	for i := range 3 {
		wantRefused(t, openStream(t, ctx, http.DefaultClient, base+visitor(100+i)), "a stream past the address's cap")
	}

	resp, err := http.Get(e.srv.URL + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/healthz under a flood of streams: %v %v", resp, err)
	}
	resp.Body.Close()
	// The operator comes from the same address (the test's), in a pool
	// of their own.
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	b := e.login(op)
	live := b.events(ctx, "/events")
	conv := e.ingest(e.api, "m-1", "cit-1", "Buongiorno, il flood non mi ferma")
	if !waitEvent(t, live, "message", fmt.Sprintf(`"conversation":%d`, conv), 5*time.Second) {
		t.Fatal("the operator's stream got no event during the flood")
	}
	// The operator's own cap: PerUser streams, then 429.
	jar := &http.Client{Jar: b.c.Jar}
	if resp := openStream(t, ctx, jar, e.srv.URL+"/events"); resp.StatusCode != 200 {
		t.Fatalf("the operator's second stream: %d", resp.StatusCode)
	}
	wantRefused(t, openStream(t, ctx, jar, e.srv.URL+"/events"), "an operator's stream past their cap")
	// another operator is not counted with them
	other := &http.Client{Jar: e.login(e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)).c.Jar}
	if resp := openStream(t, ctx, other, e.srv.URL+"/events"); resp.StatusCode != 200 {
		t.Fatalf("another operator's stream: %d", resp.StatusCode)
	}

	// The citizen who leaves gives their slot back.
	closeFirst()
	if !waitUntil(5*time.Second, func() bool {
		return openStream(t, ctx, http.DefaultClient, base+visitor(200)).StatusCode == 200
	}) {
		t.Fatal("a closed stream's slot was not given back")
	}
	wantRefused(t, openStream(t, ctx, http.DefaultClient, base+visitor(201)), "a stream past the cap, after one came back")
}

// The widget streams are capped in total whatever their addresses, and
// the operators keep their own reserve.
func TestStreamsCappedInTotal(t *testing.T) {
	t.Parallel()
	const public = 3
	e, base := streams(t, web.StreamLimits{PerAddress: 100, Public: public, Operators: 1})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := range public {
		if resp := openStream(t, ctx, http.DefaultClient, base+visitor(i)); resp.StatusCode != 200 {
			t.Fatalf("stream %d of %d: %d", i+1, public, resp.StatusCode)
		}
	}
	wantRefused(t, openStream(t, ctx, http.DefaultClient, base+visitor(public)), "a stream past the total")

	a := &http.Client{Jar: e.login(e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)).c.Jar}
	if resp := openStream(t, ctx, a, e.srv.URL+"/events"); resp.StatusCode != 200 {
		t.Fatalf("an operator's stream with the public streams full: %d", resp.StatusCode)
	}
	b := &http.Client{Jar: e.login(e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)).c.Jar}
	wantRefused(t, openStream(t, ctx, b, e.srv.URL+"/events"), "an operator's stream past the operators' total")
}

// A stream that sends no event for the idle time ends, and gives its slot
// back; keep-alive pings do not keep it open.
func TestIdleStreamCloses(t *testing.T) {
	t.Parallel()
	_, base := streams(t, web.StreamLimits{PerAddress: 1, Idle: 200 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp := openStream(t, ctx, http.DefaultClient, base+visitor(1))
	if resp.StatusCode != 200 {
		t.Fatalf("stream: %d", resp.StatusCode)
	}
	ended := make(chan string)
	go func() {
		b, _ := io.ReadAll(resp.Body) // until the server ends the stream
		resp.Body.Close()
		ended <- string(b)
	}()
	select {
	case body := <-ended:
		if !strings.HasPrefix(body, "retry: ") {
			t.Errorf("the stream sent %q; want the reconnection delay first", body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("an idle stream is still open")
	}
	if !waitUntil(5*time.Second, func() bool {
		return openStream(t, ctx, http.DefaultClient, base+visitor(2)).StatusCode == 200
	}) {
		t.Fatal("an idle stream's slot was not given back")
	}
}
