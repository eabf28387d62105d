// Package calendar is an ente's working calendar: weekly opening hours,
// the Italian national holidays of any year, the patron saint's day and extra
// closures, and time counted in business hours — what response-time targets
// (SLA) are measured in. All arithmetic is done in the ente's time zone
// (Europe/Rome by default), so daylight-saving changes move no deadline.
package calendar

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Rome must work on a machine without zoneinfo
)

// Rome is the time zone of Italian public administrations.
var Rome = mustLoad("Europe/Rome")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// The Go runtime embeds no zone data by default; a missing zoneinfo
		// would silently turn every deadline into UTC, so fail loudly.
		panic(fmt.Sprintf("calendar: time zone %s: %v (import time/tzdata)", name, err))
	}
	return loc
}

// Date is a calendar day, without time or zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the day of t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// String formats a date as 2026-04-06.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// ParseDate reads 06/04/2026, the Italian way, or 2026-04-06.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	t, err := time.Parse("02/01/2006", s)
	if err != nil {
		t, err = time.Parse("2/1/2006", s)
	}
	if err != nil {
		t, err = time.Parse("2006-01-02", s)
	}
	if err != nil {
		return Date{}, fmt.Errorf("data non valida %q: usa GG/MM/AAAA", s)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// MonthDay is a day that recurs every year, such as a patron saint's day.
type MonthDay struct {
	Month time.Month
	Day   int
}

// ParseMonthDay reads "29/06" or "06-29".
func ParseMonthDay(s string) (MonthDay, error) {
	s = strings.TrimSpace(s)
	var a, b string
	var dayFirst bool
	if i := strings.IndexByte(s, '/'); i > 0 {
		a, b, dayFirst = s[:i], s[i+1:], true
	} else if i := strings.IndexByte(s, '-'); i > 0 {
		a, b = s[:i], s[i+1:]
	} else {
		return MonthDay{}, fmt.Errorf("giorno non valido %q: usa GG/MM", s)
	}
	x, err1 := strconv.Atoi(a)
	y, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil {
		return MonthDay{}, fmt.Errorf("giorno non valido %q: usa GG/MM", s)
	}
	md := MonthDay{time.Month(x), y}
	if dayFirst {
		md = MonthDay{time.Month(y), x}
	}
	if md.Month < 1 || md.Month > 12 || md.Day < 1 || md.Day > daysIn(md.Month, 2024) {
		return MonthDay{}, fmt.Errorf("giorno non valido %q", s)
	}
	return md, nil
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// Holiday is a day on which public offices are closed.
type Holiday struct {
	Date Date
	Name string // Italian
}

// Easter returns Easter Sunday of a Gregorian year (the anonymous
// Gregorian algorithm, "Meeus/Jones/Butcher").
func Easter(year int) Date {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return Date{year, time.Month(month), day}
}

// NationalHolidays returns the national public holidays of a year, in date
// order: those of L. 260/1949 as amended (1 and 6 January, Easter Monday,
// 25 April, 1 May, 2 June, 15 August, 1 November, 8, 25 and 26 December),
// and 4 October (San Francesco d'Assisi e Santa Caterina da Siena) from
// 2026 under L. 151/2025. Easter Sunday is listed too; every Sunday is a
// closing day anyway. A holiday on a weekend is not moved.
func NationalHolidays(year int) []Holiday {
	fixed := []struct {
		m    time.Month
		d    int
		name string
	}{
		{time.January, 1, "Capodanno"},
		{time.January, 6, "Epifania"},
		{time.April, 25, "Festa della Liberazione"},
		{time.May, 1, "Festa del Lavoro"},
		{time.June, 2, "Festa della Repubblica"},
		{time.August, 15, "Assunzione (Ferragosto)"},
		{time.November, 1, "Ognissanti"},
		{time.December, 8, "Immacolata Concezione"},
		{time.December, 25, "Natale"},
		{time.December, 26, "Santo Stefano"},
	}
	var out []Holiday
	for _, f := range fixed {
		out = append(out, Holiday{Date{year, f.m, f.d}, f.name})
	}
	if year >= 2026 {
		out = append(out, Holiday{Date{year, time.October, 4}, "San Francesco d'Assisi e Santa Caterina da Siena"})
	}
	e := Easter(year)
	out = append(out, Holiday{e, "Pasqua"})
	em := time.Date(e.Year, e.Month, e.Day+1, 0, 0, 0, 0, time.UTC)
	out = append(out, Holiday{Date{em.Year(), em.Month(), em.Day()}, "Lunedì dell'Angelo (Pasquetta)"})
	sort.Slice(out, func(i, j int) bool { return out[i].Date.String() < out[j].Date.String() })
	return out
}

// Interval is a span of a day, in minutes from midnight: [From, To).
type Interval struct{ From, To int }

// ParseIntervals reads "9:00-13:00, 15:00-17:30"; "" or "chiuso" is closed.
func ParseIntervals(s string) ([]Interval, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" || s == "chiuso" || s == "closed" {
		return nil, nil
	}
	var out []Interval
	for _, part := range strings.Split(s, ",") {
		from, to, ok := strings.Cut(strings.TrimSpace(part), "-")
		if !ok {
			return nil, fmt.Errorf("orario non valido %q: usa 9:00-13:00", part)
		}
		f, err1 := minuteOf(from)
		t, err2 := minuteOf(to)
		if err1 != nil || err2 != nil || t <= f {
			return nil, fmt.Errorf("orario non valido %q: usa 9:00-13:00", part)
		}
		if len(out) > 0 && f < out[len(out)-1].To {
			return nil, fmt.Errorf("orari sovrapposti o non in ordine: %q", s)
		}
		out = append(out, Interval{f, t})
	}
	return out, nil
}

func minuteOf(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		h, m, ok = strings.Cut(strings.TrimSpace(s), ".")
	}
	if !ok {
		m = "0"
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh*60+mm > 24*60 {
		return 0, fmt.Errorf("ora non valida %q", s)
	}
	return hh*60 + mm, nil
}

// Calendar is an ente's working time.
type Calendar struct {
	Loc      *time.Location
	Week     [7][]Interval // by time.Weekday: Sunday is 0
	Patron   *MonthDay     // the patron saint's day of the comune, if any
	Closures []Date        // extra closing days
	// Extra holidays that recur yearly, e.g. Pentecost Monday in Alto Adige.
	PentecostMonday bool
}

// Standard returns the usual office hours of an Italian comune: Monday to
// Friday 9:00–13:00, Tuesday and Thursday also 15:00–17:00, in Rome's zone.
func Standard() *Calendar {
	c := &Calendar{Loc: Rome}
	morning := []Interval{{9 * 60, 13 * 60}}
	both := []Interval{{9 * 60, 13 * 60}, {15 * 60, 17 * 60}}
	c.Week[time.Monday], c.Week[time.Wednesday], c.Week[time.Friday] = morning, morning, morning
	c.Week[time.Tuesday], c.Week[time.Thursday] = both, both
	return c
}

func (c *Calendar) loc() *time.Location {
	if c.Loc == nil {
		return Rome
	}
	return c.Loc
}

// Closed reports whether the office is closed all day on d, and why.
func (c *Calendar) Closed(d Date) (bool, string) {
	for _, h := range c.Holidays(d.Year) {
		if h.Date == d {
			return true, h.Name
		}
	}
	for _, x := range c.Closures {
		if x == d {
			return true, "chiusura straordinaria"
		}
	}
	wd := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
	if len(c.Week[wd]) == 0 {
		return true, "giorno di chiusura settimanale"
	}
	return false, ""
}

// Holidays returns the year's holidays for this ente: national ones, the
// patron saint's day and, if set, Pentecost Monday.
func (c *Calendar) Holidays(year int) []Holiday {
	out := NationalHolidays(year)
	if c.Patron != nil && c.Patron.Day <= daysIn(c.Patron.Month, year) {
		out = append(out, Holiday{Date{year, c.Patron.Month, c.Patron.Day}, "Santo patrono"})
	}
	if c.PentecostMonday {
		e := Easter(year)
		pm := time.Date(e.Year, e.Month, e.Day+50, 0, 0, 0, 0, time.UTC)
		out = append(out, Holiday{Date{pm.Year(), pm.Month(), pm.Day()}, "Lunedì di Pentecoste"})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.String() < out[j].Date.String() })
	return out
}

// open returns the opening intervals of day d as absolute times.
func (c *Calendar) open(d Date) [][2]time.Time {
	if closed, _ := c.Closed(d); closed {
		return nil
	}
	loc := c.loc()
	wd := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, loc).Weekday()
	var out [][2]time.Time
	for _, iv := range c.Week[wd] {
		// time.Date normalises minutes past 60 and resolves the wall clock
		// in loc, so 9:00 is 9:00 on both sides of a DST change.
		from := time.Date(d.Year, d.Month, d.Day, 0, iv.From, 0, 0, loc)
		to := time.Date(d.Year, d.Month, d.Day, 0, iv.To, 0, 0, loc)
		out = append(out, [2]time.Time{from, to})
	}
	return out
}

func nextDay(d Date) Date {
	t := time.Date(d.Year, d.Month, d.Day+1, 12, 0, 0, 0, time.UTC)
	return Date{t.Year(), t.Month(), t.Day()}
}

// maxScanDays bounds every search for opening hours: a calendar with no
// opening at all must not loop for ever.
const maxScanDays = 3 * 366

// Add returns the instant at which d of business time has passed since t.
// Time outside opening hours does not count; a d of zero returns t moved to
// the next opening if the office is closed at t. ok is false when the
// calendar has no opening within three years.
func (c *Calendar) Add(t time.Time, d time.Duration) (time.Time, bool) {
	day := DateOf(t, c.loc())
	for i := 0; i < maxScanDays; i, day = i+1, nextDay(day) {
		for _, iv := range c.open(day) {
			from, to := iv[0], iv[1]
			if !to.After(t) {
				continue
			}
			if from.Before(t) {
				from = t
			}
			if avail := to.Sub(from); d < avail || (d == avail && d > 0) {
				return from.Add(d), true
			} else {
				d -= avail
			}
		}
	}
	return time.Time{}, false
}

// Between returns the business time from a to b (zero if b is not after a).
func (c *Calendar) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	var total time.Duration
	day, last := DateOf(a, c.loc()), DateOf(b, c.loc())
	for i := 0; i < maxScanDays*10; i, day = i+1, nextDay(day) {
		for _, iv := range c.open(day) {
			from, to := iv[0], iv[1]
			if from.Before(a) {
				from = a
			}
			if to.After(b) {
				to = b
			}
			if to.After(from) {
				total += to.Sub(from)
			}
		}
		if day == last {
			break
		}
	}
	return total
}

// IsOpen reports whether the office is open at t.
func (c *Calendar) IsOpen(t time.Time) bool {
	for _, iv := range c.open(DateOf(t, c.loc())) {
		if !t.Before(iv[0]) && t.Before(iv[1]) {
			return true
		}
	}
	return false
}

// NextOpening returns the first instant at or after t when the office is
// open.
func (c *Calendar) NextOpening(t time.Time) (time.Time, bool) {
	return c.Add(t, 0)
}

// Settings is a calendar as an administrator writes it and as it is stored:
// opening hours per weekday (Sunday first) such as "9:00-13:00, 15:00-17:00",
// the patron saint's day as "29/06", extra closures as "2026-12-24".
type Settings struct {
	Week            [7]string `json:"week"`
	Patron          string    `json:"patron,omitempty"`
	Closures        []string  `json:"closures,omitempty"`
	PentecostMonday bool      `json:"pentecost_monday,omitempty"`
}

// DayNames are the weekdays in Italian, Sunday first.
var DayNames = [7]string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"}

// StandardSettings are the settings of Standard.
func StandardSettings() Settings {
	return Settings{Week: [7]string{"", "9:00-13:00", "9:00-13:00, 15:00-17:00", "9:00-13:00", "9:00-13:00, 15:00-17:00", "9:00-13:00", ""}}
}

// FieldError is a setting that cannot be read; Field names it
// ("week.1", "patron", "closures").
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Err.Error() }

// Calendar builds the calendar the settings describe, in Rome's zone.
func (s Settings) Calendar() (*Calendar, error) {
	c := &Calendar{Loc: Rome, PentecostMonday: s.PentecostMonday}
	for d, v := range s.Week {
		ivs, err := ParseIntervals(v)
		if err != nil {
			return nil, &FieldError{fmt.Sprintf("week.%d", d), fmt.Errorf("%s: %w", DayNames[d], err)}
		}
		c.Week[d] = ivs
	}
	if strings.TrimSpace(s.Patron) != "" {
		md, err := ParseMonthDay(s.Patron)
		if err != nil {
			return nil, &FieldError{"patron", err}
		}
		c.Patron = &md
	}
	for _, x := range s.Closures {
		if strings.TrimSpace(x) == "" {
			continue
		}
		d, err := ParseDate(x)
		if err != nil {
			return nil, &FieldError{"closures", err}
		}
		c.Closures = append(c.Closures, d)
	}
	return c, nil
}

// HoursText writes the weekly opening hours for citizens, Monday first:
// "lunedì 9:00-13:00; martedì 9:00-13:00, 15:00-17:00; ...".
func (s Settings) HoursText() string {
	var parts []string
	for _, d := range []int{1, 2, 3, 4, 5, 6, 0} {
		if h := strings.TrimSpace(s.Week[d]); h != "" {
			parts = append(parts, DayNames[d]+" "+h)
		}
	}
	return strings.Join(parts, "; ")
}
