package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

// WakePollersArgs asks the processes' pollers of a kind of channel to look
// at the channels at once (a channel added or changed), not at the next
// sweep. Whichever process works the job looks: it takes the lease of a
// channel no one polls yet, so a channel added on one node, or by the
// command line in a process of its own, is polled within moments on the
// engine's job queue, SQLite or PostgreSQL alike.
type WakePollersArgs struct {
	ChannelID   int64  `json:"channel_id"`
	ChannelKind string `json:"kind"`
}

// Kind names the job.
func (WakePollersArgs) Kind() string { return "wake_pollers" }

// InsertOpts: a wake missed is made up by the next sweep, so it is tried once.
func (WakePollersArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 1} }

// Waker wakes this process's pollers of a kind of channel (app.App).
type Waker interface {
	WakePollers(kind string)
}

type wakeWorker struct {
	river.WorkerDefaults[WakePollersArgs]
	w Waker
}

func (w *wakeWorker) Work(_ context.Context, job *river.Job[WakePollersArgs]) error {
	w.w.WakePollers(job.Args.ChannelKind)
	return nil
}

// EnqueueWakePollers asks for the pollers of the channel's kind to look at
// the channels at once.
func (q *Queue) EnqueueWakePollers(ctx context.Context, channelID int64, kind string) error {
	return q.enqueue(ctx, WakePollersArgs{ChannelID: channelID, ChannelKind: kind}, nil)
}

// WakePollersSQLite enqueues WakePollersArgs from a process that runs no
// queue (the command line), on the SQLite database's write connection db.
func WakePollersSQLite(ctx context.Context, db *sql.DB, channelID int64, kind string) error {
	client, err := river.NewClient(riversqlite.New(db), &river.Config{Logger: slog.New(slog.DiscardHandler)})
	return insertOnly(ctx, client, err, channelID, kind)
}

// WakePollersPostgres is WakePollersSQLite on the PostgreSQL database at url.
func WakePollersPostgres(ctx context.Context, url string, channelID int64, kind string) error {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return fmt.Errorf("job queue pool: %w", err)
	}
	defer pool.Close()
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Logger: slog.New(slog.DiscardHandler)})
	return insertOnly(ctx, client, err, channelID, kind)
}

// insertOnly inserts the job with a client that works none.
func insertOnly[TTx any](ctx context.Context, client *river.Client[TTx], err error, channelID int64, kind string) error {
	if err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	_, err = client.Insert(ctx, WakePollersArgs{ChannelID: channelID, ChannelKind: kind}, nil)
	return err
}
