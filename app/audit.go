package app

import (
	"context"
	"time"

	"github.com/redazione/redazione/calendar"
)

// anchorAudit writes to the log, once a day, the hash each ente's audit
// trail had at the end of the day before (Europe/Rome): kept by the log's
// own retention, away from the database, it shows a later rewriting of the
// whole chain (GET /admin/audit/ancore.csv offers the same). done is the
// day last anchored, so that the sweep's ticks anchor each day once.
func (a *App) anchorAudit(ctx context.Context, now time.Time, done *string) {
	y, m, d := now.In(calendar.Rome).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, calendar.Rome)
	if *done == today.Format(time.DateOnly) {
		return
	}
	entes, err := a.DB.Entes(ctx)
	if err != nil {
		if ctx.Err() == nil {
			a.log.Warn("audit anchors", "err", err)
		}
		return
	}
	day := today.AddDate(0, 0, -1).Format(time.DateOnly)
	for _, e := range entes {
		head, err := a.DB.AuditHead(ctx, e.ID, today)
		if err != nil {
			if ctx.Err() == nil {
				a.log.Warn("audit anchors", "ente", e.Slug, "err", err)
			}
			return
		}
		if head.ID != 0 {
			a.log.Info("audit anchor", "ente", e.Slug, "day", day, "id", head.ID, "hash", head.Hash)
		}
	}
	*done = today.Format(time.DateOnly)
}
