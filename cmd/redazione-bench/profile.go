package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/channel/apichannel"
	"github.com/redazione/redazione/events"
	"github.com/redazione/redazione/inbox"
	"github.com/redazione/redazione/jobs"
	"github.com/redazione/redazione/secrets"
	"github.com/redazione/redazione/store"
	"github.com/redazione/redazione/web"
)

// profileIngest runs the server wiring of cmd/redazione/serve.go inside this
// process, drives the API channel with the load generator for dur and writes
// a CPU profile: a diagnosis aid (-ingest-profile FILE), not a benchmark
// figure, since server and generator share one Go runtime.
func profileIngest(ctx context.Context, out, work, pgBase string, conc int, dur time.Duration) error {
	dir, err := os.MkdirTemp(work, "profile-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	u := ""
	if pgBase != "" {
		// On PostgreSQL (-database): a new database, the queue and the
		// event bus of PostgreSQL, as serve.go wires them.
		if err := pgRecreate(ctx, pgBase, pgScratch+"profile"); err != nil {
			return err
		}
		if u, err = pgURL(pgBase, pgScratch+"profile"); err != nil {
			return err
		}
	}
	db, err := store.Open(ctx, u, filepath.Join(dir, "data"))
	if err != nil {
		return err
	}
	defer db.Close()
	box, err := secrets.FromEnv("", filepath.Join(dir, "data"))
	if err != nil {
		return err
	}
	db.SetSealer(box)
	e, err := db.CreateEnte(ctx, "ente", "Comune di Profilo")
	if err != nil {
		return err
	}
	ch := &redazione.Channel{Kind: redazione.ChannelAPI, Name: "Profilo", Secret: "profile-secret"}
	if err := db.CreateChannel(ctx, redazione.SystemActor(e.ID), ch); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var bus events.Bus = events.NewHub()
	if u != "" {
		if bus, err = events.NewPG(ctx, u, log); err != nil {
			return err
		}
	}
	svc := &inbox.Service{DB: db, Bus: bus, Log: log, Senders: map[redazione.ChannelKind]channel.Sender{
		redazione.ChannelWebChat: channel.Instant{},
		redazione.ChannelAPI:     apichannel.Sender{},
	}}
	var queue *jobs.Queue
	if u != "" {
		var closePool func()
		if queue, closePool, err = jobs.NewPostgres(ctx, u, jobs.Config{Logger: log}, svc); err != nil {
			return err
		}
		defer closePool()
	} else if queue, err = jobs.NewSQLite(ctx, db.WriteDB(), jobs.Config{Logger: log}, svc); err != nil {
		return err
	}
	svc.Queue = queue
	if err := queue.Start(ctx); err != nil {
		return err
	}
	defer queue.Stop(context.Background())
	srv, err := web.New(db, svc, bus, log, web.Config{})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler(), BaseContext: func(net.Listener) context.Context { return ctx }}
	go hs.Serve(ln)
	defer hs.Close()

	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	self := &proc{} // no child process: CPU figures stay 0
	res := runLoad(ctx, fmt.Sprintf("http://%s/api/v1/channels/%d/messages", ln.Addr(), ch.ID), conc, dur, &payloads{secret: ch.Secret, run: "prof"}, self)
	pprof.StopCPUProfile()
	logf("profile: %d messages in %s (%.0f msg/s, in-process), %d errors; CPU profile in %s", res.OK, res.Elapsed.Round(time.Millisecond), res.rate(), res.Errors, out)
	if res.Errors > 0 {
		return fmt.Errorf("profile run: first error: %s", res.FirstError)
	}
	return nil
}
