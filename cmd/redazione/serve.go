package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/demo"
	"github.com/redazione/redazione/jobs"
	"github.com/redazione/redazione/notify"
	"github.com/redazione/redazione/secrets"
	"github.com/redazione/redazione/store"
	"github.com/redazione/redazione/web"
)

// privateDir makes the data directory, which holds the database, the
// citizens' files and the master key, the server's user's only (an older
// one is made private).
func privateDir(cfg config) error {
	if err := store.PrivateDir(cfg.DataDir); err != nil {
		return fmt.Errorf("data directory %s: %w", cfg.DataDir, err)
	}
	return nil
}

// migrate applies Redazione's and the job queue's migrations, with the
// owner's URL when REDAZIONE_MIGRATE_DATABASE_URL is set.
func migrate(ctx context.Context, cfg config) error {
	db, err := store.Open(ctx, cmp.Or(cfg.MigrateDatabaseURL, cfg.DatabaseURL), cfg.DataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	if db.Dialect() == store.Postgres {
		return jobs.MigratePostgres(ctx, db.URL())
	}
	return jobs.MigrateSQLite(ctx, db.WriteDB())
}

func openDB(ctx context.Context, cfg config) (*store.DB, error) {
	if err := privateDir(cfg); err != nil {
		return nil, err
	}
	open := store.Open
	if cfg.MigrateDatabaseURL != "" {
		// The schema's owner migrates; the server's own role, with data
		// rights only, then opens the database (docs/postgres-roles.sql).
		if err := migrate(ctx, cfg); err != nil {
			return nil, err
		}
		open = store.OpenMigrated
	}
	db, err := open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	box, err := secrets.FromEnv(cfg.SecretKey, cfg.DataDir)
	if err != nil {
		db.Close()
		return nil, err
	}
	db.SetSealer(box)
	db.SetTombstoneDays(cfg.TombstoneDays)
	// Channel secrets stored in plaintext by an earlier version are sealed now.
	if _, err := db.SealChannelSecrets(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// serve runs the server until ctx ends.
func serve(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
	switch soft, hard, err := raiseOpenFiles(); {
	case errors.Is(err, errors.ErrUnsupported):
	case err != nil:
		log.Warn("the open files' limit could not be raised", "soft", soft, "hard", hard, "err", err)
	default:
		log.Info("open files' limit", "soft", soft, "hard", hard)
	}
	mailTLS, err := trustCA(cfg.CAFile)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	if err := bootstrap(ctx, db, cfg, stdout); err != nil {
		db.Close()
		return err
	}
	acfg := app.Config{
		DataDir:   cfg.DataDir,
		BlobURL:   cfg.BlobURL,
		MailTLS:   mailTLS,
		PublicURL: cfg.PublicURL, SecureCookies: cfg.SecureCookies,
		AccessibilityURL: cfg.Accessibility,
		DataOnly:         cfg.MigrateDatabaseURL != "",
		Streams:          cfg.Streams,
		PasswordChecks:   cfg.PasswordChecks,
	}
	if acfg.TrustedProxies, err = web.ParseTrustedProxies(cfg.TrustedProxies); err != nil {
		db.Close()
		return err
	}
	if cfg.SMTPURL != "" {
		m, err := notify.ParseSMTP(cfg.SMTPURL, cfg.SMTPFrom)
		if err != nil {
			db.Close()
			return err // names the variable, never its value
		}
		acfg.Mailer = m
	}
	a, err := app.StartWith(ctx, db, acfg, log)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Addr:              cfg.Addr,
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		a.Close(context.Background())
		return err
	}
	log.Info("Redazione is ready", "addr", ln.Addr().String(), "database", string(db.Dialect()))
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		a.Close(context.Background())
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	hs.Shutdown(sctx)
	a.Close(sctx)
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
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
	if err := auth.CheckNewPassword(password); err != nil {
		return fmt.Errorf("REDAZIONE_ADMIN_PASSWORD refused: %w", err)
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
		base := localURL(cfg.Addr)
		seeded, err := demo.Seed(ctx, db, admin, demo.Local{Callback: base + web.DemoCallbackPath, BotAPI: base + web.DemoBotAPIPath, BotToken: web.DemoBotToken})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "  demo data: conversations in the inbox; the web chat demo page is /demo/%d\n", seeded.WebChat.ID)
	}
	fmt.Fprintln(stdout)
	return nil
}

// localURL is the server's own address as this machine reaches it, for the
// demo's channels: a listen address with no host, or every host, is
// reached on the loopback.
func localURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://127.0.0.1:8080"
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}
