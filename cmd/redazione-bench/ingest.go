package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redazione/redazione/channel/apichannel"
)

// loadResult is what one run of the load generator measured.
type loadResult struct {
	OK, Errors int64
	Elapsed    time.Duration
	Lat        []time.Duration // of the successful requests, sorted
	FirstError string
	ServerCPU  float64 // seconds of CPU the server used during the run
	// GeneratorCPU is what the load generator (this process) used; runs
	// made at once (two nodes) count each other's too.
	GeneratorCPU float64
}

func (r loadResult) rate() float64 { return float64(r.OK) / r.Elapsed.Seconds() }

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p)
	return sorted[i]
}

// payloads makes signed API-channel bodies: distinct external ids, one
// message in five from a new contact, the others from a known one.
type payloads struct {
	secret   string
	run      string
	kind     string // "" (API channel), "telegram" or "whatsapp"
	seq      atomic.Int64
	contacts atomic.Int64
}

// request makes one request of the payload's kind: body and headers.
func (p *payloads) request(g *textGen) ([]byte, map[string]string) {
	switch p.kind {
	case "telegram":
		n := p.seq.Add(1)
		contact := p.contact(n, g)
		text, _ := g.citizen()
		body, _ := json.Marshal(map[string]any{"update_id": n, "message": map[string]any{
			"message_id": n, "date": time.Now().Unix(), "text": text,
			"from": map[string]any{"id": 1000 + contact, "is_bot": false, "first_name": "Cittadino", "last_name": strconv.FormatInt(contact, 10)},
			"chat": map[string]any{"id": 1000 + contact, "type": "private", "first_name": "Cittadino", "last_name": strconv.FormatInt(contact, 10)}}})
		return body, map[string]string{"X-Telegram-Bot-Api-Secret-Token": p.secret}
	case "whatsapp":
		n := p.seq.Add(1)
		contact := p.contact(n, g)
		text, _ := g.citizen()
		wa := fmt.Sprintf("39333%07d", contact)
		body, _ := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": []any{map[string]any{"id": "1", "changes": []any{
			map[string]any{"field": "messages", "value": map[string]any{"messaging_product": "whatsapp",
				"metadata": map[string]any{"display_phone_number": "390000000", "phone_number_id": "1"},
				"contacts": []any{map[string]any{"profile": map[string]any{"name": "Cittadino " + strconv.FormatInt(contact, 10)}, "wa_id": wa}},
				"messages": []any{map[string]any{"from": wa, "id": fmt.Sprintf("wamid.%s-%d", p.run, n), "timestamp": strconv.FormatInt(time.Now().Unix(), 10), "type": "text", "text": map[string]any{"body": text}}}}}}}}})
		// Meta signs as Redazione's API channel does: sha256=<hex HMAC>.
		return body, map[string]string{"X-Hub-Signature-256": apichannel.Sign(p.secret, body)}
	}
	body, sig := p.make(g)
	return body, map[string]string{apichannel.SignatureHeader: sig}
}

// contact picks the sender: one message in five from a new contact.
func (p *payloads) contact(n int64, g *textGen) int64 {
	if known := p.contacts.Load(); n%5 == 1 || known == 0 {
		return p.contacts.Add(1)
	} else {
		return 1 + g.rnd.Int64N(known)
	}
}

type apiBody struct {
	ExternalID string     `json:"external_id"`
	Contact    apiContact `json:"contact"`
	Text       string     `json:"text"`
	SentAt     string     `json:"sent_at"`
}

type apiContact struct {
	ExternalID string `json:"external_id"`
	Name       string `json:"name"`
}

func (p *payloads) make(g *textGen) ([]byte, string) {
	n := p.seq.Add(1)
	var contact int64
	if known := p.contacts.Load(); n%5 == 1 || known == 0 {
		contact = p.contacts.Add(1)
	} else {
		contact = 1 + g.rnd.Int64N(known)
	}
	text, _ := g.citizen()
	body, _ := json.Marshal(apiBody{
		ExternalID: fmt.Sprintf("%s-%d", p.run, n),
		Contact:    apiContact{ExternalID: fmt.Sprintf("%s-c%d", p.run, contact), Name: fmt.Sprintf("Cittadino %d", contact)},
		Text:       text,
		SentAt:     time.Now().UTC().Format(time.RFC3339),
	})
	return body, apichannel.Sign(p.secret, body)
}

// runLoad posts signed messages from conc keep-alive clients for dur.
//
// The load generator shares the machine with the server, so what it spends
// is taken from the server's share of the cores: each client is a plain
// keep-alive connection that writes the request's bytes in one call and
// reads the answer with net/http's parser (http.ReadResponse), without
// net/http's Transport (two goroutines per connection and a hand-off
// between them per request). Every request is still made at the moment it
// is sent: a new external id, a new text, a fresh signature.
func runLoad(ctx context.Context, url string, conc int, dur time.Duration, p *payloads, srv *proc) loadResult {
	u, err := neturl.Parse(url)
	if err != nil {
		return loadResult{Errors: 1, FirstError: err.Error()}
	}
	var (
		mu     sync.Mutex
		res    loadResult
		wg     sync.WaitGroup
		cpu0   = srv.cpuSeconds()
		self0  = srv.cpuSecondsOf(os.Getpid())
		start  = time.Now()
		stopAt = start.Add(dur)
	)
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := newTextGen(uint64(w) + uint64(start.UnixNano()))
			lat := make([]time.Duration, 0, 4096)
			var ok, errs int64
			var firstErr string
			fail := func(e string) {
				errs++
				if firstErr == "" {
					firstErr = e
				}
			}
			var c *benchConn
			defer func() { c.close() }()
			for ctx.Err() == nil && time.Now().Before(stopAt) {
				body, headers := p.request(g)
				if c == nil {
					var err error
					if c, err = dialBench(ctx, u.Host); err != nil {
						fail(err.Error())
						continue
					}
				}
				t0 := time.Now()
				status, b, err := c.post(u.RequestURI(), u.Host, body, headers)
				if err != nil {
					fail(err.Error())
					c.close()
					c = nil
					continue
				}
				d := time.Since(t0)
				if status != http.StatusAccepted && status != http.StatusOK {
					fail(fmt.Sprintf("%d %s: %s", status, http.StatusText(status), b))
					continue
				}
				ok++
				lat = append(lat, d)
			}
			mu.Lock()
			res.OK += ok
			res.Errors += errs
			res.Lat = append(res.Lat, lat...)
			if res.FirstError == "" {
				res.FirstError = firstErr
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.ServerCPU = srv.cpuSeconds() - cpu0
	res.GeneratorCPU = srv.cpuSecondsOf(os.Getpid()) - self0
	slices.Sort(res.Lat)
	return res
}

// benchConn is one keep-alive HTTP/1.1 connection of the load generator.
type benchConn struct {
	nc  net.Conn
	br  *bufio.Reader
	buf []byte
}

func dialBench(ctx context.Context, host string) (*benchConn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	return &benchConn{nc: nc, br: bufio.NewReaderSize(nc, 4096)}, nil
}

// post sends one request and returns the answer's status and body.
func (c *benchConn) post(path, host string, body []byte, headers map[string]string) (int, []byte, error) {
	b := append(c.buf[:0], "POST "...)
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, host...)
	b = append(b, "\r\nContent-Type: application/json\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	for k, v := range headers {
		b = append(b, "\r\n"...)
		b = append(b, k...)
		b = append(b, ": "...)
		b = append(b, v...)
	}
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
	c.buf = b
	c.nc.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.nc.Write(b); err != nil {
		return 0, nil, err
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return 0, nil, err
	}
	rb, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, nil, err
	}
	if resp.Close {
		return resp.StatusCode, rb, errors.New("the server closed the connection")
	}
	return resp.StatusCode, rb, nil
}

func (c *benchConn) close() {
	if c != nil {
		c.nc.Close()
	}
}

// noopServer is the ceiling: it reads the body and answers 202 with JSON,
// nothing else. It runs as a child process, like the real server.
func noopServer(addr string) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("POST /api/v1/channels/{id}/messages", func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		w.Write([]byte(`{"conversation_id":1,"duplicate":false,"id":1}` + "\n"))
	})
	hs := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	return hs.ListenAndServe()
}

// ingestResult gathers the three ingest figures.
type ingestResult struct {
	Real, Noop  loadResult
	RealMachine machineSample
	// BareFTSMachine: the machine during the bare inserts with their FTS5
	// row, the ceiling the real ingest is set against.
	BareFTSMachine machineSample
	Telegram       loadResult // the Telegram webhook path
	WhatsApp       loadResult // the WhatsApp (Meta) webhook path
	Bare           float64    // rows/s, bare batched inserts
	BareFTS        float64    // rows/s, batched inserts with their FTS5 row
	BareRows       int
	ServerHWMkB    int64
	Conversation   int64 // conversations the real run created
	Contacts       int64
}

// benchIngest measures the real API-channel path, the no-op ceiling and the
// bare-insert ceiling.
func benchIngest(ctx context.Context, bin, work string, conc int, dur time.Duration, bareRows int, logf func(string, ...any)) (*ingestResult, error) {
	out := &ingestResult{BareRows: bareRows}

	// Ceiling 1: the no-op handler in its own process.
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	noop, err := startProc(ctx, addr, "/healthz", os.Environ(), self, "-noop-server", addr)
	if err != nil {
		return nil, err
	}
	logf("ingest: no-op handler, %d clients, %s", conc, dur)
	out.Noop = runLoad(ctx, "http://"+addr+"/api/v1/channels/1/messages", conc, dur, &payloads{secret: "noop", run: "noop"}, noop)
	noop.stop()
	if out.Noop.OK == 0 {
		return nil, fmt.Errorf("no-op run: no request succeeded: %s", out.Noop.FirstError)
	}

	// The real server on an empty SQLite database.
	dataDir, err := os.MkdirTemp(work, "ingest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dataDir)
	if addr, err = freeAddr(); err != nil {
		return nil, err
	}
	env := redazioneEnv(dataDir, addr)
	srv, err := startProc(ctx, addr, "/healthz", env, bin, "serve")
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	ch, err := addAPIChannel(ctx, bin, env)
	if err != nil {
		return nil, err
	}
	logf("ingest: real server (pid %d), channel %d, %d clients, %s", srv.cmd.Process.Pid, ch.ID, conc, dur)
	smp := startSampler(ctx, "")
	out.Real = runLoad(ctx, fmt.Sprintf("http://%s/api/v1/channels/%d/messages", addr, ch.ID), conc, dur, &payloads{secret: ch.Secret, run: "real"}, srv)
	out.RealMachine = smp.Stop()
	// The same path behind the platforms' webhooks, on the same server.
	addChannel := func(args ...string) (int64, string, error) {
		cmd := exec.CommandContext(ctx, bin, append([]string{"channel", "add"}, args...)...)
		cmd.Env = env
		cmd.Stderr = os.Stderr
		b, err := cmd.Output()
		if err != nil {
			return 0, "", fmt.Errorf("redazione channel add %s: %w", args[0], err)
		}
		var c struct {
			ID     int64  `json:"id"`
			Secret string `json:"secret"`
		}
		if err := json.Unmarshal(b, &c); err != nil || c.ID == 0 {
			return 0, "", fmt.Errorf("redazione channel add %s printed %q: %v", args[0], b, err)
		}
		return c.ID, c.Secret, nil
	}
	tgID, tgSecret, err := addChannel("telegram", "--name", "Bench Telegram", "--set", "token=bench-token")
	if err != nil {
		return nil, err
	}
	logf("ingest: Telegram webhook, %d clients, %s", conc, dur)
	out.Telegram = runLoad(ctx, fmt.Sprintf("http://%s/hooks/telegram/%d", addr, tgID), conc, dur, &payloads{secret: tgSecret, run: "tg", kind: "telegram"}, srv)
	waID, _, err := addChannel("whatsapp", "--name", "Bench WhatsApp", "--set", "token=bench-token", "--set", "app_secret=bench-app-secret",
		"--set", "verify_token=bench", "--set", "phone_number_id=1")
	if err != nil {
		return nil, err
	}
	logf("ingest: WhatsApp webhook, %d clients, %s", conc, dur)
	out.WhatsApp = runLoad(ctx, fmt.Sprintf("http://%s/hooks/meta/%d", addr, waID), conc, dur, &payloads{secret: "bench-app-secret", run: "wa", kind: "whatsapp"}, srv)
	out.ServerHWMkB, _, _ = srv.memory()
	if err := srv.stop(); err != nil {
		return nil, err
	}
	for _, r := range []loadResult{out.Real, out.Telegram, out.WhatsApp} {
		if r.Errors > 0 {
			return nil, fmt.Errorf("ingest: %d errors, first: %s\nserver log:\n%s", r.Errors, r.FirstError, tail(srv.log.String(), 4000))
		}
	}
	// Check what was stored: every accepted message, in one database.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, "redazione.db")+"?_pragma=query_only(1)")
	if err != nil {
		return nil, err
	}
	var msgs, fts int64
	err = db.QueryRowContext(ctx, "SELECT (SELECT COUNT(*) FROM messages), (SELECT COUNT(*) FROM conversations), (SELECT COUNT(*) FROM contacts)").Scan(&msgs, &out.Conversation, &out.Contacts)
	if err == nil {
		err = db.QueryRowContext(ctx, "SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH 'ciao OR grazi OR buongiorn OR salv OR vorre OR segnal OR buonaser'").Scan(&fts)
	}
	db.Close()
	if err != nil {
		return nil, fmt.Errorf("count stored messages: %w", err)
	}
	if accepted := out.Real.OK + out.Telegram.OK + out.WhatsApp.OK; msgs != accepted {
		return nil, fmt.Errorf("ingest: %d messages accepted but %d stored", accepted, msgs)
	}
	if fts == 0 {
		return nil, fmt.Errorf("ingest: nothing found in the search index")
	}

	// Ceiling 2: bare batched inserts.
	logf("ingest: bare batched inserts, %d rows", bareRows)
	if out.Bare, err = bareInserts(ctx, work, bareRows, false); err != nil {
		return nil, err
	}
	smp = startSampler(ctx, "")
	out.BareFTS, err = bareInserts(ctx, work, bareRows, true)
	out.BareFTSMachine = smp.Stop()
	if err != nil {
		return nil, err
	}
	return out, nil
}

// bareInserts writes rows into a table shaped like messages (same columns
// and indexes), 1000 per transaction with a prepared statement, with the
// store's pragmas; withFTS adds each row's FTS5 document. It returns rows/s.
func bareInserts(ctx context.Context, work string, rows int, withFTS bool) (float64, error) {
	dir, err := os.MkdirTemp(work, "bare-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	const pragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=cache_size(-32000)"
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "bare.db")+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		`CREATE TABLE messages (id INTEGER PRIMARY KEY, ente_id INTEGER NOT NULL, channel_id INTEGER NOT NULL, conversation_id INTEGER NOT NULL,
		 direction TEXT NOT NULL, author_id INTEGER NOT NULL DEFAULT 0, external_id TEXT NOT NULL DEFAULT '', text TEXT NOT NULL,
		 sent_at INTEGER NOT NULL, created_at INTEGER NOT NULL, delivery TEXT NOT NULL DEFAULT '', delivery_error TEXT NOT NULL DEFAULT '',
		 attempts INTEGER NOT NULL DEFAULT 0)`,
		`CREATE INDEX messages_conversation ON messages (conversation_id, id)`,
		`CREATE UNIQUE INDEX messages_external ON messages (channel_id, external_id) WHERE external_id <> ''`,
		`CREATE INDEX messages_delivery ON messages (delivery, id) WHERE delivery = 'queued'`,
		`CREATE VIRTUAL TABLE messages_fts USING fts5(doc, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return 0, err
		}
	}
	g := newTextGen(7)
	type row struct{ text, doc string }
	pool := make([]row, 4096)
	for i := range pool {
		pool[i].text, pool[i].doc = g.citizen()
	}
	r := rand.New(rand.NewPCG(1, 2))
	now := time.Now().UnixMilli()
	start := time.Now()
	for done := 0; done < rows; {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO messages (ente_id, channel_id, conversation_id, direction, external_id, text, sent_at, created_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)
		if err != nil {
			return 0, err
		}
		var fst *sql.Stmt
		if withFTS {
			if fst, err = tx.PrepareContext(ctx, "INSERT INTO messages_fts (rowid, doc) VALUES (?, ?)"); err != nil {
				return 0, err
			}
		}
		for k := 0; k < 1000 && done < rows; k++ {
			p := pool[done%len(pool)]
			var id int64
			if err := st.QueryRowContext(ctx, 1, 1, 1+r.Int64N(int64(rows/5+1)), "in", fmt.Sprintf("bare-%d", done), p.text, now, now).Scan(&id); err != nil {
				return 0, err
			}
			if fst != nil {
				if _, err := fst.ExecContext(ctx, id, p.doc); err != nil {
					return 0, err
				}
			}
			done++
		}
		if err := tx.Commit(); err != nil {
			return 0, err
		}
	}
	return float64(rows) / time.Since(start).Seconds(), nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// benchChannel is the API channel the ingest load posts to.
type benchChannel struct {
	ID     int64  `json:"id"`
	Secret string `json:"secret"`
}

// addAPIChannel adds it with the redazione command, as an administrator would.
func addAPIChannel(ctx context.Context, bin string, env []string) (benchChannel, error) {
	var ch benchChannel
	cmd := exec.CommandContext(ctx, bin, "channel", "add", "api", "--name", "Benchmark")
	cmd.Env = env
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		return ch, fmt.Errorf("redazione channel add api: %w", err)
	}
	if err := json.Unmarshal(b, &ch); err != nil || ch.ID == 0 || ch.Secret == "" {
		return ch, fmt.Errorf("redazione channel add api printed %q: %v", b, err)
	}
	return ch, nil
}
