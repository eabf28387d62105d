// Package app wires Redazione's parts together: storage, the event bus, the
// job queue, the inbox service and the web server. The command, the tests
// and the benchmark start Redazione through it, so they run the same thing.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"path/filepath"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/blob"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/channel/apichannel"
	"github.com/redazione/redazione/channel/appio"
	"github.com/redazione/redazione/channel/bluesky"
	"github.com/redazione/redazione/channel/email"
	"github.com/redazione/redazione/channel/mastodon"
	"github.com/redazione/redazione/channel/meta"
	"github.com/redazione/redazione/channel/telegram"
	"github.com/redazione/redazione/channel/x"
	"github.com/redazione/redazione/events"
	"github.com/redazione/redazione/inbox"
	"github.com/redazione/redazione/jobs"
	"github.com/redazione/redazione/metrics"
	"github.com/redazione/redazione/notify"
	"github.com/redazione/redazione/store"
	"github.com/redazione/redazione/web"
)

// Config chooses where Redazione keeps its files and how it is reached (the
// database is opened before, by store.Open).
type Config struct {
	DataDir       string
	PublicURL     string
	SecureCookies bool
	// TrustedProxies are the reverse proxies whose forwarded client address
	// is believed.
	TrustedProxies []netip.Prefix
	// AccessibilityURL is the ente's dichiarazione di accessibilità.
	AccessibilityURL string
	// PublishEvery is how often scheduled posts are looked for (5 s when 0).
	PublishEvery time.Duration
	// PublishTimeout bounds the sending of one post to its platform
	// (inbox.DefaultPublishTimeout when 0).
	PublishTimeout time.Duration
	// SweepEvery is how often replies left queued by a crash are
	// re-enqueued (default one minute).
	SweepEvery time.Duration
	// RetryBase is the first wait before a failed delivery is retried
	// (default 5 s, doubling each time).
	RetryBase time.Duration
	// Mailer, when set, copies response-time alerts by e-mail.
	Mailer notify.Mailer
	// BlobURL is where citizens' files are kept (blob.OpenURL): empty for
	// DataDir/blobs, or s3://bucket?endpoint=... .
	BlobURL string
	// MaxFileSize is the largest file kept from a platform or attached to a
	// reply (default blob.MaxSize).
	MaxFileSize int64
	// MailTLS is the TLS configuration of the e-mail channels' IMAP and
	// SMTP connections (nil: the system's roots); tests trust a local
	// server's certificate with it.
	MailTLS *tls.Config
	// DataOnly says the database role may change data only: its owner
	// migrated the database (store.OpenMigrated), and the job queue leaves
	// the owner's upkeep alone (jobs.Config.DataOnly).
	DataOnly bool
	// LeaseCheck is how often a poller checks it still holds its channel's
	// lease (store.DefaultLeaseCheck when 0; see store.DB.Lease).
	LeaseCheck time.Duration
	// PollerHook, when set (tests), is told each time this process looks at
	// a polled channel whose poll it does not run: whether it took the
	// channel's lease.
	PollerHook func(kind redazione.ChannelKind, channelID int64, leased bool)
	// PasswordChecks is how many password checks may run at once (zero:
	// web.DefaultPasswordChecks of the cores).
	PasswordChecks int
	// Streams caps the server-sent event streams (web.StreamLimits; zero
	// fields take its defaults).
	Streams web.StreamLimits
	// MetricsToken, when set, serves /metrics on the main address to that
	// Bearer token (App.Metrics serves them on an address of their own).
	MetricsToken string
	// AppIOCheckAfter is how long after App IO took a message its outcome
	// is first asked (inbox.DefaultAppIOCheckAfter when 0); tests shorten it.
	AppIOCheckAfter time.Duration
	// SSOTimeout bounds each call to an ente's identity provider (zero:
	// web's default, 10 s); tests shorten it.
	SSOTimeout time.Duration
}

// App is a running Redazione.
type App struct {
	DB    *store.DB
	Bus   events.Bus
	Inbox *inbox.Service
	Queue *jobs.Queue
	Web   *web.Server
	Blobs *blob.Store
	// Metrics are the Prometheus metrics (App.Metrics.Handler serves them).
	Metrics *metrics.Metrics

	log        *slog.Logger
	pollerHook func(redazione.ChannelKind, int64, bool)
	cancel     context.CancelFunc
	done       chan struct{}
	close      []func()

	// wake tells the pollers of a kind of channel to look at the channels
	// at once (WakePollers); made before the job queue starts.
	wake map[redazione.ChannelKind]chan struct{}
}

// StartWith starts, on an open database (migrated by store.Open), which
// the App then owns, the event bus, the job queue and the background sweep,
// and builds the web server.
func StartWith(ctx context.Context, db *store.DB, cfg Config, log *slog.Logger) (*App, error) {
	ctx, cancel := context.WithCancel(ctx)
	var err error
	a := &App{DB: db, log: log, cancel: cancel, done: make(chan struct{}), Metrics: metrics.New(), pollerHook: cfg.PollerHook,
		wake: map[redazione.ChannelKind]chan struct{}{}}
	// (every polled kind: a kind without one waited for the sweep, a
	// minute, to start polling an X account just signed in)
	for _, k := range channel.PolledKinds {
		a.wake[k] = make(chan struct{}, 1)
	}
	db.SetQueryObserver(a.Metrics.ObserveQuery)
	a.close = append(a.close, func() { db.Close() })
	fail := func(err error) (*App, error) {
		cancel()
		a.closeAll()
		return nil, err
	}
	if cfg.DataDir == "" {
		return fail(errors.New("app: no data directory"))
	}
	db.SetLeaseCheck(cfg.LeaseCheck)
	if a.Blobs, err = blob.OpenURL(ctx, cfg.BlobURL, filepath.Join(cfg.DataDir, "blobs")); err != nil {
		return fail(err)
	}
	a.Bus = events.NewHub()
	if db.Dialect() == store.Postgres {
		pg, err := events.NewPG(ctx, db.URL(), log)
		if err != nil {
			return fail(fmt.Errorf("events: %w", err))
		}
		a.Bus = pg
	}
	// Meta downloads an Instagram post's images from their signed public address.
	instagram := meta.InstagramSender{MessengerSender: meta.MessengerSender{LastInbound: db.LastInbound, LastComment: db.LastInboundExternalID},
		ImageURL: web.ImageSigner{Blobs: a.Blobs, Keys: db, PublicURL: cfg.PublicURL, MaxSize: cfg.MaxFileSize}.URL}
	masto := mastodon.Sender{LastInbound: db.LastInboundExternalID, Channel: db.Channel}
	// An institutional post on Mastodon is checked against its instance's
	// limit, as an answer is (mastodon.Sender.ReplyLimit).
	db.SetPostLimits(func(ctx context.Context, ch *redazione.Channel, fetch bool) (int, int, bool) {
		if ch.Kind != redazione.ChannelMastodon {
			return 0, 0, false
		}
		return masto.PostLimits(ctx, ch, fetch)
	})
	a.Inbox = &inbox.Service{DB: db, Blobs: a.Blobs, Bus: a.Bus, Log: log, Metrics: a.Metrics, Mailer: cfg.Mailer, PublicURL: cfg.PublicURL, Senders: map[redazione.ChannelKind]channel.Sender{
		redazione.ChannelWebChat:   channel.Instant{},
		redazione.ChannelAPI:       apichannel.Sender{},
		redazione.ChannelTelegram:  telegram.Sender{},
		redazione.ChannelWhatsApp:  meta.WhatsAppSender{},
		redazione.ChannelMessenger: meta.MessengerSender{LastInbound: db.LastInbound, LastComment: db.LastInboundExternalID},
		redazione.ChannelInstagram: instagram,
		redazione.ChannelMastodon:  masto,
		redazione.ChannelEmail:     email.Sender{Store: db, TLSConfig: cfg.MailTLS},
		redazione.ChannelAppIO:     appio.Sender{Content: db.AppIOContent},
		redazione.ChannelX:         x.Sender{Store: db, LastInbound: db.LastInboundExternalID},
		redazione.ChannelBluesky:   bluesky.Sender{Client: &bluesky.Client{Sessions: db}, LastInbound: db.LastInboundExternalID},
	}, AppIOCheckAfter: cfg.AppIOCheckAfter, Fetchers: map[redazione.ChannelKind]channel.Fetcher{
		redazione.ChannelTelegram:  telegram.Fetcher{},
		redazione.ChannelWhatsApp:  meta.WhatsAppFetcher{},
		redazione.ChannelMessenger: meta.MessengerFetcher{},
		redazione.ChannelInstagram: meta.MessengerFetcher{},
	}, MaxFileSize: cfg.MaxFileSize, PublishTimeout: cfg.PublishTimeout, Hiders: map[redazione.ChannelKind]channel.Hider{
		redazione.ChannelMessenger: meta.Hider{},
		redazione.ChannelInstagram: meta.Hider{},
	}}
	jcfg := jobs.Config{Logger: log.With("component", "jobs"), RetryBase: cfg.RetryBase, DataOnly: cfg.DataOnly, Waker: a}
	if db.Dialect() == store.Postgres {
		q, closePool, err := jobs.NewPostgres(ctx, db.URL(), jcfg, a.Inbox)
		if err != nil {
			return fail(err)
		}
		a.close = append([]func(){closePool}, a.close...)
		a.Queue = q
	} else {
		if a.Queue, err = jobs.NewSQLite(ctx, db.WriteDB(), jcfg, a.Inbox); err != nil {
			return fail(err)
		}
	}
	a.Inbox.Queue = a.Queue
	a.Metrics.Jobs(func(ctx context.Context) (map[string]metrics.JobState, error) {
		b, err := a.Queue.Backlog(ctx)
		out := make(map[string]metrics.JobState, len(b))
		for state, w := range b {
			out[state] = metrics.JobState{Count: w.Count, Oldest: w.Oldest}
		}
		return out, err
	})
	if err := a.Queue.Start(ctx); err != nil {
		return fail(fmt.Errorf("start job queue: %w", err))
	}
	every := cfg.SweepEvery
	if every <= 0 {
		every = time.Minute
	}
	// Subscribed before anything can change: another process's change to
	// an ente's settings drops this one's cached copy at once.
	changes, unsubscribe := a.Bus.Subscribe()
	go func() {
		defer unsubscribe()
		for {
			select {
			case <-ctx.Done():
				return
			case e := <-changes:
				if e.Type == events.SettingsChanged {
					db.Forget(e.EnteID)
				}
			}
		}
	}()
	go func() {
		defer close(a.done)
		go a.pollTelegram(ctx, every)
		go a.pollMastodon(ctx, every)
		go a.pollBluesky(ctx, every)
		go a.pollEmail(ctx, every, cfg.MailTLS)
		go a.pollX(ctx, every)
		go a.publishLoop(ctx, cfg.PublishEvery)
		a.sweep(ctx, every)
	}()
	a.Web, err = web.New(db, a.Inbox, a.Bus, log, web.Config{SecureCookies: cfg.SecureCookies, TrustedProxies: cfg.TrustedProxies, PublicURL: cfg.PublicURL, AccessibilityURL: cfg.AccessibilityURL, Streams: cfg.Streams, MetricsToken: cfg.MetricsToken, SSOTimeout: cfg.SSOTimeout, PasswordChecks: cfg.PasswordChecks})
	if err != nil {
		a.Close(context.Background())
		return nil, err
	}
	a.Web.Blobs = a.Blobs
	// A channel added or changed in the administration wakes its poller
	// through the job queue, on whichever node takes the job.
	a.Web.Settings.Pollers = a.Queue
	a.Web.Metrics = a.Metrics.Handler()
	a.Metrics.Streams(a.Web.OpenStreams)
	return a, nil
}

// Handler is the web server's handler.
func (a *App) Handler() http.Handler { return a.Web.Handler() }

// Close stops the job queue (letting running jobs finish until ctx ends), the
// sweep and the bus, and closes the database.
func (a *App) Close(ctx context.Context) error {
	if a.Queue != nil {
		a.Queue.Stop(ctx)
	}
	a.cancel()
	<-a.done
	a.closeAll()
	return nil
}

func (a *App) closeAll() {
	for _, f := range a.close {
		f()
	}
	a.close = nil
}

// sweepLease names the periodic upkeep's lease.
const sweepLease = 0x5eeb_0000_0000

// sweep enqueues, at start and then periodically, replies left queued by a
// crash between storing them and enqueuing their job; it runs the other
// periodic checks too, and logs each day's audit anchors (anchorAudit).
func (a *App) sweep(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	// At start, every queued reply: its job is unique by message, so one
	// already enqueued is not enqueued twice. Later, only replies queued for
	// a while, which a process lost between storing and enqueuing.
	age := time.Duration(0)
	var retained time.Time
	var anchored string // the day whose audit anchors are logged
	// One process of an installation does this upkeep (a lease, as for the
	// pollers): each step is safe to run twice, but the alerts, retention
	// and the credentials checks are done once rather than once per node.
	var leased context.Context
	release := func() {}
	defer func() { release() }()
	for {
		if leased == nil || leased.Err() != nil {
			release()
			lctx, free, ok, err := a.DB.Lease(ctx, sweepLease)
			if err != nil || !ok {
				leased, release = nil, func() {}
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
				continue
			}
			leased, release = lctx, free
		}
		n, err := a.Inbox.Sweep(ctx, age)
		age = 30 * time.Second
		if err != nil && ctx.Err() == nil {
			a.log.Warn("sweep", "err", err)
		} else if n > 0 {
			a.log.Info("re-enqueued queued replies", "count", n)
		}
		a.checkCredentials(ctx)
		a.anchorAudit(ctx, time.Now(), &anchored)
		if n, err := a.Inbox.SweepFetches(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("sweep attachments", "err", err)
		} else if n > 0 {
			a.log.Debug("enqueued pending attachment fetches", "count", n)
		}
		if n, err := a.Inbox.AlertSLA(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("sla alerts", "err", err)
		} else if n > 0 {
			a.log.Info("sla alerts sent", "count", n)
		}
		if n, err := a.Inbox.WakeSnoozed(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("snoozed conversations", "err", err)
		} else if n > 0 {
			a.log.Info("snoozed conversations back in the inbox", "count", n)
		}
		if n, err := a.Inbox.CheckSpikes(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("spikes", "err", err)
		} else if n > 0 {
			a.log.Info("spike alerts sent", "enti", n)
		}
		if time.Since(retained) >= time.Hour {
			retained = time.Now()
			a.applyRetention(ctx)
			if n, err := a.Inbox.AlertTopics(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("emerging topics", "err", err)
			} else if n > 0 {
				a.log.Info("emerging topics announced", "count", n)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// publishLoop sends the posts whose time has come.
func (a *App) publishLoop(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = 5 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := a.Inbox.PublishDue(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("publishing", "err", err)
		} else if n > 0 {
			a.log.Info("posts published", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// applyRetention erases, a batch at a time, the conversations whose
// retention period has ended (GDPR art. 5(1)(e)).
func (a *App) applyRetention(ctx context.Context) {
	for range 20 {
		out, err := a.Inbox.ApplyRetention(ctx)
		if err != nil {
			if ctx.Err() == nil {
				a.log.Warn("retention", "err", err)
			}
			return
		}
		if out.Conversations == 0 {
			return
		}
		a.log.Info("retention: conversations erased", "conversations", out.Conversations, "messages", out.Messages, "contacts", out.Contacts)
	}
}

// pollTelegram runs a poller for each Telegram channel in polling mode
// (setting mode=polling, for installations Telegram cannot reach).
func (a *App) pollTelegram(ctx context.Context, every time.Duration) {
	a.runPollers(ctx, every, redazione.ChannelTelegram, 0x7e1e_0000_0000,
		func(ch *redazione.Channel) bool { return ch.Settings["mode"] == "polling" },
		func(ctx context.Context, ch *redazione.Channel) {
			telegram.Poll(ctx, ch, currentChannel{a}, a.DB, nil, channelLog{a, ch.ID})
		})
}

// pollMastodon runs a poller for each Mastodon channel.
func (a *App) pollMastodon(ctx context.Context, every time.Duration) {
	a.runPollers(ctx, every, redazione.ChannelMastodon, 0x3a57_0000_0000,
		func(*redazione.Channel) bool { return true },
		func(ctx context.Context, ch *redazione.Channel) {
			interval, err := time.ParseDuration(ch.Settings["poll_interval"])
			if err != nil || interval <= 0 {
				interval = 30 * time.Second
			}
			mastodon.Poll(ctx, ch, currentChannel{a}, interval, channelLog{a, ch.ID})
		})
}

// pollX reads the mentions of each X channel whose ente's API access
// allows it (setting read_mentions=on) and that an administrator signed in.
func (a *App) pollX(ctx context.Context, every time.Duration) {
	a.runPollers(ctx, every, redazione.ChannelX, 0x7a17_0000_0000,
		func(ch *redazione.Channel) bool {
			return ch.Settings["read_mentions"] == "on" && ch.Settings[x.SettingUserID] != ""
		},
		func(ctx context.Context, ch *redazione.Channel) {
			interval, err := time.ParseDuration(ch.Settings["poll_interval"])
			if err != nil || interval <= 0 {
				interval = 5 * time.Minute // X's reading quota is small and paid
			}
			x.Poller{Sender: x.Sender{Store: a.DB}, Ingest: currentChannel{a}, Cursor: a.DB, Log: channelLog{a, ch.ID}}.Run(ctx, ch, interval)
		})
}

// pollBluesky runs a poller for each Bluesky channel: its mentions,
// replies and quotes, and its chats with direct_messages=on.
func (a *App) pollBluesky(ctx context.Context, every time.Duration) {
	a.runPollers(ctx, every, redazione.ChannelBluesky, 0xb15c_0000_0000,
		func(*redazione.Channel) bool { return true },
		func(ctx context.Context, ch *redazione.Channel) {
			interval, err := time.ParseDuration(ch.Settings["poll_interval"])
			if err != nil || interval <= 0 {
				interval = 30 * time.Second
			}
			p := bluesky.Poller{Client: &bluesky.Client{Sessions: a.DB}, Cursors: a.DB, Ingester: currentChannel{a}, Log: channelLog{a, ch.ID}}
			p.Run(ctx, ch, interval)
		})
}

// pollEmail runs an IMAP poller for each e-mail channel.
func (a *App) pollEmail(ctx context.Context, every time.Duration, tlsConfig *tls.Config) {
	a.runPollers(ctx, every, redazione.ChannelEmail, 0xe3a1_0000_0000,
		func(*redazione.Channel) bool { return true },
		func(ctx context.Context, ch *redazione.Channel) {
			email.Poller{Ingester: currentChannel{a}, State: a.DB, Blobs: a.Blobs, MaxFileSize: a.Inbox.MaxFileSize, TLSConfig: tlsConfig, Log: channelLog{a, ch.ID}}.Run(ctx, ch)
		})
}

// WakePollers tells this process's pollers of a kind of channel to look at
// the channels now (a channel added or changed; jobs.WakePollersArgs).
// An empty kind wakes every kind's.
func (a *App) WakePollers(kind string) {
	for k, w := range a.wake {
		if kind == "" || k == redazione.ChannelKind(kind) {
			select {
			case w <- struct{}{}:
			default: // a wake is pending already
			}
		}
	}
}

// runPollers keeps, every interval, one running poll per channel of a kind
// that wants it, in the whole installation (a lease per channel keeps other
// processes off it: see store.DB.Lease), stops the polls of channels no
// longer there, and starts again those whose settings changed (a new
// password, another server) or whose lease was lost. A process that does not
// hold a channel's lease tries again every interval, so when the holder
// stops or dies another takes the channel over within one interval (the
// sweep's, a minute by default) of the lock's release. A wake
// (WakePollers) makes it look at once: a channel just added is polled
// without waiting for the interval.
func (a *App) runPollers(ctx context.Context, every time.Duration, kind redazione.ChannelKind, leaseBase int64,
	wants func(*redazione.Channel) bool, poll func(context.Context, *redazione.Channel)) {
	type polling struct {
		stop     context.CancelFunc
		settings string
		leased   context.Context
	}
	running := map[int64]polling{}
	defer func() {
		for _, p := range running {
			p.stop()
		}
	}()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		chans, err := a.DB.ChannelsOfKind(ctx, kind)
		if err != nil && ctx.Err() == nil {
			a.log.Warn("pollers", "kind", kind, "err", err)
		}
		want := map[int64]bool{}
		for _, ch := range chans {
			if !wants(ch) {
				continue
			}
			want[ch.ID] = true
			settings := fmt.Sprint(ch.Settings) // keys in order
			if p, ok := running[ch.ID]; ok {
				if p.settings == settings && p.leased.Err() == nil {
					continue
				}
				p.stop()
				delete(running, ch.ID)
			}
			pctx, release, ok, err := a.DB.Lease(ctx, leaseBase+ch.ID)
			if a.pollerHook != nil {
				a.pollerHook(kind, ch.ID, ok)
			}
			if err != nil || !ok {
				continue // another process polls this channel
			}
			// Stopping ends the poll; the lease is given up once the poll
			// has returned, so no other process starts while it finishes.
			leased := pctx
			pctx, stop := context.WithCancel(leased)
			running[ch.ID] = polling{stop, settings, leased}
			go func(ch *redazione.Channel) {
				defer release()
				poll(pctx, ch)
			}(ch)
		}
		for id, p := range running {
			if !want[id] {
				p.stop()
				delete(running, id)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-a.wake[kind]:
		}
	}
}

// currentChannel hands a poller's messages to the inbox with the channel as
// it is now, cached a few seconds as on the webhooks, not as it was when the
// poller started: moving a channel to another desk applies to its next
// message without a restart.
type currentChannel struct{ a *App }

func (c currentChannel) Ingest(ctx context.Context, ch *redazione.Channel, in redazione.Inbound) (*redazione.Ingested, error) {
	cur, err := c.a.DB.CachedChannel(ctx, ch.ID)
	if err != nil {
		return nil, err
	}
	return c.a.Inbox.Ingest(ctx, cur, in)
}

func (c currentChannel) Revise(ctx context.Context, ch *redazione.Channel, revs []redazione.Revision) (int, error) {
	cur, err := c.a.DB.CachedChannel(ctx, ch.ID)
	if err != nil {
		return 0, err
	}
	return c.a.Inbox.Revise(ctx, cur, revs)
}

// RecentPublicStatuses lists the statuses a Mastodon poller asks for again
// (mastodon.Ingester).
func (c currentChannel) RecentPublicStatuses(ctx context.Context, ch *redazione.Channel, since time.Time, limit int) ([]string, error) {
	return c.a.DB.RecentPublicInbound(ctx, ch, since, limit)
}

func (c currentChannel) PECReceipt(ctx context.Context, ch *redazione.Channel, r redazione.PECReceipt) error {
	cur, err := c.a.DB.CachedChannel(ctx, ch.ID)
	if err != nil {
		return err
	}
	return c.a.Inbox.PECReceipt(ctx, cur, r)
}

// channelLog logs a channel's errors and keeps the last one for its health.
type channelLog struct {
	a  *App
	id int64
}

// Worked marks the channel's last error past: its poll works again.
func (l channelLog) Worked() { l.a.DB.ChannelWorks(context.Background(), l.id) }

func (l channelLog) Warn(msg string, args ...any) {
	l.a.log.Warn(msg, args...)
	for i := 0; i+1 < len(args); i += 2 {
		if err, ok := args[i+1].(error); ok && args[i] == "err" {
			l.a.DB.ChannelError(context.Background(), l.id, msg+": "+err.Error())
		}
	}
}
