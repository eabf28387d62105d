package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
)

// latency is the measured latency of one kind of request.
type latency struct {
	Name     string
	N        int
	P50, P95 time.Duration
	P99      time.Duration
	Max      time.Duration
	Bytes    int // size of the last response
	Target   time.Duration
}

// readResult is what one data-set size measured.
type readResult struct {
	Size        int64
	DS          *dataset
	Lat         []latency
	HWMkB       int64
	RSSkB       int64
	StartupTime time.Duration
	Machine     machineSample
}

// client is a logged-in operator's browser.
type client struct {
	base   string
	cookie string
	http   *http.Client
}

func login(ctx context.Context, base, email string) (*client, error) {
	c := &client{base: base, http: &http.Client{Timeout: 120 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	form := url.Values{"email": {email}, "password": {benchPassword}, "next": {"/inbox"}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "redazione_session" && ck.Value != "" {
			c.cookie = ck.Name + "=" + ck.Value
		}
	}
	if resp.StatusCode != http.StatusSeeOther || c.cookie == "" {
		return nil, fmt.Errorf("login %s: %s, no session cookie", email, resp.Status)
	}
	return c, nil
}

// get fetches a page and checks that it is a 200 with want in it.
func (c *client) get(ctx context.Context, path, want string) (time.Duration, int, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	req.Header.Set("Cookie", c.cookie)
	t0 := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, 0, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(t0)
	if err != nil {
		return 0, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	if want != "" && !strings.Contains(string(b), want) {
		return 0, 0, fmt.Errorf("GET %s: %q not in the page", path, want)
	}
	return d, len(b), nil
}

// measure runs n requests (after warm sequential warm-ups), one at a time,
// stopping early after maxTime.
func measure(ctx context.Context, name string, n, warm int, maxTime time.Duration, target time.Duration, next func(i int) (time.Duration, int, error)) (latency, error) {
	l := latency{Name: name, Target: target}
	for i := range warm {
		if _, _, err := next(-1 - i); err != nil {
			return l, fmt.Errorf("%s: %w", name, err)
		}
	}
	var ds []time.Duration
	start := time.Now()
	for i := range n {
		d, size, err := next(i)
		if err != nil {
			return l, fmt.Errorf("%s: %w", name, err)
		}
		ds = append(ds, d)
		l.Bytes = size
		if time.Since(start) > maxTime && len(ds) >= 5 {
			break
		}
	}
	slices.Sort(ds)
	l.N, l.P50, l.P95, l.P99, l.Max = len(ds), pct(ds, 0.50), pct(ds, 0.95), pct(ds, 0.99), ds[len(ds)-1]
	return l, nil
}

// latencyOf summarises durations measured elsewhere.
func latencyOf(name string, ds []time.Duration, target time.Duration) latency {
	l := latency{Name: name, Target: target, N: len(ds)}
	if len(ds) == 0 {
		return l
	}
	slices.Sort(ds)
	l.P50, l.P95, l.P99, l.Max = pct(ds, 0.50), pct(ds, 0.95), pct(ds, 0.99), ds[len(ds)-1]
	return l
}

var moreLink = regexp.MustCompile(`href="([^"]+)" data-more`)

// deepPage follows the inbox's "Carica altre" links from start to page n
// (or the last page, if fewer) and returns its URL and number.
func (c *client) deepPage(ctx context.Context, start string, n int) (string, int, error) {
	path := start
	for page := 1; ; page++ {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
		req.Header.Set("Cookie", c.cookie)
		resp, err := c.http.Do(req)
		if err != nil {
			return "", 0, err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return "", 0, err
		}
		m := moreLink.FindSubmatch(b)
		if page == n || m == nil {
			return path, page, nil
		}
		path = html.UnescapeString(string(m[1]))
	}
}

// Search queries: common words (thousands to millions of hits), a two-word
// query, a rare case number and a contact's surname.
var searchQueries = []struct{ q, label string }{
	{"rifiuti", "common word"},
	{"pagamento tari", "two common words"},
	{"Cilento", "uncommon word"},
	{"pratica 123456", "rare case number"},
	{"Esposito", "surname (messages + contacts)"},
}

// benchReads measures the inbox, the thread and search against the real
// server on a generated data set, then reads the server's memory.
func benchReads(ctx context.Context, bin string, ds *dataset, samples int, logf func(string, ...any)) (*readResult, error) {
	out := &readResult{Size: ds.Conversations, DS: ds}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	srv, err := startProc(ctx, addr, "/healthz", redazioneEnvDB(ds.Dir, addr, ds.URL), bin, "serve")
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	out.StartupTime = time.Since(t0)
	base := "http://" + addr
	logf("reads: %d conversations, server pid %d (ready in %s)", ds.Conversations, srv.cmd.Process.Pid, out.StartupTime.Round(time.Millisecond))
	admin, err := login(ctx, base, adminEmail)
	if err != nil {
		return nil, err
	}
	op, err := login(ctx, base, operatorEmail)
	if err != nil {
		return nil, err
	}
	warm := 10
	maxTime := 90 * time.Second
	smp := startSampler(ctx, ds.URL)
	r := rand.New(rand.NewPCG(uint64(ds.Conversations), 9))
	add := func(l latency, err error) error {
		if err != nil {
			return err
		}
		out.Lat = append(out.Lat, l)
		logf("  %-40s n=%-4d p50=%-10s p95=%-10s max=%s", l.Name, l.N, l.P50.Round(time.Microsecond), l.P95.Round(time.Microsecond), l.Max.Round(time.Microsecond))
		return nil
	}
	if err := add(measure(ctx, "inbox first page, admin (view=all)", samples, warm, maxTime, 20*time.Millisecond, func(int) (time.Duration, int, error) {
		return admin.get(ctx, "/inbox?view=all", "/conversations/")
	})); err != nil {
		return nil, err
	}
	if err := add(measure(ctx, "inbox first page, operator with 2 desks", samples, warm, maxTime, 20*time.Millisecond, func(int) (time.Duration, int, error) {
		return op.get(ctx, "/inbox?view=all", "/conversations/")
	})); err != nil {
		return nil, err
	}
	// The first page and a deep one (page 500, or the deepest there is),
	// measured in pairs: request by request, alternately, so both see the
	// same machine (it is shared and noisy).
	deep, pageNo, err := admin.deepPage(ctx, "/inbox?view=all", 500)
	if err != nil {
		return nil, err
	}
	var firstDs, deepDs []time.Duration
	if _, err := measure(ctx, "inbox first vs deep page", 2*samples, warm, maxTime, 0, func(i int) (time.Duration, int, error) {
		path, into := "/inbox?view=all", &firstDs
		if i%2 != 0 {
			path, into = deep, &deepDs
		}
		d, size, err := admin.get(ctx, path, "/conversations/")
		if err == nil && i >= 0 {
			*into = append(*into, d)
		}
		return d, size, err
	}); err != nil {
		return nil, err
	}
	if err := add(latencyOf("inbox first page, admin (paired)", firstDs, 20*time.Millisecond), nil); err != nil {
		return nil, err
	}
	if err := add(latencyOf(fmt.Sprintf("inbox page %d, admin (paired, keyset)", pageNo), deepDs, 20*time.Millisecond), nil); err != nil {
		return nil, err
	}
	if err := add(measure(ctx, "conversation thread (random id)", samples, warm, maxTime, 20*time.Millisecond, func(int) (time.Duration, int, error) {
		return admin.get(ctx, fmt.Sprintf("/conversations/%d", 1+r.Int64N(ds.Conversations)), "")
	})); err != nil {
		return nil, err
	}
	if err := add(measure(ctx, fmt.Sprintf("thread of %d messages, latest page", longThread), samples, warm, maxTime, 50*time.Millisecond, func(int) (time.Duration, int, error) {
		return admin.get(ctx, "/conversations/1", "")
	})); err != nil {
		return nil, err
	}
	for _, q := range searchQueries {
		want := ""
		if q.label == "common word" {
			want = "<mark>"
		}
		if err := add(measure(ctx, fmt.Sprintf("search %q (%s)", q.q, q.label), max(samples/4, 5), 2, maxTime/3, 100*time.Millisecond, func(int) (time.Duration, int, error) {
			return admin.get(ctx, "/search?q="+url.QueryEscape(q.q), want)
		})); err != nil {
			return nil, err
		}
	}
	out.Machine = smp.Stop()
	out.HWMkB, out.RSSkB, err = srv.memory()
	if err != nil {
		return nil, err
	}
	if err := srv.stop(); err != nil {
		fmt.Fprintln(os.Stderr, "warning:", err)
	}
	return out, nil
}
