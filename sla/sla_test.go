package sla

import (
	"testing"
	"time"

	"github.com/redazione/redazione/calendar"
)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, calendar.Rome)
	if err != nil {
		panic(err)
	}
	return t
}

func TestPickMostSpecific(t *testing.T) {
	urgent := Urgent
	ps := []Policy{
		{ID: 1, FirstResponse: 8 * time.Hour},
		{ID: 2, DeskID: 10, FirstResponse: 4 * time.Hour},
		{ID: 3, DeskID: 10, Priority: &urgent, FirstResponse: time.Hour},
		{ID: 4, ChannelID: 7, FirstResponse: 2 * time.Hour},
	}
	for _, tc := range []struct {
		desk, ch int64
		prio     Priority
		want     int64
	}{
		{1, 1, Normal, 1},
		{10, 1, Normal, 2},
		{10, 1, Urgent, 3},
		{10, 7, Normal, 4}, // a channel is more specific than a desk
		{10, 7, Urgent, 3},
	} {
		if p := Pick(ps, tc.desk, tc.ch, tc.prio); p == nil || p.ID != tc.want {
			t.Errorf("Pick(desk %d, channel %d, %s) = %v, want policy %d", tc.desk, tc.ch, tc.prio.Label(), p, tc.want)
		}
	}
	if Pick(ps[1:2], 99, 1, Normal) != nil {
		t.Error("a desk policy matched another desk")
	}
}

// A paused clock (the office waits for the citizen) is read at the pause:
// a pending conversation never breaches.
func TestPausedClockDoesNotBreach(t *testing.T) {
	cal := calendar.Standard()
	// Opened Monday 23 Nov 2026 at 10:00 with 16 business hours to resolve,
	// answered and set pending Tuesday 9:30.
	c := Clock{ResolutionDue: at("2026-11-25 16:00"), PendingSince: at("2026-11-24 09:30")}
	st, _ := c.Now(cal, true, 16*time.Hour, at("2026-12-10 10:00"))
	if !st.Paused || st.Breached {
		t.Fatalf("paused clock reads %+v: a pending conversation must not breach", st)
	}
}

func TestStatusBreachAndImminent(t *testing.T) {
	cal := calendar.Standard()
	p := &Policy{FirstResponse: 2 * time.Hour}
	c := Clock{FirstResponseDue: at("2026-11-23 11:00")} // opened Monday 9:00
	for _, tc := range []struct {
		now                string
		breached, imminent bool
		left               time.Duration
	}{
		{"2026-11-23 09:30", false, false, 90 * time.Minute},
		{"2026-11-23 10:40", false, true, 20 * time.Minute}, // under 24 min (a fifth of 2 h)
		{"2026-11-23 12:00", true, false, -time.Hour},
		{"2026-11-23 20:00", true, false, -2 * time.Hour}, // the evening does not count
	} {
		st, ok := c.Now(cal, false, p.FirstResponse, at(tc.now))
		if !ok || st.Breached != tc.breached || st.Imminent != tc.imminent || st.Left != tc.left || !st.FirstOnly {
			t.Errorf("at %s: %+v, want breached=%v imminent=%v left=%v", tc.now, st, tc.breached, tc.imminent, tc.left)
		}
	}
	// once answered there is no resolution target: no status
	if _, ok := c.Now(cal, true, 0, at("2026-11-23 12:00")); ok {
		t.Error("a status without a target")
	}
}
