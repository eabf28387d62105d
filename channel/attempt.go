package channel

import "context"

type attemptKey struct{}

// WithAttempt tells a Sender which attempt at delivering a reply this is
// (from 1). The delivery job knows it even when the reply's own count does
// not: a process killed in the middle of a send leaves the reply untouched,
// and the job is taken up again as a later attempt.
func WithAttempt(ctx context.Context, attempt int) context.Context {
	return context.WithValue(ctx, attemptKey{}, attempt)
}

// Attempt is the attempt WithAttempt set (0 when none was): a Sender whose
// platform may have received an earlier attempt looks for it before sending
// again.
func Attempt(ctx context.Context) int {
	n, _ := ctx.Value(attemptKey{}).(int)
	return n
}
