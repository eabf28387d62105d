// Package jobs runs Redazione's durable background work on River, the job
// queue made for PostgreSQL (with its SQLite driver for the embedded default):
// a reply is delivered by a job that survives restarts, is retried with
// back-off and runs once even with several processes.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// DeliverArgs asks for one outgoing message to be delivered.
type DeliverArgs struct {
	EnteID    int64 `json:"ente_id"`
	MessageID int64 `json:"message_id"`
}

// Kind names the job.
func (DeliverArgs) Kind() string { return "deliver_message" }

// MaxAttempts is how often a delivery is tried before it is marked failed.
const MaxAttempts = 10

// InsertOpts makes the job unique per message: enqueuing twice runs it once.
func (DeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: MaxAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Permanent marks a delivery error that retrying cannot fix (a 4xx answer, a
// channel without a callback).
type Permanent struct{ Err error }

func (p Permanent) Error() string { return p.Err.Error() }
func (p Permanent) Unwrap() error { return p.Err }

// Later is a temporary failure whose platform said when to try again (a 429
// with Retry-After, Telegram's retry_after): the next attempt comes then,
// not after the usual back-off.
type Later struct {
	Err   error
	After time.Duration
}

func (l Later) Error() string { return l.Err.Error() }
func (l Later) Unwrap() error { return l.Err }

// maxWait bounds a platform's "try again in": beyond it the usual back-off applies.
const maxWait = time.Hour

// Deliverer sends one message; attempt counts from 1, final is true on the
// last one.
type Deliverer interface {
	Deliver(ctx context.Context, enteID, messageID int64, attempt int, final bool) error
}

// Config tunes the queue.
type Config struct {
	Workers      int
	PollInterval time.Duration // SQLite has no LISTEN: how often to look for jobs
	RetryBase    time.Duration // the first retry comes after about this long
	Logger       *slog.Logger
	// DataOnly is set when the database role may change data only (see
	// docs/postgres-roles.sql): River's tables were migrated by their owner
	// (MigratePostgres), and River's periodic REINDEX, which needs the owner, is
	// left to it.
	DataOnly bool
	// Waker, when set, works the jobs that wake this process's pollers
	// (WakePollersArgs); a process that enqueues them sets it.
	Waker Waker
}

// Queue is the job queue of one process.
type Queue struct {
	enqueue func(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
	start   func(ctx context.Context) error
	stop    func(ctx context.Context) error
	backlog func(ctx context.Context) (map[string]Waiting, error)
}

type worker struct {
	river.WorkerDefaults[DeliverArgs]
	d Deliverer
}

func (w *worker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	final := job.Attempt >= job.MaxAttempts
	err := w.d.Deliver(ctx, job.Args.EnteID, job.Args.MessageID, job.Attempt, final)
	var p Permanent
	if errors.As(err, &p) {
		return river.JobCancel(err)
	}
	var l Later
	if errors.As(err, &l) && l.After > 0 && l.After <= maxWait {
		return river.JobSnooze(l.After)
	}
	return err
}

// Timeout bounds one delivery attempt (a reply with files takes longer),
// below the time after which River takes a job for stuck.
func (w *worker) Timeout(*river.Job[DeliverArgs]) time.Duration { return 100 * time.Second }

// backoff doubles the wait after each attempt, with jitter, up to an hour.
type backoff struct{ base time.Duration }

func (b backoff) NextRetry(job *rivertype.JobRow) time.Time {
	d := b.base << min(job.Attempt-1, 20)
	d = min(d, time.Hour)
	d += time.Duration(rand.Int64N(int64(d)/5 + 1))
	return time.Now().Add(d)
}

// Handler does the work of every job kind: deliveries, fetches and the
// checks of App IO messages.
type Handler interface {
	Deliverer
	Fetcher
	AppIOChecker
}

func config(cfg Config, d Handler) *river.Config {
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 250 * time.Millisecond
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = 5 * time.Second
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &worker{d: d})
	river.AddWorker(workers, &fetchWorker{f: d})
	river.AddWorker(workers, &appioWorker{c: d})
	if cfg.Waker != nil {
		river.AddWorker(workers, &wakeWorker{w: cfg.Waker})
	}
	rc := &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:              workers,
		FetchPollInterval:    cfg.PollInterval,
		FetchCooldown:        min(cfg.PollInterval, 50*time.Millisecond),
		RetryPolicy:          backoff{cfg.RetryBase},
		JobTimeout:           time.Minute,
		RescueStuckJobsAfter: 2 * time.Minute, // a job of a killed process runs again soon
		Logger:               cfg.Logger,
	}
	if cfg.DataOnly {
		rc.ReindexerIndexNames = []string{} // none: not nil, which is River's default list
	}
	return rc
}

// migrate applies River's migrations.
func migrate[TTx any](ctx context.Context, driver riverdriver.Driver[TTx]) error {
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("job queue migrate: %w", err)
	}
	return nil
}

// MigratePostgres applies River's migrations to the PostgreSQL database at
// url (redazione migrate, with the owner's URL).
func MigratePostgres(ctx context.Context, url string) error {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return fmt.Errorf("job queue pool: %w", err)
	}
	defer pool.Close()
	return migrate(ctx, riverpgxv5.New(pool))
}

// MigrateSQLite applies River's migrations to the SQLite database of db,
// its write connection.
func MigrateSQLite(ctx context.Context, db *sql.DB) error {
	return migrate(ctx, riversqlite.New(db))
}

func newQueue[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], cfg *river.Config, dataOnly bool) (*Queue, error) {
	if !dataOnly {
		if err := migrate(ctx, driver); err != nil {
			return nil, err
		}
	}
	client, err := river.NewClient(driver, cfg)
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	return &Queue{
		enqueue: func(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
			_, err := client.Insert(ctx, args, opts)
			return err
		},
		start: client.Start,
		stop:  client.Stop,
	}, nil
}

// NewSQLite returns a queue on the SQLite database's single write connection,
// so that the queue and the application never write at the same time.
func NewSQLite(ctx context.Context, db *sql.DB, cfg Config, d Handler) (*Queue, error) {
	rc := config(cfg, d)
	rc.PollOnly = true
	q, err := newQueue(ctx, riversqlite.New(db), rc, cfg.DataOnly)
	if err != nil {
		return nil, err
	}
	q.backlog = sqliteBacklog(db)
	return q, nil
}

// NewPostgres returns a queue on PostgreSQL; River's leader election and
// locking make each job run once across processes.
func NewPostgres(ctx context.Context, url string, cfg Config, d Handler) (*Queue, func(), error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, nil, fmt.Errorf("job queue pool: %w", err)
	}
	q, err := newQueue(ctx, riverpgxv5.New(pool), config(cfg, d), cfg.DataOnly)
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	q.backlog = postgresBacklog(pool)
	return q, pool.Close, nil
}

// EnqueueDelivery asks for a message to be delivered (once, however often asked).
func (q *Queue) EnqueueDelivery(ctx context.Context, enteID, messageID int64) error {
	return q.enqueue(ctx, DeliverArgs{EnteID: enteID, MessageID: messageID}, nil)
}

// Start starts working jobs until Stop.
func (q *Queue) Start(ctx context.Context) error { return q.start(ctx) }

// Stop finishes the running jobs and stops.
func (q *Queue) Stop(ctx context.Context) error { return q.stop(ctx) }
