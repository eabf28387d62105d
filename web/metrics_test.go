package web_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
	"github.com/redazione/redazione/web"
)

const metricsToken = "token-delle-metriche-di-prova"

// scrape reads /metrics with token; it returns the status and each sample
// by its name and labels as written ("name{label=\"v\"}").
func scrape(t *testing.T, e *env, token string) (int, map[string]float64) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+"/metrics", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	samples := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err == nil {
			samples[line[:i]] = v
		}
	}
	return resp.StatusCode, samples
}

// /metrics, behind its token, shows a citizen's message, a reply's retry
// and delivery, the job queue, the streams, the database's time and the
// Go runtime.
func TestMetrics(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db, func(c *app.Config) { c.MetricsToken = metricsToken })
		code, before := scrape(t, e, metricsToken)
		if code != 200 {
			t.Fatalf("/metrics with the token: %d", code)
		}
		for _, tok := range []string{"", "token-sbagliato", metricsToken + "x"} {
			if code, samples := scrape(t, e, tok); code != http.StatusUnauthorized || len(samples) > 0 {
				t.Errorf("/metrics with token %q: %d, %d samples; want 401 and none", tok, code, len(samples))
			}
		}

		var secret string
		cb := newCallback(t, &secret, 1) // fails once, then takes the reply
		ch := e.newChannel(e.ente, redazione.ChannelAPI, e.desks[0].ID, cb.URL+"/hook")
		secret = ch.Secret
		conv := e.ingest(ch, "m1", "cit-1", "Quando apre l'anagrafe?")
		_, after := scrape(t, e, metricsToken)
		received := `redazione_messages_received_total{channel="api"}`
		if after[received] != before[received]+1 {
			t.Errorf("%s went from %v to %v after one message", received, before[received], after[received])
		}

		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		b := e.login(op)
		if code, body := b.post(fmt.Sprintf("/conversations/%d/messages", conv), url.Values{"text": {"Alle 8:30."}, "kind": {"reply"}}); code != 200 {
			t.Fatalf("reply: %d %s", code, body)
		}
		var got map[string]float64
		if !waitUntil(30*time.Second, func() bool {
			_, got = scrape(t, e, metricsToken)
			return got[`redazione_deliveries_total{outcome="sent"}`] == 1
		}) {
			t.Fatalf("the reply's delivery is not counted: sent %v", got[`redazione_deliveries_total{outcome="sent"}`])
		}
		if got[`redazione_deliveries_total{outcome="retry"}`] != 1 || got[`redazione_deliveries_total{outcome="failed"}`] != 0 {
			t.Errorf("deliveries: retry %v, failed %v; want 1 and 0", got[`redazione_deliveries_total{outcome="retry"}`], got[`redazione_deliveries_total{outcome="failed"}`])
		}
		for _, name := range []string{
			`redazione_jobs{state="available"}`, `redazione_jobs_oldest_seconds{state="available"}`, `redazione_sla_breaches_total`,
			`redazione_event_streams_open{pool="operators"}`, `redazione_event_streams_open{pool="public"}`,
			`go_goroutines`, `process_open_fds`,
		} {
			if _, ok := got[name]; !ok {
				t.Errorf("/metrics lacks %s", name)
			}
		}
		if got[`redazione_jobs_scrape_error`] != 0 {
			t.Error("the job queue could not be read")
		}
		if got[`redazione_db_query_seconds_count{op="insert"}`] == 0 || got[`redazione_db_query_seconds_count{op="select"}`] == 0 {
			t.Error("the database's time is not measured")
		}
	})
}

// Without a token /metrics is not on the main address at all.
func TestMetricsOffWithoutToken(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	if code, _ := scrape(t, e, ""); code != http.StatusNotFound {
		t.Errorf("/metrics without a token configured: %d, want 404", code)
	}
}

// syncBuffer is a log the server and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Each answer carries its request's id, and the request's log lines carry
// the same; a client's own id is believed only from a trusted proxy.
func TestRequestID(t *testing.T) {
	t.Parallel()
	for _, trusted := range []bool{false, true} {
		t.Run(fmt.Sprintf("trusted=%v", trusted), func(t *testing.T) {
			t.Parallel()
			e := start(t, testdb.Open(t, store.SQLite), func(c *app.Config) {
				if trusted {
					c.TrustedProxies, _ = web.ParseTrustedProxies("127.0.0.1, ::1")
				}
			})
			var logs syncBuffer
			e.app.Web.Log = slog.New(web.LogHandler(slog.NewJSONHandler(&logs, nil)))

			req, _ := http.NewRequest("GET", e.srv.URL+"/login", nil)
			req.Header.Set(web.RequestIDHeader, "proxy-id-1234")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			id := resp.Header.Get(web.RequestIDHeader)
			switch {
			case trusted && id != "proxy-id-1234":
				t.Errorf("a trusted proxy's request id was replaced by %q", id)
			case !trusted && (id == "proxy-id-1234" || !regexp.MustCompile(`^[0-9a-f]{24}$`).MatchString(id)):
				t.Errorf("request id %q: want one of the server's own, not the client's", id)
			}
			if !strings.Contains(logs.String(), `"request_id":"`+id+`"`) || !strings.Contains(logs.String(), `"path":"/login"`) {
				t.Errorf("the log does not show request %s:\n%s", id, logs.String())
			}

			// a refused sign-in logs why with the request's id
			resp, err = http.PostForm(e.srv.URL+"/login", url.Values{"email": {"nessuno@example.it"}, "password": {"x"}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			id = resp.Header.Get(web.RequestIDHeader)
			var line string
			for l := range strings.SplitSeq(logs.String(), "\n") {
				if strings.Contains(l, "login failed") {
					line = l
				}
			}
			if id == "" || !strings.Contains(line, `"request_id":"`+id+`"`) {
				t.Errorf("the refused sign-in's log line lacks its request id %q: %s", id, line)
			}
		})
	}
}
