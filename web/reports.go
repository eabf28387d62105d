package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/store"
)

// statsReads is what the statistics pages read (*store.DB has it).
type statsReads interface {
	CitizenTexts(ctx context.Context, a redazione.Actor, since time.Time) ([]store.TimedText, error)
	Now() time.Time
	Report(ctx context.Context, a redazione.Actor, by string, from, to time.Time) ([]store.ReportRow, error)
	ReportSeries(ctx context.Context, a redazione.Actor, q store.ReportQuery) (*store.ReportSeries, error)
	Desks(ctx context.Context, enteID int64) ([]redazione.Desk, error)
}

func (s *Server) statsDB() statsReads { return s.DB }

func reportParams(r *http.Request) (by string, days int, from, to time.Time) {
	by = r.URL.Query().Get("by")
	if by == "" {
		by = "desk"
	}
	days, _ = strconv.Atoi(r.URL.Query().Get("days"))
	if days <= 0 || days > 366 {
		days = 30
	}
	to = time.Now()
	from = to.AddDate(0, 0, -days)
	return
}

// reportsCSV is the earlier CSV of the reports, by desk, operator, channel
// or tag over the last days (?by=&days=), kept for the scripts that read it.
func (s *Server) reportsCSV(w http.ResponseWriter, r *http.Request, u *session) {
	lang := langOf(r)
	by, _, from, to := reportParams(r)
	rows, err := s.statsDB().Report(r.Context(), u.Actor, by, from, to)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="redazione-%s-%s.csv"`, by, to.In(calendar.Rome).Format("2006-01-02")))
	cw := csv.NewWriter(w)
	cw.Comma = ';' // what Italian spreadsheets expect
	cw.Write([]string{translate(lang, "reports.dim."+by), translate(lang, "reports.conversations"), translate(lang, "reports.resolved"),
		translate(lang, "reports.first"), translate(lang, "reports.resolution"), translate(lang, "reports.sla"),
		translate(lang, "survey.positive"), translate(lang, "survey.sufficient"), translate(lang, "survey.negative")})
	for _, row := range rows {
		sla := ""
		if p := row.SLAPercent(); p >= 0 {
			sla = strconv.Itoa(p)
		}
		cw.Write([]string{csvSafe(reportLabel(lang, by, row)), strconv.Itoa(row.Conversations), strconv.Itoa(row.Resolved),
			strconv.Itoa(int(row.MedianFirstResponse.Minutes())), strconv.Itoa(int(row.MedianResolution.Minutes())), sla,
			strconv.Itoa(row.Ratings[3]), strconv.Itoa(row.Ratings[2]), strconv.Itoa(row.Ratings[1])})
	}
	cw.Flush()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func reportLabel(lang, by string, row store.ReportRow) string {
	if row.Label != "" {
		return row.Label
	}
	if by == "operator" {
		return translate(lang, "field.nobody")
	}
	return row.Key
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func minutesLabel(d time.Duration) string {
	if d <= 0 {
		return "–"
	}
	return businessDuration("it", d)
}
