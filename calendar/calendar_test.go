package calendar

import (
	"strings"
	"testing"
	"time"
)

func TestEaster(t *testing.T) {
	for year, want := range map[int]string{
		2000: "2000-04-23", 2011: "2011-04-24", 2019: "2019-04-21", 2024: "2024-03-31",
		2025: "2025-04-20", 2026: "2026-04-05", 2027: "2027-03-28", 2038: "2038-04-25", 2285: "2285-03-22",
	} {
		if got := Easter(year).String(); got != want {
			t.Errorf("Easter(%d) = %s, want %s", year, got, want)
		}
	}
}

func names(hs []Holiday) map[string]string {
	out := map[string]string{}
	for _, h := range hs {
		out[h.Date.String()] = h.Name
	}
	return out
}

func TestNationalHolidays(t *testing.T) {
	h2026 := names(NationalHolidays(2026))
	for _, d := range []string{"2026-01-01", "2026-01-06", "2026-04-05", "2026-04-06", "2026-04-25", "2026-05-01",
		"2026-06-02", "2026-08-15", "2026-10-04", "2026-11-01", "2026-12-08", "2026-12-25", "2026-12-26"} {
		if h2026[d] == "" {
			t.Errorf("%s is not a holiday in 2026", d)
		}
	}
	if len(h2026) != 13 {
		t.Errorf("2026 has %d holidays listed, want 13: %v", len(h2026), h2026)
	}
	if _, ok := names(NationalHolidays(2025))["2025-10-04"]; ok {
		t.Error("4 October is a national holiday only from 2026 (L. 151/2025)")
	}
	// Easter Monday moves with Easter; in 2038 Easter falls on 25 April
	h2038 := names(NationalHolidays(2038))
	if !strings.Contains(h2038["2038-04-26"], "Angelo") {
		t.Errorf("Easter Monday 2038 = %v", h2038)
	}
	if !strings.Contains(names(NationalHolidays(2024))["2024-04-01"], "Angelo") {
		t.Error("Easter Monday 2024 is 1 April")
	}
}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, Rome)
	if err != nil {
		panic(err)
	}
	return t
}

func TestClosedDays(t *testing.T) {
	c := Standard()
	c.Patron = &MonthDay{time.June, 29} // Roma: Santi Pietro e Paolo
	c.Closures = []Date{{2026, time.December, 24}}
	for d, want := range map[Date]bool{
		{2026, time.June, 29}:     true,  // patron, a Monday
		{2026, time.June, 30}:     false, // Tuesday
		{2026, time.April, 6}:     true,  // Easter Monday
		{2027, time.October, 4}:   true,  // San Francesco, a Monday
		{2026, time.December, 24}: true,  // extra closure
		{2026, time.November, 28}: true,  // Saturday
		{2026, time.November, 30}: false,
	} {
		if got, why := c.Closed(d); got != want {
			t.Errorf("Closed(%s) = %v (%s), want %v", d, got, why, want)
		}
	}
	c.PentecostMonday = true // Alto Adige
	if closed, _ := c.Closed(Date{2026, time.May, 25}); !closed {
		t.Error("Pentecost Monday 2026 (25 May) not closed when asked")
	}
}

func TestAddSkipsNightsWeekendsAndHolidays(t *testing.T) {
	c := Standard()
	cases := []struct {
		from string
		d    time.Duration
		want string
	}{
		{"2026-11-23 10:00", 2 * time.Hour, "2026-11-23 12:00"},    // Monday morning
		{"2026-11-23 12:00", 2 * time.Hour, "2026-11-24 10:00"},    // Monday has no afternoon
		{"2026-11-24 12:30", time.Hour, "2026-11-24 15:30"},        // Tuesday: lunch break skipped
		{"2026-11-23 20:00", 30 * time.Minute, "2026-11-24 09:30"}, // written at night
		{"2026-11-27 12:00", 2 * time.Hour, "2026-11-30 10:00"},    // Friday → Monday
		{"2026-04-03 12:00", 2 * time.Hour, "2026-04-07 10:00"},    // Good Friday → Tuesday after Easter Monday
		{"2026-12-24 16:30", time.Hour, "2026-12-28 09:30"},        // Christmas, Santo Stefano, weekend
		{"2026-11-28 10:00", 0, "2026-11-30 09:00"},                // Saturday: next opening
		{"2026-11-23 13:00", 4 * time.Hour, "2026-11-24 13:00"},    // exactly a morning
	}
	for _, tc := range cases {
		got, ok := c.Add(at(tc.from), tc.d)
		if !ok || !got.Equal(at(tc.want)) {
			t.Errorf("Add(%s, %v) = %v, want %s", tc.from, tc.d, got.In(Rome), tc.want)
		}
		if tc.d > 0 {
			if back := c.Between(at(tc.from), got); back != tc.d {
				t.Errorf("Between(%s, %v) = %v, want %v", tc.from, got.In(Rome), back, tc.d)
			}
		}
	}
}

func TestDaylightSavingMovesNoDeadline(t *testing.T) {
	c := Standard()
	// Summer time starts on Sunday 29 March 2026: Friday 12:30 + 1 h is
	// Monday 9:30, in summer time (UTC+2).
	got, _ := c.Add(at("2026-03-27 12:30"), time.Hour)
	if !got.Equal(at("2026-03-30 09:30")) || got.UTC().Hour() != 7 {
		t.Errorf("across the March change: %v", got)
	}
	// It ends on Sunday 25 October 2026.
	got, _ = c.Add(at("2026-10-23 12:30"), time.Hour)
	if !got.Equal(at("2026-10-26 09:30")) || got.UTC().Hour() != 8 {
		t.Errorf("across the October change: %v", got)
	}
	// A round-the-clock desk counts the real hours of the long night.
	all := &Calendar{Loc: Rome}
	for d := range all.Week {
		all.Week[d] = []Interval{{0, 24 * 60}}
	}
	if got := all.Between(at("2026-10-24 12:00"), at("2026-10-25 12:00")); got != 25*time.Hour {
		t.Errorf("24 h desk over the October change: %v, want 25h", got)
	}
	if got := all.Between(at("2026-03-28 12:00"), at("2026-03-29 12:00")); got != 23*time.Hour {
		t.Errorf("24 h desk over the March change: %v, want 23h", got)
	}
}

func TestNeverOpenDoesNotLoop(t *testing.T) {
	c := &Calendar{Loc: Rome}
	if _, ok := c.Add(at("2026-11-23 10:00"), time.Hour); ok {
		t.Error("a calendar with no opening hours gave a deadline")
	}
}

func TestParse(t *testing.T) {
	ivs, err := ParseIntervals("9:00-13:00, 15.00-17.30")
	if err != nil || len(ivs) != 2 || ivs[1] != (Interval{15 * 60, 17*60 + 30}) {
		t.Errorf("ParseIntervals = %v, %v", ivs, err)
	}
	for _, bad := range []string{"9-8", "13:00-14:00, 10:00-11:00", "25:00-26:00", "mattina"} {
		if _, err := ParseIntervals(bad); err == nil {
			t.Errorf("ParseIntervals(%q) accepted", bad)
		}
	}
	if md, err := ParseMonthDay("29/06"); err != nil || md != (MonthDay{time.June, 29}) {
		t.Errorf("ParseMonthDay = %v %v", md, err)
	}
	if _, err := ParseMonthDay("31/02"); err == nil {
		t.Error("31 February accepted")
	}
	if d, err := ParseDate("2026-12-24"); err != nil || d != (Date{2026, 12, 24}) {
		t.Errorf("ParseDate = %v %v", d, err)
	}
	// The Italian way, as people type it.
	for _, s := range []string{"24/12/2026", "24/12/2026 ", "7/1/2027"} {
		if _, err := ParseDate(s); err != nil {
			t.Errorf("ParseDate(%q): %v", s, err)
		}
	}
	if d, _ := ParseDate("07/01/2027"); d != (Date{2027, 1, 7}) {
		t.Errorf("07/01/2027 read as %v, want 7 January 2027", d)
	}
	if _, err := ParseDate("31/02/2026"); err == nil || !strings.Contains(err.Error(), "usa GG/MM/AAAA") {
		t.Errorf("31/02/2026: %v, want refused in Italian", err)
	}
}
