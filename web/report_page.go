package web

import (
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/inbox"
	"github.com/redazione/redazione/store"
	"github.com/redazione/redazione/topics"
)

// weeklyAfter is the longest period whose times are drawn day by day;
// beyond it, week by week (a day holds too few conversations for a
// steady median).
const weeklyAfter = 31

// reportPresets are the periods offered in one click.
var reportPresets = []int{7, 30, 90}

// reportFilter is what the reports page was asked for.
type reportFilter struct {
	From, To time.Time // midnights in Rome; To is the last day shown
	Desk     int64
	Days     int
	// the fields as typed, to show them again with an error
	FromText, ToText string
}

// reportPage is the data of the reports page.
type reportPage struct {
	Filter     reportFilter
	Desks      []redazione.Desk // those the user sees
	AllDesks   string           // the label of "every desk"
	Presets    []reportPreset
	Period     string // the period in words
	Weekly     bool
	Figures    []reportFigure
	Charts     []*chartView // over time
	Breakdowns []*chartView // per desk, per channel
	Empty      bool
	Topics     []topics.Topic // the most frequent of the period
	Emerging   []topics.Topic // this week's, against the four weeks before
	Invalid    bool
}

// reportPreset is a link to the last n days.
type reportPreset struct {
	Label   string
	URL     string
	Current bool
}

// reportFigure is one of the period's key figures.
type reportFigure struct{ Label, Value string }

// chartView is one chart of the page, with everything around it.
type chartView struct {
	ID      string // also the chart's name in the CSV address
	Title   string
	Summary string // the text alternative: the trend in words
	Overall string // the whole period's figure, when it says more than the chart
	SVG     *svgChart
	Table   dataTable
	CSV     string
	// TableOpen shows the table under the chart rather than folded in
	// "Dati del grafico" (the breakdowns, whose table says more).
	TableOpen bool
}

// dataTable is a chart's data: shown as a table, downloaded as CSV (the
// same rows and columns; CSVRows hold plain numbers and ISO dates).
type dataTable struct {
	Caption string
	Head    []string
	Rows    [][]string
	CSVHead []string
	CSVRows [][]string
}

func init() {
	funcs["add"] = func(a, b any) float64 { return toFloat(a) + toFloat(b) }
	funcs["sub"] = func(a, b any) float64 { return toFloat(a) - toFloat(b) }
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	case int64:
		return float64(x)
	}
	return 0
}

// parseReportFilter reads the period and desk from the address: from and
// to (days, both included), or the last days (7, 30, 90…) up to today;
// by default the last 30 days.
func parseReportFilter(q url.Values, today time.Time) (reportFilter, error) {
	f := reportFilter{FromText: q.Get("from"), ToText: q.Get("to")}
	today = midnight(today)
	if d := q.Get("desk"); d != "" && d != "0" {
		id, err := strconv.ParseInt(d, 10, 64)
		if err != nil || id <= 0 {
			return f, redazione.FieldError("desk", "il desk scelto non esiste")
		}
		f.Desk = id
	}
	days := 30
	if d := q.Get("days"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > store.MaxReportDays {
			return f, redazione.FieldError("days", "il numero di giorni deve essere tra 1 e %d", store.MaxReportDays)
		}
		days = n
	}
	f.To = today
	if f.ToText != "" {
		t, ok := parseDay(f.ToText)
		if !ok {
			return f, redazione.FieldError("to", "la data di fine non è valida: scrivila come gg/mm/aaaa")
		}
		f.To = t
	}
	f.From = f.To.AddDate(0, 0, 1-days)
	if f.FromText != "" {
		t, ok := parseDay(f.FromText)
		if !ok {
			return f, redazione.FieldError("from", "la data di inizio non è valida: scrivila come gg/mm/aaaa")
		}
		f.From = t
	}
	if f.From.After(f.To) {
		return f, redazione.FieldError("from", "la data di inizio viene dopo quella di fine")
	}
	f.Days = dayCount(f.From, f.To)
	if f.Days > store.MaxReportDays {
		return f, redazione.FieldError("from", "il periodo supera %d giorni: scegline uno più breve", store.MaxReportDays)
	}
	if f.FromText == "" {
		f.FromText = f.From.Format("2006-01-02")
	}
	if f.ToText == "" {
		f.ToText = f.To.Format("2006-01-02")
	}
	return f, nil
}

// parseDay reads a day as the date field sends it, or as an Italian writes it.
func parseDay(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02", "02/01/2006", "2/1/2006"} {
		if t, err := time.ParseInLocation(layout, strings.TrimSpace(s), calendar.Rome); err == nil && t.Year() >= 2000 && t.Year() < 3000 {
			return t, true
		}
	}
	return time.Time{}, false
}

func midnight(t time.Time) time.Time {
	y, m, d := t.In(calendar.Rome).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, calendar.Rome)
}

// dayCount is the number of days from a to b, both included.
func dayCount(a, b time.Time) int {
	ya, ma, da := a.Date()
	yb, mb, db := b.Date()
	return int(time.Date(yb, mb, db, 0, 0, 0, 0, time.UTC).Sub(time.Date(ya, ma, da, 0, 0, 0, 0, time.UTC)).Hours()/24) + 1
}

// query is the address of the page for the filter, with extra parameters.
func (f reportFilter) query(extra ...string) string {
	v := url.Values{}
	v.Set("from", f.From.Format("2006-01-02"))
	v.Set("to", f.To.Format("2006-01-02"))
	if f.Desk != 0 {
		v.Set("desk", strconv.FormatInt(f.Desk, 10))
	}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return "/reports?" + v.Encode()
}

func (s *Server) reportsPage(w http.ResponseWriter, r *http.Request, u *session) {
	lang := langOf(r)
	p := s.page(r, u, translate(lang, "reports.title"), "reports")
	db := s.statsDB()
	all, err := db.Desks(r.Context(), u.Actor.EnteID)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	v := &reportPage{AllDesks: translate(lang, "reports.desk.all")}
	if !u.Actor.SeesAllDesks() {
		v.AllDesks = translate(lang, "reports.desk.mine")
	}
	for _, d := range all {
		if u.Actor.CanSeeDesk(d.ID) {
			v.Desks = append(v.Desks, d)
		}
	}
	csvWanted := r.URL.Query().Get("format") == "csv"
	f, err := parseReportFilter(r.URL.Query(), db.Now())
	if err == nil && f.Desk != 0 && !slices.ContainsFunc(all, func(d redazione.Desk) bool { return d.ID == f.Desk }) {
		err = redazione.FieldError("desk", "il desk scelto non esiste")
	}
	v.Filter = f
	if err != nil {
		if csvWanted {
			s.fail(w, r, nil, err)
			return
		}
		// The form again, with what was typed and why it was refused.
		p.Error, v.Invalid = redazione.ErrorMessage(err), true
		p.Data = v
		s.render(w, r, http.StatusBadRequest, "reports", "", p)
		return
	}
	v.Weekly = f.Days > weeklyAfter
	series, err := db.ReportSeries(r.Context(), u.Actor, store.ReportQuery{From: f.From, To: f.To.AddDate(0, 0, 1), DeskID: f.Desk, Weekly: v.Weekly})
	if err != nil {
		if csvWanted {
			s.fail(w, r, nil, err)
			return
		}
		s.fail(w, r, p, err)
		return
	}
	buildReport(lang, v, series)
	if csvWanted {
		name := r.URL.Query().Get("chart")
		for _, c := range append(v.Charts, v.Breakdowns...) {
			if c.ID == name {
				writeChartCSV(w, c, f)
				return
			}
		}
		s.fail(w, r, nil, redazione.FieldError("chart", "il grafico richiesto non esiste"))
		return
	}
	for _, n := range reportPresets {
		pf := reportFilter{To: midnight(db.Now()), Desk: f.Desk}
		pf.From = pf.To.AddDate(0, 0, 1-n)
		v.Presets = append(v.Presets, reportPreset{Label: translateN(lang, "reports.lastdays", n), URL: pf.query(),
			Current: f.From.Equal(pf.From) && f.To.Equal(pf.To)})
	}
	// One read of the citizens' texts for both lists: the period's topics
	// and this week's emerging ones. With a desk chosen, the read is
	// narrowed to it as an operator of that desk would see it.
	reader := u.Actor
	if f.Desk != 0 {
		reader.Role, reader.DeskIDs = redazione.RoleOperator, []int64{f.Desk}
	}
	now := db.Now()
	since := now.Add(-inbox.EmergingSpan)
	if f.From.Before(since) {
		since = f.From
	}
	end := f.To.AddDate(0, 0, 1)
	if texts, err := db.CitizenTexts(r.Context(), reader, since); err == nil {
		var period []string
		for _, t := range texts {
			if !t.At.Before(f.From) && t.At.Before(end) {
				period = append(period, t.Text)
			}
		}
		v.Topics = topics.Top(topics.Count(period), 15)
		v.Emerging = inbox.EmergingIn(texts, now)
	}
	p.Data = v
	s.render(w, r, http.StatusOK, "reports", "", p)
}

// writeChartCSV sends the data of one chart, as its table shows it, with
// the headers in the page's language and the ; that Italian spreadsheets
// expect.
func writeChartCSV(w http.ResponseWriter, c *chartView, f reportFilter) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="rapporto-%s-%s-%s.csv"`,
		c.ID, f.From.Format("2006-01-02"), f.To.Format("2006-01-02")))
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.Write(c.Table.CSVHead)
	for _, row := range c.Table.CSVRows {
		out := make([]string, len(row))
		for i, cell := range row {
			out[i] = csvSafe(cell)
		}
		cw.Write(out)
	}
	cw.Flush()
}

// buildReport turns the figures into the page's key figures, charts and
// tables.
func buildReport(lang string, v *reportPage, s *store.ReportSeries) {
	tr := func(k string) string { return translate(lang, k) }
	f := v.Filter
	v.Period = fmt.Sprintf(tr("reports.period.text"), dayLabel(f.From), dayLabel(f.To), translateN(lang, "reports.days.n", f.Days))
	v.Empty = s.Total.Conversations == 0 && s.Messages == 0
	tot := s.Total
	v.Figures = []reportFigure{
		{tr("reports.messages"), number(lang, s.Messages)},
		{tr("reports.opened"), number(lang, tot.Conversations)},
		{tr("reports.first.median"), spreadLabel(lang, tot.FirstResponse.N, tot.FirstResponse.Median)},
		{tr("reports.resolution.median"), spreadLabel(lang, tot.Resolution.N, tot.Resolution.Median)},
		{tr("reports.sla.met"), percentLabel(tot.SLAShare())},
		{tr("reports.positive"), percentLabel(tot.RatingShare(store.RatingPositive))},
	}
	csvURL := func(id string) string { return f.query("format", "csv", "chart", id) }

	// Messages and conversations, every day.
	days := make([]string, len(s.Days))
	var msgs, convs []float64
	vol := dataTable{Caption: tr("reports.volume.title"), Head: []string{tr("reports.col.day"), tr("reports.messages"), tr("reports.opened")},
		CSVHead: []string{tr("reports.col.day"), tr("reports.messages"), tr("reports.opened")}}
	for i, d := range s.Days {
		days[i] = d.Start.Format("02/01")
		msgs, convs = append(msgs, float64(d.Messages)), append(convs, float64(d.Conversations))
		vol.Rows = append(vol.Rows, []string{dayLabel(d.Start), number(lang, d.Messages), number(lang, d.Conversations)})
		vol.CSVRows = append(vol.CSVRows, []string{d.Start.Format("2006-01-02"), strconv.Itoa(d.Messages), strconv.Itoa(d.Conversations)})
	}
	v.Charts = append(v.Charts, &chartView{ID: "volumi", Title: tr("reports.volume.title"),
		Summary: volumeSummary(lang, s),
		SVG: lineChart(days, []lineData{{tr("reports.messages"), msgs}, {tr("reports.opened"), convs}}, 0, countTicks,
			func(x float64) string { return number(lang, int(x)) }),
		Table: vol, CSV: csvURL("volumi")})

	// The buckets of the times, targets and ratings.
	bucketCol := tr("reports.col.day")
	if v.Weekly {
		bucketCol = tr("reports.col.week")
	}
	bx := make([]string, len(s.Buckets))
	bl := make([]string, len(s.Buckets))
	biso := make([]string, len(s.Buckets))
	for i, b := range s.Buckets {
		bx[i] = b.Start.Format("02/01")
		bl[i] = dayLabel(b.Start)
		if b.Days > 1 {
			bl[i] = dayLabel(b.Start) + " – " + dayLabel(b.Start.AddDate(0, 0, b.Days-1))
		}
		biso[i] = b.Start.Format("2006-01-02")
	}
	times := func(id, title, countCol string, pick func(store.ReportPoint) store.Spread, total store.Spread) *chartView {
		var med, p90 []float64
		t := dataTable{Caption: title, Head: []string{bucketCol, countCol, tr("reports.median"), tr("reports.p90")},
			CSVHead: []string{bucketCol, countCol, tr("reports.median") + " " + tr("reports.minutes"), tr("reports.p90") + " " + tr("reports.minutes")}}
		for i, b := range s.Buckets {
			sp := pick(b)
			if sp.N == 0 {
				med, p90 = append(med, math.NaN()), append(p90, math.NaN())
				t.Rows = append(t.Rows, []string{bl[i], "0", "–", "–"})
				t.CSVRows = append(t.CSVRows, []string{biso[i], "0", "", ""})
				continue
			}
			med, p90 = append(med, sp.Median.Minutes()), append(p90, sp.P90.Minutes())
			t.Rows = append(t.Rows, []string{bl[i], number(lang, sp.N), businessDuration(lang, sp.Median), businessDuration(lang, sp.P90)})
			t.CSVRows = append(t.CSVRows, []string{biso[i], strconv.Itoa(sp.N), minutesCSV(sp.Median), minutesCSV(sp.P90)})
		}
		return &chartView{ID: id, Title: title, Summary: timesSummary(lang, title, s.Buckets, bl, pick, total),
			SVG:   lineChart(bx, []lineData{{tr("reports.median"), med}, {tr("reports.p90"), p90}}, 0, minuteTicks, minuteTick(lang)),
			Table: t, CSV: csvURL(id)}
	}
	v.Charts = append(v.Charts,
		times("prima-risposta", tr("reports.first.title"), tr("reports.answered"), func(b store.ReportPoint) store.Spread { return b.FirstResponse }, tot.FirstResponse),
		times("risoluzione", tr("reports.resolution.title"), tr("reports.resolved"), func(b store.ReportPoint) store.Spread { return b.Resolution }, tot.Resolution))

	// Targets met.
	percent := func(x float64) string { return strconv.Itoa(int(x)) + "%" }
	var met []float64
	st := dataTable{Caption: tr("reports.sla.title"), Head: []string{bucketCol, tr("reports.with.target"), tr("reports.target.met"), tr("reports.share")},
		CSVHead: []string{bucketCol, tr("reports.with.target"), tr("reports.target.met"), tr("reports.share") + " (%)"}}
	for i, b := range s.Buckets {
		sh := b.SLAShare()
		met = append(met, nanIfNone(sh))
		st.Rows = append(st.Rows, []string{bl[i], number(lang, b.WithTarget), number(lang, b.TargetMet), percentLabel(sh)})
		st.CSVRows = append(st.CSVRows, []string{biso[i], strconv.Itoa(b.WithTarget), strconv.Itoa(b.TargetMet), percentCSV(sh)})
	}
	v.Charts = append(v.Charts, &chartView{ID: "tempi-rispettati", Title: tr("reports.sla.title"),
		Summary: slaSummary(lang, s, bl),
		Overall: slaOverall(lang, tot.ReportCounts),
		SVG:     lineChart(bx, []lineData{{tr("reports.share"), met}}, 100, percentTicks, percent),
		Table:   st, CSV: csvURL("tempi-rispettati")})

	// Satisfaction.
	var pos, neg []float64
	sat := dataTable{Caption: tr("reports.satisfaction.title"),
		Head:    []string{bucketCol, tr("reports.ratings"), tr("survey.positive"), tr("survey.sufficient"), tr("survey.negative"), tr("reports.positive")},
		CSVHead: []string{bucketCol, tr("reports.ratings"), tr("survey.positive"), tr("survey.sufficient"), tr("survey.negative"), tr("reports.positive") + " (%)"}}
	for i, b := range s.Buckets {
		pos = append(pos, nanIfNone(b.RatingShare(store.RatingPositive)))
		neg = append(neg, nanIfNone(b.RatingShare(store.RatingNegative)))
		sat.Rows = append(sat.Rows, []string{bl[i], number(lang, b.Rated()), number(lang, b.Ratings[3]), number(lang, b.Ratings[2]), number(lang, b.Ratings[1]),
			percentLabel(b.RatingShare(store.RatingPositive))})
		sat.CSVRows = append(sat.CSVRows, []string{biso[i], strconv.Itoa(b.Rated()), strconv.Itoa(b.Ratings[3]), strconv.Itoa(b.Ratings[2]), strconv.Itoa(b.Ratings[1]),
			percentCSV(b.RatingShare(store.RatingPositive))})
	}
	v.Charts = append(v.Charts, &chartView{ID: "soddisfazione", Title: tr("reports.satisfaction.title"),
		Summary: satisfactionSummary(lang, s, bl),
		Overall: satisfactionOverall(lang, tot.ReportCounts),
		SVG:     lineChart(bx, []lineData{{tr("reports.positive"), pos}, {tr("reports.negative"), neg}}, 100, percentTicks, percent),
		Table:   sat, CSV: csvURL("soddisfazione")})

	// Per desk and per channel.
	v.Breakdowns = []*chartView{
		breakdown(lang, "desk", tr("reports.bydesk.title"), tr("reports.dim.desk"), s.Desks, csvURL("desk")),
		breakdown(lang, "canali", tr("reports.bychannel.title"), tr("reports.dim.channel"), s.Channels, csvURL("canali")),
	}
}

// breakdown is the chart of the conversations per group and the table of
// every figure of each.
func breakdown(lang, id, title, col string, groups []store.ReportGroup, csvURL string) *chartView {
	tr := func(k string) string { return translate(lang, k) }
	head := []string{col, tr("reports.opened"), tr("reports.answered"), tr("reports.resolved"),
		tr("reports.first.median"), tr("reports.first.p90"), tr("reports.resolution.median"), tr("reports.resolution.p90"),
		tr("reports.sla.met"), tr("survey.positive"), tr("survey.sufficient"), tr("survey.negative")}
	t := dataTable{Caption: title, Head: head, CSVHead: slices.Clone(head)}
	for i := 4; i <= 8; i++ {
		if i < 8 {
			t.CSVHead[i] += " " + tr("reports.minutes")
		} else {
			t.CSVHead[i] += " (%)"
		}
	}
	var labels []string
	var values []float64
	var words []string
	for _, g := range groups {
		label := g.Label
		if label == "" {
			label = "#" + strconv.FormatInt(g.ID, 10)
		}
		labels, values = append(labels, label), append(values, float64(g.Conversations))
		words = append(words, label+": "+translateN(lang, "reports.conversations.n", g.Conversations))
		t.Rows = append(t.Rows, []string{label, number(lang, g.Conversations), number(lang, g.Answered), number(lang, g.Resolved),
			spreadLabel(lang, g.FirstResponse.N, g.FirstResponse.Median), spreadLabel(lang, g.FirstResponse.N, g.FirstResponse.P90),
			spreadLabel(lang, g.Resolution.N, g.Resolution.Median), spreadLabel(lang, g.Resolution.N, g.Resolution.P90),
			percentLabel(g.SLAShare()), number(lang, g.Ratings[3]), number(lang, g.Ratings[2]), number(lang, g.Ratings[1])})
		t.CSVRows = append(t.CSVRows, []string{label, strconv.Itoa(g.Conversations), strconv.Itoa(g.Answered), strconv.Itoa(g.Resolved),
			spreadCSV(g.FirstResponse.N, g.FirstResponse.Median), spreadCSV(g.FirstResponse.N, g.FirstResponse.P90),
			spreadCSV(g.Resolution.N, g.Resolution.Median), spreadCSV(g.Resolution.N, g.Resolution.P90),
			percentCSV(g.SLAShare()), strconv.Itoa(g.Ratings[3]), strconv.Itoa(g.Ratings[2]), strconv.Itoa(g.Ratings[1])})
	}
	summary := tr("reports.empty")
	if len(words) > 0 {
		summary = tr("reports.bygroup.summary") + " " + strings.Join(words, "; ") + "."
	}
	c := &chartView{ID: id, Title: title, Summary: summary, Table: t, CSV: csvURL, TableOpen: true}
	if len(groups) > 0 {
		c.SVG = barChart(labels, values, func(x float64) string { return number(lang, int(x)) })
	}
	return c
}

// volumeSummary says the totals, the busiest day and whether messages
// grew or fell from the first half of the period to the second.
func volumeSummary(lang string, s *store.ReportSeries) string {
	if s.Messages == 0 && s.Total.Conversations == 0 {
		return translate(lang, "reports.empty")
	}
	out := fmt.Sprintf(translate(lang, "reports.volume.summary"), translateN(lang, "reports.messages.n", s.Messages), translateN(lang, "reports.conversations.n", s.Total.Conversations))
	busiest := 0
	for i, d := range s.Days {
		if d.Messages > s.Days[busiest].Messages {
			busiest = i
		}
	}
	if s.Messages > 0 {
		out += " " + fmt.Sprintf(translate(lang, "reports.volume.busiest"), dayLabel(s.Days[busiest].Start), translateN(lang, "reports.messages.n", s.Days[busiest].Messages))
	}
	if n := len(s.Days); n >= 4 {
		first, second := 0, 0
		for i, d := range s.Days {
			if i < n/2 {
				first += d.Messages
			} else if i >= n-n/2 {
				second += d.Messages
			}
		}
		out += " " + trendWords(lang, float64(first), float64(second))
	}
	return out
}

// trendWords compares the first half of a period with the second.
func trendWords(lang string, first, second float64) string {
	switch {
	case first == 0 && second == 0:
		return ""
	case first == 0 || second >= first*1.1:
		return translate(lang, "reports.trend.up")
	case second <= first*0.9:
		return translate(lang, "reports.trend.down")
	}
	return translate(lang, "reports.trend.flat")
}

// timesSummary says the period's median and 90th percentile and how the
// median went from the first bucket with answers to the last.
func timesSummary(lang, title string, buckets []store.ReportPoint, labels []string, pick func(store.ReportPoint) store.Spread, total store.Spread) string {
	if total.N == 0 {
		return title + ": " + translate(lang, "reports.times.none")
	}
	out := fmt.Sprintf(translate(lang, "reports.times.summary"), title, businessDuration(lang, total.Median), businessDuration(lang, total.P90), translateN(lang, "reports.conversations.n", total.N))
	first, last := -1, -1
	for i, b := range buckets {
		if pick(b).N > 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first != last {
		out += " " + fmt.Sprintf(translate(lang, "reports.times.trend"), businessDuration(lang, pick(buckets[first]).Median), labels[first],
			businessDuration(lang, pick(buckets[last]).Median), labels[last])
	}
	return out
}

func slaSummary(lang string, s *store.ReportSeries, labels []string) string {
	if s.Total.WithTarget == 0 {
		return translate(lang, "reports.sla.none")
	}
	out := slaOverall(lang, s.Total.ReportCounts)
	first, last := -1, -1
	for i, b := range s.Buckets {
		if b.WithTarget > 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first != last {
		out += " " + fmt.Sprintf(translate(lang, "reports.share.trend"), percentLabel(s.Buckets[first].SLAShare()), labels[first],
			percentLabel(s.Buckets[last].SLAShare()), labels[last])
	}
	return out
}

func slaOverall(lang string, c store.ReportCounts) string {
	if c.WithTarget == 0 {
		return translate(lang, "reports.sla.none")
	}
	return fmt.Sprintf(translate(lang, "reports.sla.overall"), percentLabel(c.SLAShare()), number(lang, c.TargetMet), translateN(lang, "reports.conversations.n", c.WithTarget))
}

func satisfactionSummary(lang string, s *store.ReportSeries, labels []string) string {
	if s.Total.Rated() == 0 {
		return translate(lang, "reports.ratings.none")
	}
	out := satisfactionOverall(lang, s.Total.ReportCounts)
	first, last := -1, -1
	for i, b := range s.Buckets {
		if b.Rated() > 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first != last {
		out += " " + fmt.Sprintf(translate(lang, "reports.positive.trend"), percentLabel(s.Buckets[first].RatingShare(store.RatingPositive)), labels[first],
			percentLabel(s.Buckets[last].RatingShare(store.RatingPositive)), labels[last])
	}
	return out
}

func satisfactionOverall(lang string, c store.ReportCounts) string {
	if c.Rated() == 0 {
		return translate(lang, "reports.ratings.none")
	}
	return fmt.Sprintf(translate(lang, "reports.ratings.overall"), percentLabel(c.RatingShare(store.RatingPositive)),
		percentLabel(c.RatingShare(store.RatingSufficient)), percentLabel(c.RatingShare(store.RatingNegative)), translateN(lang, "reports.ratings.n", c.Rated()))
}

// dayLabel is a day the Italian way: 27/03/2026.
func dayLabel(t time.Time) string { return t.In(calendar.Rome).Format("02/01/2006") }

// number writes n the language's way (1.234 in Italian).
func number(lang string, n int) string { return numberPrinters[langIndex(lang)].Sprintf("%d", n) }

func percentLabel(p int) string {
	if p < 0 {
		return "–"
	}
	return strconv.Itoa(p) + "%"
}

func percentCSV(p int) string {
	if p < 0 {
		return ""
	}
	return strconv.Itoa(p)
}

func spreadLabel(lang string, n int, d time.Duration) string {
	if n == 0 {
		return "–"
	}
	return businessDuration(lang, d)
}

func spreadCSV(n int, d time.Duration) string {
	if n == 0 {
		return ""
	}
	return minutesCSV(d)
}

// minutesCSV is a time in whole minutes, rounded to the nearest.
func minutesCSV(d time.Duration) string { return strconv.Itoa(int(d.Round(time.Minute).Minutes())) }

func nanIfNone(p int) float64 {
	if p < 0 {
		return math.NaN()
	}
	return float64(p)
}

var _ = addCatalog(reportPageCatalog)

func init() {
	pluralCatalog["reports.lastdays"] = [2]map[string]string{
		{"one": "Oggi", "other": "Ultimi %d giorni"},
		{"one": "Today", "other": "Last %d days"},
	}
	pluralCatalog["reports.days.n"] = [2]map[string]string{
		{"one": "%d giorno", "other": "%d giorni"},
		{"one": "%d day", "other": "%d days"},
	}
	pluralCatalog["reports.messages.n"] = [2]map[string]string{
		{"zero": "nessun messaggio", "one": "%d messaggio", "other": "%d messaggi"},
		{"zero": "no messages", "one": "%d message", "other": "%d messages"},
	}
	pluralCatalog["reports.conversations.n"] = [2]map[string]string{
		{"zero": "nessuna conversazione", "one": "%d conversazione", "other": "%d conversazioni"},
		{"zero": "no conversations", "one": "%d conversation", "other": "%d conversations"},
	}
	pluralCatalog["reports.ratings.n"] = [2]map[string]string{
		{"one": "%d valutazione", "other": "%d valutazioni"},
		{"one": "%d rating", "other": "%d ratings"},
	}
}

var reportPageCatalog = map[string][2]string{
	"reports.filters":            {"Periodo e desk del rapporto", "Period and desk of the report"},
	"reports.from":               {"Dal", "From"},
	"reports.to":                 {"Al", "To"},
	"reports.desk":               {"Desk", "Desk"},
	"reports.desk.all":           {"Tutti i desk", "All desks"},
	"reports.desk.mine":          {"Tutti i miei desk", "All my desks"},
	"reports.presets":            {"Periodi rapidi", "Quick periods"},
	"reports.figures":            {"Dati principali del periodo", "Key figures of the period"},
	"reports.empty":              {"Nessun messaggio e nessuna conversazione nel periodo.", "No messages and no conversations in the period."},
	"reports.overtime":           {"Andamento nel tempo", "Over time"},
	"reports.weekly.note":        {"Il periodo supera un mese: tempi, scadenze e valutazioni sono raggruppati per settimana (da lunedì a domenica).", "The period is longer than a month: times, targets and ratings are grouped by week (Monday to Sunday)."},
	"reports.breakdowns":         {"Per desk e per canale", "By desk and by channel"},
	"reports.data":               {"Dati del grafico", "Chart data"},
	"reports.csv.chart":          {"Scarica questi dati (CSV)", "Download this data (CSV)"},
	"reports.period.text":        {"Messaggi ricevuti e conversazioni aperte dal %s al %s (%s).", "Messages received and conversations opened from %s to %s (%s)."},
	"reports.messages":           {"Messaggi ricevuti", "Messages received"},
	"reports.opened":             {"Conversazioni aperte", "Conversations opened"},
	"reports.answered":           {"Con risposta", "Answered"},
	"reports.first.median":       {"Prima risposta (mediana)", "First answer (median)"},
	"reports.first.p90":          {"Prima risposta (90° percentile)", "First answer (90th percentile)"},
	"reports.resolution.median":  {"Risoluzione (mediana)", "Resolution (median)"},
	"reports.resolution.p90":     {"Risoluzione (90° percentile)", "Resolution (90th percentile)"},
	"reports.sla.met":            {"Tempi rispettati", "Targets met"},
	"reports.positive":           {"Valutazioni positive", "Positive ratings"},
	"reports.negative":           {"Valutazioni negative", "Negative ratings"},
	"reports.volume.title":       {"Messaggi ricevuti e conversazioni aperte al giorno", "Messages received and conversations opened per day"},
	"reports.col.day":            {"Giorno", "Day"},
	"reports.col.week":           {"Settimana", "Week"},
	"reports.median":             {"Mediana", "Median"},
	"reports.p90":                {"90° percentile", "90th percentile"},
	"reports.minutes":            {"(minuti)", "(minutes)"},
	"reports.first.title":        {"Tempo di prima risposta", "First answer time"},
	"reports.resolution.title":   {"Tempo di risoluzione", "Resolution time"},
	"reports.sla.title":          {"Conversazioni con risposta nei tempi", "Conversations answered on time"},
	"reports.with.target":        {"Con scadenza", "With a target"},
	"reports.target.met":         {"Risposte nei tempi", "Answered on time"},
	"reports.share":              {"Quota nei tempi", "Share on time"},
	"reports.satisfaction.title": {"Soddisfazione dei cittadini", "Citizens' satisfaction"},
	"reports.ratings":            {"Valutazioni", "Ratings"},
	"reports.bydesk.title":       {"Conversazioni per desk", "Conversations by desk"},
	"reports.bychannel.title":    {"Conversazioni per canale", "Conversations by channel"},
	"reports.bygroup.summary":    {"Conversazioni aperte nel periodo:", "Conversations opened in the period:"},
	"reports.volume.summary":     {"Nel periodo: %s e %s.", "In the period: %s and %s."},
	"reports.volume.busiest":     {"Il giorno con più messaggi è stato il %s (%s).", "The busiest day was %s (%s)."},
	"reports.trend.up":           {"Nella seconda metà del periodo i messaggi sono aumentati rispetto alla prima.", "Messages grew in the second half of the period."},
	"reports.trend.down":         {"Nella seconda metà del periodo i messaggi sono diminuiti rispetto alla prima.", "Messages fell in the second half of the period."},
	"reports.trend.flat":         {"I messaggi sono rimasti stabili tra la prima e la seconda metà del periodo.", "Messages held steady between the two halves of the period."},
	"reports.times.none":         {"nessuna conversazione nel periodo ha ancora questo tempo.", "no conversation of the period has this time yet."},
	"reports.times.summary":      {"%s: mediana %s, 90° percentile %s, su %s.", "%s: median %s, 90th percentile %s, over %s."},
	"reports.times.trend":        {"La mediana è passata da %s (%s) a %s (%s).", "The median went from %s (%s) to %s (%s)."},
	"reports.sla.none":           {"Nessuna conversazione del periodo ha una scadenza di risposta già arrivata: configura i tempi di risposta in Amministrazione.", "No conversation of the period has an answer target that has come due: set the targets in Administration."},
	"reports.sla.overall":        {"Risposta nei tempi nel %s dei casi (%s su %s).", "Answered on time in %s of cases (%s of %s)."},
	"reports.share.trend":        {"Dal %s (%s) al %s (%s).", "From %s (%s) to %s (%s)."},
	"reports.ratings.none":       {"Nessuna valutazione dei cittadini nel periodo.", "No citizens' ratings in the period."},
	"reports.ratings.overall":    {"Valutazioni: %s positive, %s sufficienti, %s negative, su %s.", "Ratings: %s positive, %s sufficient, %s negative, of %s."},
	"reports.positive.trend":     {"Le positive sono passate dal %s (%s) al %s (%s).", "Positive ratings went from %s (%s) to %s (%s)."},

	"reports.method.title":             {"Come si calcola", "How it is computed"},
	"reports.method.period":            {"Periodo", "Period"},
	"reports.method.period.text":       {"Contano le conversazioni aperte nei giorni scelti (dalla mezzanotte del primo alla mezzanotte dopo l'ultimo, ora di Roma) e i messaggi dei cittadini ricevuti negli stessi giorni. Tempi, scadenze e valutazioni sono attribuiti al giorno in cui la conversazione è stata aperta. Con un desk scelto, le conversazioni che oggi sono di quel desk.", "The conversations opened on the chosen days count (from midnight of the first to the midnight after the last, Rome time), and the citizens' messages received on those days. Times, targets and ratings go to the day the conversation was opened. With a desk chosen, the conversations that belong to it now."},
	"reports.method.first":             {"Prima risposta", "First answer"},
	"reports.method.first.text":        {"Il tempo dall'apertura della conversazione alla prima risposta inviata al cittadino da un operatore (le note interne non contano), in ore di orologio.", "The time from the opening of the conversation to the first answer an operator sent the citizen (internal notes do not count), in clock hours."},
	"reports.method.resolution":        {"Risoluzione", "Resolution"},
	"reports.method.resolution.text":   {"Il tempo dall'apertura all'ultima volta in cui la conversazione è stata segnata come risolta, per le conversazioni che oggi sono risolte, in ore di orologio.", "The time from the opening to the last time the conversation was marked resolved, for the conversations resolved now, in clock hours."},
	"reports.method.percentiles":       {"Mediana e 90° percentile", "Median and 90th percentile"},
	"reports.method.percentiles.text":  {"La mediana è il tempo entro cui è arrivata almeno metà delle conversazioni; il 90° percentile quello entro cui ne sono arrivate almeno nove su dieci (il valore osservato più piccolo che lo soddisfa). Oltre un mese si raggruppano per settimana.", "The median is the time within which at least half of the conversations got there; the 90th percentile, nine out of ten (the smallest observed value that does). Beyond a month they are grouped by week."},
	"reports.method.sla":               {"Tempi rispettati", "Targets met"},
	"reports.method.sla.text":          {"Tra le conversazioni con una scadenza di prima risposta (dai tempi di risposta del desk, del canale e della priorità, calcolata sull'orario d'ufficio e il calendario delle festività) già arrivata o rispettata, la quota che ha avuto la prima risposta entro la scadenza.", "Among the conversations with a first-answer target (from the desk's, channel's and priority's targets, counted on office hours and the holiday calendar) that has come due or was met, the share answered by the target."},
	"reports.method.satisfaction":      {"Soddisfazione", "Satisfaction"},
	"reports.method.satisfaction.text": {"Le risposte dei cittadini al questionario inviato quando una conversazione privata viene risolta (positiva, sufficiente, negativa); le quote sono sul numero di valutazioni.", "The citizens' answers to the survey sent when a private conversation is resolved (positive, sufficient, negative); shares are of the number of ratings."},
}
