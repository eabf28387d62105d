package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/channel/apichannel"
	"github.com/redazione/redazione/demo"
	"github.com/redazione/redazione/events"
	"github.com/redazione/redazione/inbox"
	"github.com/redazione/redazione/jobs"
	"github.com/redazione/redazione/store"
	"github.com/redazione/redazione/web"
)

func openDB(ctx context.Context, cfg config) (*store.DB, error) {
	return store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
}

// serve runs the server until ctx ends.
func serve(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := bootstrap(ctx, db, cfg, stdout); err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var bus events.Bus = events.NewHub()
	if db.Dialect() == store.Postgres {
		pg, err := events.NewPG(ctx, db.URL(), log)
		if err != nil {
			return fmt.Errorf("events: %w", err)
		}
		bus = pg
	}
	svc := &inbox.Service{DB: db, Bus: bus, Log: log, Senders: map[redazione.ChannelKind]channel.Sender{
		redazione.ChannelWebChat: channel.Instant{},
		redazione.ChannelAPI:     apichannel.Sender{},
	}}
	jcfg := jobs.Config{Logger: log.With("component", "jobs")}
	var queue *jobs.Queue
	if db.Dialect() == store.Postgres {
		q, closePool, err := jobs.NewPostgres(ctx, db.URL(), jcfg, svc)
		if err != nil {
			return err
		}
		defer closePool()
		queue = q
	} else {
		if queue, err = jobs.NewSQLite(ctx, db.WriteDB(), jcfg, svc); err != nil {
			return err
		}
	}
	svc.Queue = queue
	if err := queue.Start(ctx); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	go sweep(ctx, svc, log)

	srv, err := web.New(db, svc, bus, log, web.Config{SecureCookies: cfg.SecureCookies, PublicURL: cfg.PublicURL})
	if err != nil {
		return err
	}
	hs := &http.Server{
		Addr:              cfg.Addr,
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	log.Info("Redazione is ready", "addr", ln.Addr().String(), "database", string(db.Dialect()))
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	hs.Shutdown(sctx)
	queue.Stop(sctx)
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// sweep enqueues, at start and then every minute, replies left queued by a
// crash between storing them and enqueuing their job.
func sweep(ctx context.Context, svc *inbox.Service, log *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if n, err := svc.Sweep(ctx, 30*time.Second); err != nil && ctx.Err() == nil {
			log.Warn("sweep", "err", err)
		} else if n > 0 {
			log.Info("re-enqueued queued replies", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// bootstrap creates, on an empty database, the first ente, its first
// administrator and (unless switched off) the demo data.
func bootstrap(ctx context.Context, db *store.DB, cfg config, stdout io.Writer) error {
	entes, err := db.Entes(ctx)
	if err != nil {
		return err
	}
	if len(entes) > 0 {
		return nil
	}
	e, err := db.CreateEnte(ctx, "ente", cfg.EnteName)
	if err != nil {
		return err
	}
	password, generated := cfg.AdminPassword, false
	if password == "" {
		password, generated = auth.GeneratePassword(), true
	}
	if len(password) < auth.MinPasswordLen {
		return fmt.Errorf("REDAZIONE_ADMIN_PASSWORD must have at least %d characters", auth.MinPasswordLen)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	admin := &redazione.User{Email: cfg.AdminEmail, Name: "Amministratore", Role: redazione.RoleAdmin, PasswordHash: hash}
	if err := db.CreateUser(ctx, redazione.SystemActor(e.ID), admin); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nFirst start: created the ente %q and its administrator.\n  e-mail:   %s\n", e.Name, admin.Email)
	if generated {
		fmt.Fprintf(stdout, "  password: %s\n  (shown only now: write it down, or set REDAZIONE_ADMIN_PASSWORD)\n", password)
	}
	if cfg.Demo {
		seeded, err := demo.Seed(ctx, db, admin)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "  demo data: conversations in the inbox; the web chat demo page is /demo/%d\n", seeded.WebChat.ID)
	}
	fmt.Fprintln(stdout)
	return nil
}
