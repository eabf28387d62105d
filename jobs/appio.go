package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// AppIOCheckArgs asks IO where a message it accepted stands (IO processes
// messages asynchronously: the send only says it was taken).
type AppIOCheckArgs struct {
	EnteID    int64 `json:"ente_id"`
	MessageID int64 `json:"message_id"`
}

// Kind names the job.
func (AppIOCheckArgs) Kind() string { return "appio_check" }

// AppIOCheckAttempts is how often IO is asked before the message is left
// as sent, its outcome unknown.
const AppIOCheckAttempts = 12

// InsertOpts makes the job unique per message.
func (AppIOCheckArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: AppIOCheckAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// AppIOChecker asks IO for a message's outcome and records it. It returns
// jobs.Later while IO has not decided (or said to wait), to be asked again.
type AppIOChecker interface {
	CheckAppIO(ctx context.Context, enteID, messageID int64, attempt int, final bool) error
}

type appioWorker struct {
	river.WorkerDefaults[AppIOCheckArgs]
	c AppIOChecker
	// waits: each check counts, so a message IO never decides on is not
	// asked about for ever.
	waits laterWaits
}

func (w *appioWorker) Work(ctx context.Context, job *river.Job[AppIOCheckArgs]) error {
	final := job.Attempt >= job.MaxAttempts
	return w.waits.outcome(job.ID, w.c.CheckAppIO(ctx, job.Args.EnteID, job.Args.MessageID, job.Attempt, final), final)
}

// NextRetry honours the wait asked for; without one River's retry policy decides.
func (w *appioWorker) NextRetry(job *river.Job[AppIOCheckArgs]) time.Time {
	return w.waits.next(job.ID)
}

// Timeout bounds one check.
func (w *appioWorker) Timeout(*river.Job[AppIOCheckArgs]) time.Duration { return 40 * time.Second }

// EnqueueAppIOCheck asks for an App IO message's outcome to be checked
// after a while (once, however often asked).
func (q *Queue) EnqueueAppIOCheck(ctx context.Context, enteID, messageID int64, after time.Duration) error {
	args := AppIOCheckArgs{EnteID: enteID, MessageID: messageID}
	opts := args.InsertOpts()
	opts.ScheduledAt = time.Now().Add(after)
	return q.enqueue(ctx, args, &opts)
}
