package jobs

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/riverqueue/river"
)

// FetchArgs asks for the file of one attachment to be fetched from the
// platform the citizen wrote on.
type FetchArgs struct {
	AttachmentID int64 `json:"attachment_id"`
}

// Kind names the job.
func (FetchArgs) Kind() string { return "fetch_attachment" }

// FetchAttempts is how often a fetch is tried before the attachment is
// marked failed.
const FetchAttempts = 8

// InsertOpts makes the job unique per attachment.
func (FetchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: FetchAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Fetcher fetches one attachment; attempt counts from 1, final is true on
// the last one.
type Fetcher interface {
	Fetch(ctx context.Context, attachmentID int64, attempt int, final bool) error
}

type fetchWorker struct {
	river.WorkerDefaults[FetchArgs]
	f Fetcher
	// waits: a fetch counts each attempt (unlike a delivery, which is
	// snoozed), so a file that never comes fails.
	waits laterWaits
}

func (w *fetchWorker) Work(ctx context.Context, job *river.Job[FetchArgs]) error {
	final := job.Attempt >= job.MaxAttempts
	return w.waits.outcome(job.ID, w.f.Fetch(ctx, job.Args.AttachmentID, job.Attempt, final), final)
}

// NextRetry honours the platform's Retry-After; without one River's retry
// policy (doubling back-off) decides.
func (w *fetchWorker) NextRetry(job *river.Job[FetchArgs]) time.Time { return w.waits.next(job.ID) }

// laterWaits holds, by job id, the wait a Later asked for (a platform's
// Retry-After), until River asks NextRetry, for workers whose attempts
// all count.
type laterWaits struct{ m sync.Map }

// outcome turns a job's error into River's: a Permanent cancels the job,
// a Later (but on the last attempt) records its wait.
func (l *laterWaits) outcome(jobID int64, err error, final bool) error {
	var p Permanent
	if errors.As(err, &p) {
		return river.JobCancel(err)
	}
	var later Later
	if errors.As(err, &later) && later.After > 0 && !final {
		l.m.Store(jobID, time.Now().Add(min(later.After, maxWait)))
	}
	return err
}

// next is the time recorded for the job's retry, or zero for River's own.
func (l *laterWaits) next(jobID int64) time.Time {
	if at, ok := l.m.LoadAndDelete(jobID); ok {
		return at.(time.Time)
	}
	return time.Time{}
}

// Timeout bounds one fetch, a file of tens of megabytes, below the time
// after which River takes a job for stuck and runs it again.
func (w *fetchWorker) Timeout(*river.Job[FetchArgs]) time.Duration { return 90 * time.Second }

// EnqueueFetch asks for an attachment's file to be fetched (once, however
// often asked).
func (q *Queue) EnqueueFetch(ctx context.Context, attachmentID int64) error {
	return q.enqueue(ctx, FetchArgs{AttachmentID: attachmentID}, nil)
}
