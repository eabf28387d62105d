package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// Out of office hours an urgent message reaches the person on call, not
// only the coordinators; in office hours it does not.
func TestOnCallGetsUrgentMessagesOutOfHours(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := useClock(db, t0) // Monday 9:00 in Rome: the office is open
		o := newOffice(t, db, "roma")
		co := o.as(o.coord)
		sunday := time.Date(2025, 3, 16, 0, 0, 0, 0, time.UTC)
		if err := db.AddShift(ctx, o.as(o.mario), o.mario.ID, sunday, sunday.Add(24*time.Hour)); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Errorf("an operator made a shift: %v", err)
		}
		if err := db.AddShift(ctx, co, o.analyst.ID, sunday, sunday.Add(24*time.Hour)); redazione.ErrorCode(err) != redazione.EINVALID {
			t.Errorf("an analyst on call: %v", err)
		}
		if err := db.AddShift(ctx, co, o.mario.ID, sunday, sunday.Add(-time.Hour)); redazione.ErrorCode(err) != redazione.EINVALID {
			t.Errorf("a shift ending before it starts: %v", err)
		}
		if err := db.AddShift(ctx, co, o.mario.ID, t0.Add(-time.Hour), sunday.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if now, _ := db.OnCall(ctx, o.ente.ID, t0); len(now) != 1 || now[0].ID != o.mario.ID {
			t.Fatalf("on call now: %+v", now)
		}
		urgentFor := func(u *redazione.User) int {
			ns, _, err := db.Notifications(ctx, o.as(u), 50)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, x := range ns {
				if strings.Contains(x.Text, "fuori orario") {
					n++
				}
			}
			return n
		}
		o.ingest(t, o.webchat, "c1", "u1", "C'è un allagamento nel sottopasso di via Roma!")
		if n := urgentFor(o.mario); n != 0 {
			t.Errorf("in office hours the person on call got %d out-of-hours alerts", n)
		}
		clk.now = sunday.Add(10 * time.Hour) // Sunday: closed
		o.ingest(t, o.webchat, "c2", "u2", "Incendio in via Garibaldi, c'è fumo dappertutto!")
		if n := urgentFor(o.mario); n != 1 {
			t.Errorf("out of hours the person on call got %d alerts, want 1", n)
		}
		if n := urgentFor(o.giulia); n != 0 {
			t.Errorf("someone not on call was alerted: %d", n)
		}
		shifts, _ := db.Shifts(ctx, o.ente.ID, t0, sunday.Add(48*time.Hour))
		if len(shifts) != 1 || shifts[0].UserName != "Mario Rossi" {
			t.Fatalf("shifts: %+v", shifts)
		}
		if err := db.DeleteShift(ctx, co, shifts[0].ID); err != nil {
			t.Fatal(err)
		}
		if now, _ := db.OnCall(ctx, o.ente.ID, clk.now); len(now) != 0 {
			t.Errorf("on call after the shift was deleted: %+v", now)
		}
	})
}
