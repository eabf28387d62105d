package web

import (
	"testing"
	"time"
)

// The snooze presets, on a fixed clock in Rome's time: "domani alle 9",
// "lunedì alle 9" (a week on when it is Monday already), across the change
// to summer time, and a chosen date read in Rome's time.
func TestSnoozePresets(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, rome)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		now, preset, custom, want string
	}{
		{"2026-12-05 16:00", "1h", "", "2026-12-05 17:00"},
		{"2026-12-05 16:00", "tomorrow", "", "2026-12-06 09:00"},
		{"2026-12-05 16:00", "monday", "", "2026-12-07 09:00"},   // a Saturday
		{"2026-12-07 08:00", "monday", "", "2026-12-14 09:00"},   // a Monday: the next one
		{"2026-03-28 23:30", "tomorrow", "", "2026-03-29 09:00"}, // the night the clocks go forward
		{"2026-12-05 16:00", "custom", "2026-12-24T10:30", "2026-12-24 10:30"},
	}
	for _, c := range cases {
		sn, err := snoozeAt(c.preset, c.custom, at(c.now))
		if err != nil {
			t.Errorf("%s at %s: %v", c.preset, c.now, err)
			continue
		}
		if want := at(c.want); !sn.Until.Equal(want) || sn.UntilReply {
			t.Errorf("%s at %s = %v, want %v", c.preset, c.now, sn.Until.In(rome), want)
		}
	}
	if sn, err := snoozeAt("reply", "", at("2026-12-05 16:00")); err != nil || !sn.UntilReply {
		t.Errorf("until reply: %+v, %v", sn, err)
	}
	for _, bad := range [][2]string{{"custom", "2026-12-05T15:00"}, {"custom", "domani"}, {"custom", "2028-01-01T09:00"}, {"forever", ""}} {
		if _, err := snoozeAt(bad[0], bad[1], at("2026-12-05 16:00")); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	if got := longMoment("it", at("2026-12-07 09:00")); got != "lunedì 7 dicembre 2026 alle 9:00" {
		t.Errorf("longMoment = %q", got)
	}
}
