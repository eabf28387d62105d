package jobs

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

type fetchFunc func(ctx context.Context, id int64, attempt int, final bool) error

func (f fetchFunc) Fetch(ctx context.Context, id int64, attempt int, final bool) error {
	return f(ctx, id, attempt, final)
}

// The platform's Retry-After sets the next attempt; without one the
// queue's back-off decides; a permanent error cancels the job.
func TestFetchWorkerRetryAfter(t *testing.T) {
	var err error
	w := &fetchWorker{f: fetchFunc(func(context.Context, int64, int, bool) error { return err })}
	job := &river.Job[FetchArgs]{JobRow: &rivertype.JobRow{ID: 7, Attempt: 1, MaxAttempts: FetchAttempts}, Args: FetchArgs{AttachmentID: 3}}

	err = Later{Err: errors.New("429"), After: 30 * time.Second}
	if got := w.Work(context.Background(), job); !errors.Is(got, err) {
		t.Fatalf("Work = %v", got)
	}
	if at := w.NextRetry(job); time.Until(at) < 29*time.Second || time.Until(at) > 31*time.Second {
		t.Errorf("next retry in %v, want 30 s", time.Until(at))
	}
	if at := w.NextRetry(job); !at.IsZero() {
		t.Error("a Retry-After applied twice")
	}
	err = errors.New("503")
	w.Work(context.Background(), job)
	if at := w.NextRetry(job); !at.IsZero() {
		t.Error("a plain error does not leave the back-off to the queue")
	}
	err = Permanent{Err: errors.New("404")}
	var cancel *rivertype.JobCancelError
	if got := w.Work(context.Background(), job); !errors.As(got, &cancel) {
		t.Errorf("permanent: %v, want the job cancelled", got)
	}
}
