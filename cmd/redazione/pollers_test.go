package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// `redazione channel add telegram --set mode=polling`, run beside a server
// (another process), gets the bot polled at once, not at the server's next
// sweep a minute later: the command wakes the server's pollers through the
// job queue.
func TestChannelAddWakesTheServersPollers(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Setenv("REDAZIONE_DATA_DIR", t.TempDir())
			t.Setenv("REDAZIONE_DEMO", "false")
			t.Setenv("REDAZIONE_ADMIN_PASSWORD", "password-per-il-test-dei-poller")
			t.Setenv("REDAZIONE_PUBLIC_URL", "")
			if d == store.Postgres {
				t.Setenv("REDAZIONE_DATABASE_URL", testdb.URL(t, d))
			} else {
				t.Setenv("REDAZIONE_DATABASE_URL", "")
			}
			polled := make(chan struct{}, 1)
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/bot123456:CLI/getUpdates" {
					http.NotFound(w, r)
					return
				}
				select {
				case polled <- struct{}{}:
				default:
				}
				select { // a long poll with nothing new
				case <-r.Context().Done():
				case <-time.After(100 * time.Millisecond):
				}
				fmt.Fprint(w, `{"ok": true, "result": []}`)
			}))
			defer api.Close()
			cli(t, "ente", "create", "--slug", "comune", "--name", "Comune di Prova")
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close()
			srv := startServer(t, addr)
			ch := cli(t, "channel", "add", "telegram", "--name", "Bot in polling", "--set", "token=123456:CLI",
				"--set", "mode=polling", "--set", "api_base_url="+api.URL)
			select {
			case <-polled:
			case <-time.After(20 * time.Second):
				t.Fatalf("channel %v added by the command line was not polled (the server waits for its sweep)\n%s", ch["id"], srv.log())
			}
		})
	}
}
