package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/sla"
	"github.com/redazione/redazione/store"
)

func rome(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, calendar.Rome)
	if err != nil {
		panic(err)
	}
	return t
}

// A conversation's due times follow the ente's calendar and policy; the
// clock stops while the office waits for the citizen; the first reply moves
// the next target to the resolution.
func TestSLAClockOfAConversation(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := useClock(db, rome("2026-11-23 10:00")) // a Monday
		o := newOffice(t, db, "ente")
		admin := o.as(o.admin)
		if err := db.SaveCalendar(ctx, o.as(o.coord), calendar.StandardSettings()); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Fatalf("a coordinator changed the calendar: %v", err)
		}
		bad := calendar.StandardSettings()
		bad.Week[2] = "9-8"
		if err := db.SaveCalendar(ctx, admin, bad); redazione.ErrorCode(err) != redazione.EINVALID {
			t.Fatalf("bad hours accepted: %v", err)
		}
		if err := db.SaveCalendar(ctx, admin, calendar.StandardSettings()); err != nil {
			t.Fatal(err)
		}
		urgent := sla.Urgent
		for _, p := range []*sla.Policy{
			{Name: "Standard", FirstResponse: 4 * time.Hour, Resolution: 16 * time.Hour},
			{Name: "Urgenti", Priority: &urgent, FirstResponse: time.Hour, Resolution: 4 * time.Hour},
		} {
			if err := db.SavePolicy(ctx, admin, p); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.SavePolicy(ctx, admin, &sla.Policy{Name: "Rovescio", FirstResponse: 8 * time.Hour, Resolution: time.Hour}); redazione.ErrorCode(err) != redazione.EINVALID {
			t.Fatalf("resolution before first answer accepted: %v", err)
		}

		res := o.ingest(t, o.webchat, "c1", "m1", "Buongiorno")
		c, _ := db.Conversation(ctx, admin, res.ConversationID)
		// Monday has 3 h left (10–13), Tuesday 9:00 + 1 h.
		if !c.FirstResponseDue.Equal(rome("2026-11-24 10:00")) {
			t.Fatalf("first answer due %v, want Tue 10:00", c.FirstResponseDue.In(calendar.Rome))
		}
		breached := func(f store.InboxFilter) []int64 { return o.list(t, admin, f) }
		clk.now = rome("2026-11-24 10:30")
		if got := breached(store.InboxFilter{Due: "breached"}); len(got) != 1 {
			t.Fatalf("breached filter = %v, want the conversation", got)
		}
		// urgent: targets recomputed from the start of the conversation
		c = o.change(t, o.as(o.coord), c.ID, store.Change{Priority: ptr(sla.Urgent)})
		if !c.FirstResponseDue.Equal(rome("2026-11-23 11:00")) || c.Priority != int(sla.Urgent) {
			t.Fatalf("urgent: first answer due %v", c.FirstResponseDue.In(calendar.Rome))
		}
		// the first answer: the resolution becomes the next target
		o.reply(t, o.as(o.mario), c.ID, "Le rispondiamo subito")
		c, _ = db.Conversation(ctx, admin, c.ID)
		if c.FirstResponseAt.IsZero() {
			t.Fatal("the reply did not stop the first-answer clock")
		}
		// pending from Tuesday 11:00 to Thursday 11:00: Tue 11–13 and 15–17, Wed 9–13, Thu 9–11 = 10 h paused
		clk.now = rome("2026-11-24 11:00")
		o.change(t, o.as(o.coord), c.ID, store.Change{Status: ptr(redazione.StatusPending)})
		before, _ := db.Conversation(ctx, admin, c.ID)
		if got := breached(store.InboxFilter{Due: "breached", Status: "any"}); len(got) != 0 {
			t.Fatalf("a pending conversation is listed as breached: %v", got)
		}
		clk.now = rome("2026-11-26 11:00")
		o.ingest(t, o.webchat, "c1", "m2", "Ecco i documenti")
		after, _ := db.Conversation(ctx, admin, c.ID)
		cal := calendar.Standard()
		if moved := cal.Between(before.ResolutionDue, after.ResolutionDue); moved != 10*time.Hour || after.Status != redazione.StatusOpen {
			t.Fatalf("resolution moved by %v (status %s), want 10h and open", moved, after.Status)
		}
		// resolved: no target runs
		clk.now = rome("2026-12-10 11:00")
		o.change(t, o.as(o.coord), c.ID, store.Change{Status: ptr(redazione.StatusResolved)})
		if got := breached(store.InboxFilter{Due: "any", Status: "any"}); len(got) != 0 {
			t.Fatalf("a resolved conversation still has a due time: %v", got)
		}
	})
}

// Breaches are notified once, to the assignee and the coordinators.
func TestSLAAlerts(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := useClock(db, rome("2026-11-23 10:00"))
		o := newOffice(t, db, "ente")
		admin := o.as(o.admin)
		if err := db.SavePolicy(ctx, admin, &sla.Policy{Name: "Standard", FirstResponse: 2 * time.Hour}); err != nil {
			t.Fatal(err)
		}
		res := o.ingest(t, o.webchat, "c1", "m1", "Buongiorno")
		o.change(t, o.as(o.coord), res.ConversationID, store.Change{AssigneeID: &o.mario.ID})
		count := func(u *redazione.User) int {
			ns, _, err := db.Notifications(ctx, o.as(u), 50)
			if err != nil {
				t.Fatal(err)
			}
			return len(ns)
		}
		clk.now = rome("2026-11-23 11:00")
		if alerts, _ := db.AlertSLA(ctx); len(alerts) != 0 {
			t.Fatalf("alerts an hour early: %+v", alerts)
		}
		clk.now = rome("2026-11-23 11:40") // 20 min left of 2 h: imminent
		if alerts, err := db.AlertSLA(ctx); err != nil || len(alerts) != 1 || alerts[0].Breached {
			t.Fatalf("imminent: %+v %v", alerts, err)
		}
		if count(o.mario) != 1 || count(o.coord) != 1 || count(o.giulia) != 0 {
			t.Fatalf("imminent notified Mario %d, coordinator %d, Giulia %d; want 1, 1, 0", count(o.mario), count(o.coord), count(o.giulia))
		}
		clk.now = rome("2026-11-23 12:30")
		if alerts, _ := db.AlertSLA(ctx); len(alerts) != 1 || !alerts[0].Breached {
			t.Fatalf("breach not alerted: %+v", alerts)
		}
		if alerts, _ := db.AlertSLA(ctx); len(alerts) != 0 {
			t.Fatalf("breach alerted twice: %+v", alerts)
		}
		if count(o.mario) != 2 || count(o.coord) != 2 || count(o.giulia) != 0 {
			t.Fatalf("after the breach: Mario %d, coordinator %d, Giulia %d", count(o.mario), count(o.coord), count(o.giulia))
		}
	})
}
