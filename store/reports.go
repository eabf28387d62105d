package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/redazione/redazione"
)

// ReportRow is one group of a report (a desk, an operator, a channel or a
// tag) over a period.
type ReportRow struct {
	Key                 string
	Label               string
	Conversations       int
	Resolved            int
	Answered            int           // with a first answer
	MedianFirstResponse time.Duration // wall-clock, among those answered
	MedianResolution    time.Duration // wall-clock, among those resolved
	WithTarget          int           // with a first-answer target that has come due or was met
	TargetMet           int
	Ratings             [4]int // by rating: [1] negative, [2] sufficient, [3] positive
}

// SLAPercent is the share of first-answer targets met, or -1 without any.
func (r ReportRow) SLAPercent() int {
	if r.WithTarget == 0 {
		return -1
	}
	return r.TargetMet * 100 / r.WithTarget
}

// Rated is how many answered the satisfaction survey.
func (r ReportRow) Rated() int { return r.Ratings[1] + r.Ratings[2] + r.Ratings[3] }

// ReportDimensions are the groupings a report can use.
var ReportDimensions = []string{"desk", "operator", "channel", "tag"}

// Report groups the conversations opened in [from, to) by dimension.
// Administrators, coordinators and analysts may read it.
func (db *DB) Report(ctx context.Context, a redazione.Actor, by string, from, to time.Time) ([]ReportRow, error) {
	if !a.SeesAllDesks() {
		return nil, redazione.Errorf(redazione.EFORBIDDEN, "i rapporti sono per amministratori, coordinatori e analisti")
	}
	var key, label, join string
	switch by {
	case "desk":
		key, label, join = "c.desk_id", "COALESCE(d.name, '')", " LEFT JOIN desks d ON d.id = c.desk_id"
	case "operator":
		key, label, join = "c.assignee_id", "COALESCE(u.name, '')", " LEFT JOIN users u ON u.id = c.assignee_id"
	case "channel":
		key, label, join = "c.channel_id", "COALESCE(ch.name, '')", " LEFT JOIN channels ch ON ch.id = c.channel_id"
	case "tag":
		key, label, join = "t.tag", "t.tag", " JOIN conversation_tags t ON t.conversation_id = c.id"
	default:
		return nil, redazione.FieldError("by", "raggruppamento non valido")
	}
	now := ms(db.now())
	rows, err := db.reader().query(ctx, `SELECT `+key+`, `+label+`, c.status, c.created_at, c.first_response_at, c.resolved_at, c.first_response_due,
	 COALESCE(s.rating, 0)
	 FROM conversations c`+join+` LEFT JOIN surveys s ON s.conversation_id = c.id
	 WHERE c.ente_id = ? AND c.created_at >= ? AND c.created_at < ?`, a.EnteID, ms(from), ms(to))
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	defer rows.Close()
	type acc struct {
		row        ReportRow
		first, res []time.Duration
	}
	groups := map[string]*acc{}
	var order []string
	for rows.Next() {
		var k any
		var lbl, status string
		var created, firstAt, resolvedAt, firstDue int64
		var rating int
		if err := rows.Scan(&k, &lbl, &status, &created, &firstAt, &resolvedAt, &firstDue, &rating); err != nil {
			return nil, err
		}
		ks := fmt.Sprint(k)
		if b, ok := k.([]byte); ok {
			ks = string(b)
		}
		g := groups[ks]
		if g == nil {
			g = &acc{row: ReportRow{Key: ks, Label: lbl}}
			groups[ks] = g
			order = append(order, ks)
		}
		g.row.Conversations++
		if firstAt > 0 {
			g.row.Answered++
			g.first = append(g.first, time.Duration(firstAt-created)*time.Millisecond)
		}
		if status == string(redazione.StatusResolved) {
			g.row.Resolved++
			if resolvedAt > 0 {
				g.res = append(g.res, time.Duration(resolvedAt-created)*time.Millisecond)
			}
		}
		if firstDue > 0 && (firstAt > 0 || firstDue <= now) {
			g.row.WithTarget++
			if firstAt > 0 && firstAt <= firstDue {
				g.row.TargetMet++
			}
		}
		if rating >= RatingNegative && rating <= RatingPositive {
			g.row.Ratings[rating]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]ReportRow, 0, len(order))
	for _, k := range order {
		g := groups[k]
		g.row.MedianFirstResponse, g.row.MedianResolution = median(g.first), median(g.res)
		out = append(out, g.row)
	}
	slices.SortFunc(out, func(x, y ReportRow) int {
		if x.Conversations != y.Conversations {
			return y.Conversations - x.Conversations
		}
		if x.Label < y.Label {
			return -1
		}
		return 1
	})
	return out, nil
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}
