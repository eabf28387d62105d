package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
)

// ReportQuery chooses what a report covers: the conversations opened, and
// the messages received, from the start of the day From to the start of the
// day To (both midnights in Rome, To excluded), on one desk or, with DeskID
// 0, on every desk the actor sees. Weekly groups the times, targets and
// ratings by week (Monday to Sunday) instead of by day.
type ReportQuery struct {
	From, To time.Time
	DeskID   int64
	Weekly   bool
}

// MaxReportDays is the longest period a report covers.
const MaxReportDays = 366

// ReportCounts are the figures of a set of conversations that add up.
type ReportCounts struct {
	Conversations int
	Answered      int // with a first answer
	Resolved      int
	WithTarget    int // with a first-answer target that was met or has come due
	TargetMet     int // answered by the target
	Ratings       [4]int
}

func (c *ReportCounts) add(o ReportCounts) {
	c.Conversations += o.Conversations
	c.Answered += o.Answered
	c.Resolved += o.Resolved
	c.WithTarget += o.WithTarget
	c.TargetMet += o.TargetMet
	for i := range c.Ratings {
		c.Ratings[i] += o.Ratings[i]
	}
}

// SLAShare is the share of targets met, in percent rounded to the nearest,
// or -1 when no target came due.
func (c ReportCounts) SLAShare() int { return share(c.TargetMet, c.WithTarget) }

// Rated is how many answered the satisfaction survey.
func (c ReportCounts) Rated() int { return c.Ratings[1] + c.Ratings[2] + c.Ratings[3] }

// RatingShare is the share of the ratings that were rating (1 to 3), in
// percent rounded to the nearest, or -1 without ratings.
func (c ReportCounts) RatingShare(rating int) int { return share(c.Ratings[rating], c.Rated()) }

func share(part, whole int) int {
	if whole == 0 {
		return -1
	}
	return (part*200 + whole) / (whole * 2)
}

// Spread is the distribution of a time over a set of conversations: how
// many had it, its median and its 90th percentile (nearest rank: the
// smallest time that at least half, or nine tenths, of them did not exceed).
type Spread struct {
	N           int
	Median, P90 time.Duration
}

// ReportPoint is one day or one week of a report.
type ReportPoint struct {
	Start    time.Time // midnight in Rome (for a week, its first day in the period)
	Days     int       // 1, or up to 7 for a week
	Messages int       // received from citizens
	ReportCounts
	FirstResponse, Resolution Spread
}

// ReportGroup is the period's figures for one desk, one channel or all.
type ReportGroup struct {
	ID    int64
	Label string
	ReportCounts
	FirstResponse, Resolution Spread
}

// ReportSeries is a report: every day of the period, the days or weeks of
// the times, the whole period, and the breakdowns per desk and per channel.
type ReportSeries struct {
	Query    ReportQuery
	Days     []ReportPoint // every day, zero-filled
	Buckets  []ReportPoint // the days again, or the weeks
	Messages int           // received in the period
	Total    ReportGroup
	Desks    []ReportGroup // most conversations first
	Channels []ReportGroup
}

// ReportSeries computes a report. Everyone who reads conversations may
// read one, on the desks they see: naming a desk the actor does not see is
// forbidden. The figures are aggregated by the database, by day in Rome's
// time; the medians and percentiles too (window functions, on both
// dialects).
func (db *DB) ReportSeries(ctx context.Context, a redazione.Actor, q ReportQuery) (*ReportSeries, error) {
	if q.DeskID != 0 && !a.CanSeeDesk(q.DeskID) {
		return nil, redazione.Errorf(redazione.EFORBIDDEN, "non fai parte di questo desk: non puoi vederne il rapporto")
	}
	if !q.From.Before(q.To) || q.To.Sub(q.From) > (MaxReportDays+1)*24*time.Hour {
		return nil, redazione.FieldError("from", "il periodo deve andare da un giorno a uno uguale o successivo, al massimo %d giorni", MaxReportDays)
	}
	st := db.reportStatements(a, q)
	s := &ReportSeries{Query: q}
	first := epochDay(q.From)
	nDays := int(epochDay(q.To) - first)
	s.Days = make([]ReportPoint, nDays)
	for i := range s.Days {
		s.Days[i] = ReportPoint{Start: fromEpochDay(first + int64(i)), Days: 1}
	}
	at := func(d int64) *ReportPoint {
		if i := d - first; i >= 0 && int(i) < nDays {
			return &s.Days[i]
		}
		return nil
	}

	// The counts, by day, desk and channel: a few thousand rows at most.
	desks := map[int64]*ReportGroup{}
	chans := map[int64]*ReportGroup{}
	group := func(m map[int64]*ReportGroup, id int64) *ReportGroup {
		g := m[id]
		if g == nil {
			g = &ReportGroup{ID: id}
			m[id] = g
		}
		return g
	}
	rows, err := db.reader().query(ctx, st.counts, st.countArgs...)
	if err != nil {
		return nil, fmt.Errorf("report counts: %w", err)
	}
	for rows.Next() {
		var d, desk, ch int64
		var n ReportCounts
		if err := rows.Scan(&d, &desk, &ch, &n.Conversations, &n.Answered, &n.Resolved, &n.WithTarget, &n.TargetMet,
			&n.Ratings[1], &n.Ratings[2], &n.Ratings[3]); err != nil {
			rows.Close()
			return nil, fmt.Errorf("report counts: %w", err)
		}
		if p := at(d); p != nil {
			p.add(n)
		}
		s.Total.add(n)
		group(desks, desk).add(n)
		group(chans, ch).add(n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("report counts: %w", err)
	}

	// The citizens' messages by day, through the index of inbound
	// messages by time; the desk is the conversation's.
	rows, err = db.reader().query(ctx, st.messages, st.messageArgs...)
	if err != nil {
		return nil, fmt.Errorf("report messages: %w", err)
	}
	for rows.Next() {
		var d int64
		var n int
		if err := rows.Scan(&d, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("report messages: %w", err)
		}
		if p := at(d); p != nil {
			p.Messages += n
		}
		s.Messages += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("report messages: %w", err)
	}

	// The buckets of the times: the days, or the weeks from Monday.
	bucketOf := func(d int64) int64 { return d }
	if q.Weekly {
		bucketOf = func(d int64) int64 { return max(d-(d+3)%7, first) }
	}
	index := map[int64]int{}
	for _, p := range s.Days {
		b := bucketOf(epochDay(p.Start))
		i, ok := index[b]
		if !ok {
			i = len(s.Buckets)
			index[b] = i
			s.Buckets = append(s.Buckets, ReportPoint{Start: fromEpochDay(b)})
		}
		bp := &s.Buckets[i]
		bp.Days++
		bp.Messages += p.Messages
		bp.add(p.ReportCounts)
	}

	// Medians and 90th percentiles, by bucket, desk, channel and overall:
	// SQLite has no percentile function, and its window functions cost
	// ten times the reading of the times themselves (see
	// BenchmarkReportSeries), so the times of the period, a few integers a
	// conversation, are read in one pass and ranked here.
	var answers, resolutions []timedRow
	trows, err := db.reader().query(ctx, st.times, st.timeArgs...)
	if err != nil {
		return nil, fmt.Errorf("report times: %w", err)
	}
	for trows.Next() {
		var r timedRow
		var fr, rs int64
		if err := trows.Scan(&r.day, &r.desk, &r.channel, &fr, &rs); err != nil {
			trows.Close()
			return nil, fmt.Errorf("report times: %w", err)
		}
		r.bucket = bucketOf(r.day)
		if fr >= 0 {
			r.x = fr
			answers = append(answers, r)
		}
		if rs >= 0 {
			r.x = rs
			resolutions = append(resolutions, r)
		}
	}
	trows.Close()
	if err := trows.Err(); err != nil {
		return nil, fmt.Errorf("report times: %w", err)
	}
	for m, rows := range [][]timedRow{answers, resolutions} {
		pick := func(p *ReportPoint) *Spread { return &p.FirstResponse }
		pickG := func(g *ReportGroup) *Spread { return &g.FirstResponse }
		if m == 1 {
			pick = func(p *ReportPoint) *Spread { return &p.Resolution }
			pickG = func(g *ReportGroup) *Spread { return &g.Resolution }
		}
		rankTimes(rows, func(kind int, key int64) *Spread {
			switch kind {
			case byBucket:
				if i, ok := index[key]; ok {
					return pick(&s.Buckets[i])
				}
				return nil
			case byDesk:
				return pickG(group(desks, key))
			case byChannel:
				return pickG(group(chans, key))
			}
			return pickG(&s.Total)
		})
	}

	// Names: the desks and channels of the ente.
	ds, err := db.Desks(ctx, a.EnteID)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		if g := desks[d.ID]; g != nil {
			g.Label = d.Name
		}
	}
	chs, err := db.Channels(ctx, a.EnteID)
	if err != nil {
		return nil, err
	}
	for _, c := range chs {
		if g := chans[c.ID]; g != nil {
			g.Label = c.Name
		}
	}
	s.Desks, s.Channels = sortedGroups(desks), sortedGroups(chans)
	return s, nil
}

// reportSQL is the report's three statements and their arguments.
type reportSQL struct {
	counts, messages, times          string
	countArgs, messageArgs, timeArgs []any
}

// reportStatements writes the statements of a report. Each reads one
// range of an index on the time (conversations by opening, citizens'
// messages by arrival) for the ente: the desk is a filter on those rows,
// written +c.desk_id so that SQLite, which keeps no statistics, does not
// read a desk's whole history through the inbox's index by desk instead.
func (db *DB) reportStatements(a redazione.Actor, q ReportQuery) reportSQL {
	from, to := ms(q.From), ms(q.To)
	scope, sargs := deskScope(a, "+c.desk_id")
	if q.DeskID != 0 {
		scope, sargs = " AND +c.desk_id = ?", []any{q.DeskID}
	}
	day := romeDay("c.created_at", q.From, q.To)
	where := " WHERE c.ente_id = ? AND c.created_at >= ? AND c.created_at < ?" + scope
	wargs := append([]any{a.EnteID, from, to}, sargs...)
	var st reportSQL

	// The counts, by day, desk and channel: a few thousand rows at most.
	st.counts = `SELECT ` + day + `, c.desk_id, c.channel_id, COUNT(*),
	 SUM(CASE WHEN c.first_response_at > 0 THEN 1 ELSE 0 END),
	 SUM(CASE WHEN c.status = 'resolved' THEN 1 ELSE 0 END),
	 SUM(CASE WHEN c.first_response_due > 0 AND (c.first_response_at > 0 OR c.first_response_due <= ?) THEN 1 ELSE 0 END),
	 SUM(CASE WHEN c.first_response_due > 0 AND c.first_response_at > 0 AND c.first_response_at <= c.first_response_due THEN 1 ELSE 0 END),
	 SUM(CASE WHEN s.rating = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN s.rating = 2 THEN 1 ELSE 0 END), SUM(CASE WHEN s.rating = 3 THEN 1 ELSE 0 END)
	 FROM conversations c LEFT JOIN surveys s ON s.conversation_id = c.id` + where + `
	 GROUP BY 1, c.desk_id, c.channel_id`
	st.countArgs = append([]any{ms(db.now())}, wargs...)

	// The citizens' messages by day, through the index of inbound
	// messages by time; the desk is the conversation's.
	// With desks to keep, the period's messages are read first (the
	// range of the index, materialized) and only then their
	// conversations, by key: PostgreSQL otherwise misjudged the desk's
	// share and read every conversation of the ente.
	day2 := romeDay("m.created_at", q.From, q.To)
	st.messageArgs = []any{a.EnteID, from, to}
	inPeriod := ` FROM messages m WHERE m.ente_id = ? AND m.direction = 'in' AND m.created_at >= ? AND m.created_at < ?`
	if scope == "" {
		st.messages = `SELECT ` + day2 + `, COUNT(*)` + inPeriod + ` GROUP BY 1`
	} else {
		st.messages = `WITH m AS MATERIALIZED (SELECT m.conversation_id, m.created_at` + inPeriod + `)
		 SELECT ` + day2 + `, COUNT(*) FROM m JOIN conversations c ON c.id = m.conversation_id WHERE 1 = 1` + strings.Replace(scope, "+c.desk_id", "c.desk_id", 1) + ` GROUP BY 1`
		st.messageArgs = append(st.messageArgs, sargs...)
	}

	// The times of the conversations answered or resolved (-1 for none).
	st.times = `SELECT ` + day + `, c.desk_id, c.channel_id,
	 CASE WHEN c.first_response_at > 0 THEN c.first_response_at - c.created_at ELSE -1 END,
	 CASE WHEN c.status = 'resolved' AND c.resolved_at > 0 THEN c.resolved_at - c.created_at ELSE -1 END
	 FROM conversations c` + where + ` AND (c.first_response_at > 0 OR (c.status = 'resolved' AND c.resolved_at > 0))`
	st.timeArgs = wargs
	return st
}

// timedRow is a time of one conversation and the groups it counts in.
type timedRow struct {
	day, bucket, desk, channel int64
	x                          int64 // milliseconds
}

// The groups a time counts in.
const (
	byBucket = iota
	byDesk
	byChannel
	byTotal
)

// rankTimes sets, for each group of the rows, its spread: the number of
// times, and the nearest-rank median and 90th percentile. The rows are
// sorted once; each group's ranks are met walking them in order.
func rankTimes(rows []timedRow, spread func(kind int, key int64) *Spread) {
	type gk struct {
		kind int
		key  int64
	}
	keys := func(r timedRow) [4]gk {
		return [4]gk{{byBucket, r.bucket}, {byDesk, r.desk}, {byChannel, r.channel}, {byTotal, 0}}
	}
	n := map[gk]int{}
	for _, r := range rows {
		for _, k := range keys(r) {
			n[k]++
		}
	}
	slices.SortFunc(rows, func(a, b timedRow) int { return cmp.Compare(a.x, b.x) })
	seen := map[gk]int{}
	for _, r := range rows {
		for _, k := range keys(r) {
			seen[k]++
			c, total := seen[k], n[k]
			median, p90 := (total*50+99)/100, (total*90+99)/100
			if c != median && c != p90 {
				continue
			}
			sp := spread(k.kind, k.key)
			if sp == nil {
				continue
			}
			sp.N = total
			d := time.Duration(r.x) * time.Millisecond
			if c == median {
				sp.Median = d
			}
			if c == p90 {
				sp.P90 = d
			}
		}
	}
}

// sortedGroups lists the groups with conversations, the most first, then
// by name.
func sortedGroups(m map[int64]*ReportGroup) []ReportGroup {
	out := make([]ReportGroup, 0, len(m))
	for _, g := range m {
		if g.Conversations > 0 {
			out = append(out, *g)
		}
	}
	slices.SortFunc(out, func(x, y ReportGroup) int {
		if x.Conversations != y.Conversations {
			return y.Conversations - x.Conversations
		}
		return strings.Compare(x.Label, y.Label)
	})
	return out
}

const dayMS = 24 * 60 * 60 * 1000

// romeDay is an SQL expression of the day in Rome's time of col (a time in
// milliseconds), as days since 1 January 1970, for times in [from, to):
// the offset from UTC is added, chosen by the daylight-saving changes that
// fall in the period, so both dialects bucket alike and by plain
// arithmetic (the index on the time still bounds the rows). The numbers
// are computed here, never taken from the request.
func romeDay(col string, from, to time.Time) string {
	var b strings.Builder
	b.WriteString("(" + col + " + ")
	t := from.In(calendar.Rome)
	var cases []string
	for {
		_, off := t.Zone()
		_, end := t.ZoneBounds()
		offMS := strconv.FormatInt(int64(off)*1000, 10)
		if end.IsZero() || !end.Before(to) {
			if len(cases) == 0 {
				b.WriteString(offMS)
			} else {
				b.WriteString("CASE" + strings.Join(cases, "") + " ELSE " + offMS + " END")
			}
			break
		}
		cases = append(cases, " WHEN "+col+" < "+strconv.FormatInt(ms(end), 10)+" THEN "+offMS)
		t = end.In(calendar.Rome)
	}
	b.WriteString(") / " + strconv.Itoa(dayMS))
	return b.String()
}

// epochDay is the number of the day of t in Rome since 1 January 1970.
func epochDay(t time.Time) int64 {
	y, m, d := t.In(calendar.Rome).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// fromEpochDay is midnight in Rome of the day numbered d.
func fromEpochDay(d int64) time.Time {
	u := time.Unix(d*86400, 0).UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, calendar.Rome)
}
