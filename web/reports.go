package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/inbox"
	"github.com/redazione/redazione/store"
	"github.com/redazione/redazione/topics"
)

// statsReads is what the statistics pages read (*store.DB has it).
type statsReads interface {
	CitizenTexts(ctx context.Context, a redazione.Actor, since time.Time) ([]store.TimedText, error)
	Now() time.Time
	Report(ctx context.Context, a redazione.Actor, by string, from, to time.Time) ([]store.ReportRow, error)
}

func (s *Server) statsDB() statsReads { return s.DB }

// reportView is the data of the reports page.
type reportView struct {
	By         string
	Days       int
	Dimensions []string
	Rows       []store.ReportRow
	From, To   time.Time
	Chart      template.HTML
	CSV        string
	Topics     []topics.Topic // the most frequent of the period
	Emerging   []topics.Topic // this week's, against the four weeks before
}

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

func (s *Server) reportsPage(w http.ResponseWriter, r *http.Request, u *session) {
	lang := langOf(r)
	p := s.page(r, u, translate(lang, "reports.title"), "reports")
	by, days, from, to := reportParams(r)
	rows, err := s.statsDB().Report(r.Context(), u.Actor, by, from, to)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	v := &reportView{By: by, Days: days, Dimensions: store.ReportDimensions, Rows: rows, From: from, To: to,
		CSV: fmt.Sprintf("/reports.csv?by=%s&days=%d", by, days)}
	v.Chart = satisfactionChart(lang, by, rows)
	// One read of the citizens' texts for both lists: the period's topics
	// and this week's emerging ones.
	now := s.statsDB().Now()
	since := now.Add(-inbox.EmergingSpan)
	if from.Before(since) {
		since = from
	}
	if texts, err := s.statsDB().CitizenTexts(r.Context(), u.Actor, since); err == nil {
		var period []string
		for _, t := range texts {
			if !t.At.Before(from) {
				period = append(period, t.Text)
			}
		}
		v.Topics = topics.Top(topics.Count(period), 15)
		v.Emerging = inbox.EmergingIn(texts, now)
	}
	p.Data = v
	s.render(w, r, http.StatusOK, "reports", "", p)
}

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

// satisfactionChart draws, per group, a bar split in the three ratings. The
// same figures are in the table beside it; the chart has a text alternative.
func satisfactionChart(lang, by string, rows []store.ReportRow) template.HTML {
	const barW, rowH, labelW = 360, 30, 220
	n := min(len(rows), 20)
	if n == 0 {
		return ""
	}
	h := n*rowH + 40
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="report-chart" role="img" aria-labelledby="chart-title chart-desc" viewBox="0 0 %d %d" width="100%%" style="max-width:%dpx">`, labelW+barW+70, h, labelW+barW+70)
	fmt.Fprintf(&b, `<title id="chart-title">%s</title>`, template.HTMLEscapeString(translate(lang, "reports.chart")))
	var desc []string
	colors := [4]string{"", "#a30000", "#a66a00", "#1a6e30"}
	for i := 0; i < n; i++ {
		row := rows[i]
		label := reportLabel(lang, by, row)
		desc = append(desc, fmt.Sprintf("%s: %d %s, %d %s, %d %s", label, row.Ratings[3], translate(lang, "survey.positive"),
			row.Ratings[2], translate(lang, "survey.sufficient"), row.Ratings[1], translate(lang, "survey.negative")))
		y := 10 + i*rowH
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="13" fill="#1a1a1a">%s</text>`, labelW-8, y+18, template.HTMLEscapeString(truncate(label, 30)))
		total := row.Rated()
		x := labelW
		if total == 0 {
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="22" fill="#e8eaec"/>`, x, y+2, barW)
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" fill="#3d4a57">%s</text>`, x+6, y+18, template.HTMLEscapeString(translate(lang, "reports.norating")))
			continue
		}
		for _, rating := range []int{3, 2, 1} {
			wd := row.Ratings[rating] * barW / total
			if wd > 0 {
				fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="22" fill="%s"/>`, x, y+2, wd, colors[rating])
			}
			x += wd
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" fill="#1a1a1a">%d%%</text>`, labelW+barW+6, y+18, row.Ratings[3]*100/total)
	}
	// legend
	ly := n*rowH + 24
	lx := labelW
	for _, rating := range []int{3, 2, 1} {
		name := [4]string{"", "survey.negative", "survey.sufficient", "survey.positive"}[rating]
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d" font-size="12" fill="#1a1a1a">%s</text>`,
			lx, ly-10, colors[rating], lx+16, ly, template.HTMLEscapeString(translate(lang, name)))
		lx += 110
	}
	fmt.Fprintf(&b, `<desc id="chart-desc">%s</desc></svg>`, template.HTMLEscapeString(strings.Join(desc, "; ")))
	return template.HTML(b.String())
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
