package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/channel/apichannel"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// TestMain runs `redazione serve` when a test starts this binary as the
// server (childEnv), so that the test can kill it. Passwords are hashed at
// the test cost, in the tests and in the server they start.
func TestMain(m *testing.M) {
	auth.UseTestCost()
	if os.Getenv(childEnv) == "serve" {
		// As main: SIGTERM stops the server gracefully (its log written
		// out); SIGKILL is the crash.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := run(ctx, []string{"serve"}, io.Discard, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if os.Getenv(childEnv) == "cli" { // main itself, for its exit status
		os.Args = append(os.Args[:1], strings.Fields(os.Getenv(childArgsEnv))...)
		main()
		os.Exit(0)
	}
	os.Exit(testdb.Run(m))
}

const childEnv = "REDAZIONE_TEST_CHILD"

// childArgsEnv holds the arguments of a child run as "cli".
const childArgsEnv = "REDAZIONE_TEST_ARGS"

// rebind writes a query's ? placeholders as the dialect wants them.
func rebind(d store.Dialect, q string) string {
	if d != store.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// server is `redazione serve` in a process of its own.
type server struct {
	t      *testing.T
	cmd    *exec.Cmd
	base   string
	logs   bytes.Buffer
	exited chan struct{} // closed when the process has ended
}

func startServer(t *testing.T, addr string) *server {
	t.Helper()
	s := &server{t: t, base: "http://" + addr}
	s.cmd = exec.Command(os.Args[0], "-test.run=^$")
	s.cmd.Env = append(os.Environ(), childEnv+"=serve", "REDAZIONE_ADDR="+addr)
	ready := make(chan struct{})
	s.cmd.Stderr = &readyWriter{buf: &s.logs, ready: ready}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { s.cmd.Wait(); close(exited) }()
	s.exited = exited
	t.Cleanup(func() { s.cmd.Process.Kill(); <-exited })
	// serve logs that it is ready once it listens on addr
	select {
	case <-ready:
	case <-exited:
		t.Fatalf("the server exited before it was ready:\n%s", s.log())
	case <-time.After(60 * time.Second):
		t.Fatalf("the server did not start:\n%s", s.log())
	}
	resp, err := http.Get(s.base + "/healthz")
	if err != nil {
		t.Fatalf("the server is ready but does not answer: %v\n%s", err, s.log())
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("the server is ready but /healthz is %d:\n%s", resp.StatusCode, s.log())
	}
	return s
}

// readyWriter keeps the server's log and closes ready at the line saying it
// listens.
type readyWriter struct {
	mu    sync.Mutex
	buf   *bytes.Buffer
	ready chan struct{}
}

func (w *readyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if w.ready != nil && bytes.Contains(w.buf.Bytes(), []byte("Redazione is ready")) {
		close(w.ready)
		w.ready = nil
	}
	return len(p), nil
}

func (s *server) log() string {
	w := s.cmd.Stderr.(*readyWriter)
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// kill ends the server as a crash or a power cut would: no shutdown.
func (s *server) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
}

// Nothing acknowledged is lost when the server is killed (SIGKILL) under
// load: every message answered 202 is there after a restart, under the
// same id, and posting it again stores nothing new.
func TestKilledUnderLoadLosesNothingAcknowledged(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("REDAZIONE_DATA_DIR", dir)
			t.Setenv("REDAZIONE_DEMO", "false")
			t.Setenv("REDAZIONE_ADMIN_PASSWORD", "password-per-il-crash-test")
			t.Setenv("REDAZIONE_PUBLIC_URL", "")
			if d == store.Postgres {
				t.Setenv("REDAZIONE_DATABASE_URL", testdb.URL(t, d))
			} else {
				t.Setenv("REDAZIONE_DATABASE_URL", "")
			}
			cli(t, "ente", "create", "--slug", "comune", "--name", "Comune di Prova")
			ch := cli(t, "channel", "add", "api", "--name", "Sportello")
			id, secret := int64(ch["id"].(float64)), ch["secret"].(string)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close()
			srv := startServer(t, addr)

			post := func(client *http.Client, ext string) (int64, error) {
				body, _ := json.Marshal(map[string]any{"external_id": ext, "contact": map[string]string{"external_id": "c-" + ext[len(ext)-1:], "name": "Cittadino"},
					"text": "Segnalazione numero " + ext + " sulla raccolta dei rifiuti", "sent_at": time.Now().UTC().Format(time.RFC3339)})
				req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/channels/%d/messages", srv.base, id), bytes.NewReader(body))
				req.Header.Set(apichannel.SignatureHeader, apichannel.Sign(secret, body))
				resp, err := client.Do(req)
				if err != nil {
					return 0, err
				}
				defer resp.Body.Close()
				var out struct {
					ID int64 `json:"id"`
				}
				json.NewDecoder(resp.Body).Decode(&out)
				if resp.StatusCode != 202 || out.ID == 0 {
					return 0, fmt.Errorf("status %d", resp.StatusCode)
				}
				return out.ID, nil
			}

			// Load from 16 clients; the server is killed while they write,
			// once enough messages were acknowledged for the test to mean
			// something, however fast or loaded the machine is.
			const wantAcked = 200
			var mu sync.Mutex
			acked := map[string]int64{}
			enough := make(chan struct{})
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for w := 0; w < 16; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					client := &http.Client{Timeout: 30 * time.Second}
					for n := 0; ; n++ {
						select {
						case <-stop:
							return
						default:
						}
						ext := fmt.Sprintf("m-%d-%d", w, n)
						got, err := post(client, ext)
						if err != nil {
							continue // not acknowledged: the client would send it again
						}
						mu.Lock()
						acked[ext] = got
						if len(acked) == wantAcked {
							close(enough)
						}
						mu.Unlock()
					}
				}(w)
			}
			select {
			case <-enough:
			case <-srv.exited:
				t.Fatalf("the server ended under load:\n%s", srv.log())
			case <-time.After(5 * time.Minute):
				mu.Lock()
				n := len(acked)
				mu.Unlock()
				t.Fatalf("only %d of %d messages acknowledged in 5 minutes: the load did not run\n%s", n, wantAcked, srv.log())
			}
			srv.kill()
			close(stop)
			wg.Wait()
			if len(acked) < wantAcked {
				t.Fatalf("only %d messages acknowledged before the kill: the load did not run", len(acked))
			}

			srv = startServer(t, addr)
			// In the database, under the ids given...
			db, err := openDB(context.Background(), configFromEnv())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			missing := 0
			for ext, want := range acked {
				var got int64
				db.WriteDB().QueryRow(rebind(d, "SELECT id FROM messages WHERE channel_id = ? AND external_id = ?"), id, ext).Scan(&got)
				if got != want {
					missing++
				}
			}
			if missing > 0 {
				t.Fatalf("%d of %d acknowledged messages are not stored under their id after the kill", missing, len(acked))
			}
			// ...and for the platform, which sends them again.
			client := &http.Client{Timeout: 10 * time.Second}
			lost := 0
			for ext, want := range acked {
				got, err := post(client, ext)
				if err != nil {
					t.Fatalf("posting %s again after the restart: %v", ext, err)
				}
				if got != want {
					lost++
					if lost <= 5 {
						t.Errorf("message %s was acknowledged as %d before the kill, and is %d after it", ext, want, got)
					}
				}
			}
			if lost > 0 {
				t.Fatalf("%d of %d acknowledged messages were lost by the kill", lost, len(acked))
			}
			t.Logf("%d messages acknowledged before SIGKILL, all there after the restart", len(acked))
		})
	}
}
