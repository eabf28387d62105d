// Command redazione runs Redazione, the social communication desk of an
// Italian public administration, and administers it from the shell.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/store"
	"github.com/redazione/redazione/web"
)

const usage = `Redazione – la redazione unica dell'ente

Usage:
  redazione serve                         start the server (default)
  redazione migrate                       apply the database migrations and exit
  redazione backup --to FILE              a consistent copy of the database (SQLite), the files and the master key,
                                          while the server runs (PostgreSQL: pair it with pg_dump)
  redazione restore --from FILE [--data-dir DIR]  restore a backup into an empty directory, checking every file
  redazione healthcheck [--url U]         ask the running server whether it is ready: exit 0 when it is, 1 when not
  redazione user create --email E --role ROLE [--name N] [--desk D ...] [--password-file F]
  redazione user list
  redazione user reset-factors --email E   remove a user's second factors (TOTP, passkeys, recovery codes) and end their sessions
  redazione user disable --email E        the user can no longer sign in; their sessions and API tokens end at once
  redazione token create --user E [--name N] [--expires 90d] [--read-only]
  redazione token list --user E
  redazione token revoke [--ente S] ID
  redazione channel add api --name NAME [--callback-url URL] [--desk D]
  redazione channel add webchat --name NAME [--desk D]
  redazione channel add telegram --name NAME --set token=BOT_TOKEN [--set api_base_url=URL] [--set mode=polling] [--desk D]
  redazione channel add mastodon --name NAME --set token=T --set api_base_url=https://instance [--set poll_interval=30s] [--set streaming=off]
  redazione channel add messenger|instagram --name NAME --set token=T --set app_secret=S --set verify_token=V --set page_id=P
  redazione channel add whatsapp --name NAME --set token=T --set app_secret=S --set verify_token=V --set phone_number_id=P [--set api_base_url=URL]
  redazione channel add email --name NAME --set imap_url=imaps://USER:PASSWORD@HOST:993/INBOX --set smtp_url=smtps://USER:PASSWORD@HOST:465
                              --set address=ADDRESS [--set imap_password=P] [--set smtp_password=P] [--set pec=true] [--set poll_interval=1m]
  redazione channel list
  redazione ente create --slug S --name N
  redazione ente list
  redazione audit verify [--ente SLUG]     check the audit trail's hash chain: exit 0 when whole, 1 when not
  redazione blobs copy --to URL           copy the citizens' files into another store (s3://bucket?endpoint=... or a directory),
                                          checking each against its hash; run again to go on after a stop
  redazione sso set --issuer URL --client-id ID --client-secret-file F [--allowed-domain D ...] [--create-users]
                    [--name N] [--password-login=false]   connect the ente's OpenID Connect provider (docs/SSO.md)
  redazione sso show                      the ente's single sign-on, without the secret
  redazione sso off                       disconnect it: password sign-in works again (the way back if the provider is down)

Every command but serve takes --ente SLUG when the installation has more than one ente.
ROLE is admin (or administrator), coordinator, operator or analyst.
The user, token, channel, ente, audit and sso commands list their flags with -h (redazione user create -h).

Environment:
  REDAZIONE_ADDR            where to listen (default :8080)
  REDAZIONE_DATA_DIR        where SQLite and files live (default ./data)
  REDAZIONE_BLOB_URL        s3://bucket[/prefix]?endpoint=host:9000&region=R to keep citizens' files on an
                            S3-compatible store (credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or
                            credentials_file=F); default: DATA_DIR/blobs (docs/INSTALL.md)
  REDAZIONE_DATABASE_URL    postgres://... to use PostgreSQL instead of SQLite (or _FILE)
  REDAZIONE_MIGRATE_DATABASE_URL  postgres://... of the schema's owner (or _FILE): migrations run with it,
                            and REDAZIONE_DATABASE_URL's role needs data rights only (docs/postgres-roles.sql)
  REDAZIONE_ADMIN_EMAIL     first administrator (default admin@example.it)
  REDAZIONE_ADMIN_PASSWORD  first administrator's password (or _FILE); printed once if generated
  REDAZIONE_ENTE_NAME       name of the first ente (default "Comune di Esempio")
  REDAZIONE_DEMO            false to start without demo data
  REDAZIONE_PUBLIC_URL      address citizens reach, for snippets (default: the request's host)
  REDAZIONE_SECURE_COOKIES  true behind HTTPS
  REDAZIONE_CA_FILE         PEM certificates of a private CA to trust, besides the system's, for mail servers,
                            platforms and the object store (an ente's mail server behind its own CA)
  REDAZIONE_TRUSTED_PROXIES addresses and CIDRs of the reverse proxies (e.g. 10.0.0.5, 172.16.0.0/12): from them
                            X-Forwarded-For (or Forwarded) tells the client's address, its rightmost untrusted hop
  REDAZIONE_ACCESSIBILITY_URL  the ente's dichiarazione di accessibilità (AgID), linked in every footer
  REDAZIONE_SECRET_KEY      master key (or _FILE) sealing channel credentials; default: DATA_DIR/secret.key, made once
  REDAZIONE_SMTP_URL        smtp://user:password@host:587 (or _FILE) to copy response-time alerts by e-mail
  REDAZIONE_SMTP_FROM       the sender of those e-mails, e.g. "Redazione <redazione@comune.example.it>"
  REDAZIONE_TOMBSTONE_DAYS  days an erased message's redelivery or replay is refused (default 365)
  REDAZIONE_STREAMS_PER_ADDRESS  the web chat's live streams open from one client address (default 20)
  REDAZIONE_STREAMS_PUBLIC  the web chat's live streams open in all (default 2000)
  REDAZIONE_STREAMS_PER_USER  one operator's live streams (tabs) open (default 10)
  REDAZIONE_STREAMS_OPERATORS  the operators' live streams open in all, kept apart from the web chat's (default 500)
  REDAZIONE_PASSWORD_CHECKS  password checks (64 MiB and two cores each) run at once; over that a login gets 429
                            at once (default: one per two cores, at least 1, at most 4)
  REDAZIONE_STREAM_IDLE     a live stream with no event for this long ends, the browser reconnects (default 10m)
  REDAZIONE_LOG_LEVEL       debug, info (default), warn, error
  REDAZIONE_LOG_FORMAT      json for one JSON object a line (default text); each request's lines carry its request_id
  REDAZIONE_METRICS_ADDR    a listener of its own for the Prometheus metrics at /metrics (e.g. :9090), for the internal network
  REDAZIONE_METRICS_TOKEN   (or _FILE) serves /metrics on REDAZIONE_ADDR too, to Authorization: Bearer TOKEN
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "redazione:", message(err))
		os.Exit(1)
	}
}

// message is what a person reads of an error.
func message(err error) string {
	var de *redazione.Error
	if errors.As(err, &de) {
		if de.Field != "" {
			return de.Message + " (" + de.Field + ")"
		}
		return de.Message
	}
	return err.Error()
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := configFromEnv()
	if len(args) == 0 {
		args = []string{"serve"}
	}
	switch args[0] {
	case "serve":
		// The server's log is written in batches (logbuffer.go).
		buf := newLogBuffer(stderr)
		defer buf.Flush()
		return serve(ctx, cfg, newLogger(cfg, buf), stdout)
	case "migrate":
		if err := privateDir(cfg); err != nil {
			return err
		}
		if err := migrate(ctx, cfg); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "migrations applied")
		return nil
	case "backup":
		return backupCmd(ctx, cfg, args[1:], stdout, stderr)
	case "restore":
		return restoreCmd(ctx, cfg, args[1:], stdout, stderr)
	case "healthcheck":
		return healthcheck(ctx, cfg, args[1:], stdout, stderr)
	case "user", "token", "channel", "ente", "audit", "sso":
		return admin(ctx, cfg, args, stdout, stderr)
	case "blobs":
		return blobsCommand(ctx, cfg, args, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// config is read from REDAZIONE_* variables; secrets also from *_FILE.
type config struct {
	Addr        string
	DataDir     string
	BlobURL     string
	CAFile      string
	DatabaseURL string // secret: may hold a password
	// MigrateDatabaseURL, when set, is the schema owner's: migrations run
	// with it, and DatabaseURL's role changes data only.
	MigrateDatabaseURL string // secret: may hold a password
	AdminEmail         string
	AdminPassword      string
	EnteName           string
	Demo               bool
	PublicURL          string
	SecureCookies      bool
	TrustedProxies     string
	SMTPURL            string // secret: holds a password
	SecretKey          string // secret: seals channel credentials
	Accessibility      string
	TombstoneDays      int
	Streams            web.StreamLimits
	PasswordChecks     int
	SMTPFrom           string
	LogLevel           slog.Level
	// LogFormat is "json" for one JSON object a line, else text.
	LogFormat string
	// MetricsAddr, when set, is a listener of its own for /metrics.
	MetricsAddr string
	// MetricsToken opens /metrics on the main address to a Bearer token.
	MetricsToken string // secret
}

// newLogger writes cfg's level and format to w; each record made with a
// request's context carries its request_id.
// Written to a logBuffer, a warning or an error is written at once with
// the lines before it.
func newLogger(cfg config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	if b, ok := w.(*logBuffer); ok {
		h = flushingHandler{h, b}
	}
	return slog.New(web.LogHandler(h))
}

func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	if f := os.Getenv(key + "_FILE"); f != "" {
		if b, err := os.ReadFile(f); err == nil {
			return strings.TrimSpace(string(b))
		}
	}
	return def
}

func configFromEnv() config {
	c := config{
		Addr:               env("REDAZIONE_ADDR", ":8080"),
		DataDir:            env("REDAZIONE_DATA_DIR", "./data"),
		BlobURL:            env("REDAZIONE_BLOB_URL", ""),
		CAFile:             env("REDAZIONE_CA_FILE", ""),
		DatabaseURL:        env("REDAZIONE_DATABASE_URL", ""),
		MigrateDatabaseURL: env("REDAZIONE_MIGRATE_DATABASE_URL", ""),
		AdminEmail:         env("REDAZIONE_ADMIN_EMAIL", "admin@example.it"),
		AdminPassword:      env("REDAZIONE_ADMIN_PASSWORD", ""),
		EnteName:           env("REDAZIONE_ENTE_NAME", "Comune di Esempio"),
		Demo:               !isFalse(env("REDAZIONE_DEMO", "true")),
		PublicURL:          env("REDAZIONE_PUBLIC_URL", ""),
		SMTPURL:            env("REDAZIONE_SMTP_URL", ""),
		SecretKey:          env("REDAZIONE_SECRET_KEY", ""),
		Accessibility:      env("REDAZIONE_ACCESSIBILITY_URL", ""),
		SMTPFrom:           env("REDAZIONE_SMTP_FROM", ""),
		SecureCookies:      env("REDAZIONE_SECURE_COOKIES", "false") == "true",
		TrustedProxies:     env("REDAZIONE_TRUSTED_PROXIES", ""),
		LogFormat:          strings.ToLower(env("REDAZIONE_LOG_FORMAT", "text")),
		MetricsAddr:        env("REDAZIONE_METRICS_ADDR", ""),
		MetricsToken:       env("REDAZIONE_METRICS_TOKEN", ""),
		TombstoneDays:      store.DefaultTombstoneDays,
	}
	if n, err := strconv.Atoi(env("REDAZIONE_TOMBSTONE_DAYS", "")); err == nil && n > 0 {
		c.TombstoneDays = n
	}
	for key, n := range map[string]*int{
		"REDAZIONE_STREAMS_PER_ADDRESS": &c.Streams.PerAddress,
		"REDAZIONE_STREAMS_PUBLIC":      &c.Streams.Public,
		"REDAZIONE_STREAMS_PER_USER":    &c.Streams.PerUser,
		"REDAZIONE_STREAMS_OPERATORS":   &c.Streams.Operators,
		"REDAZIONE_PASSWORD_CHECKS":     &c.PasswordChecks,
	} {
		if v, err := strconv.Atoi(env(key, "")); err == nil && v > 0 {
			*n = v
		}
	}
	if d, err := time.ParseDuration(env("REDAZIONE_STREAM_IDLE", "")); err == nil && d > 0 {
		c.Streams.Idle = d
	}
	switch strings.ToLower(env("REDAZIONE_LOG_LEVEL", "info")) {
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "warn":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	}
	return c
}

func isFalse(v string) bool {
	switch strings.ToLower(v) {
	case "false", "0", "no", "off":
		return true
	}
	return false
}
