package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/sla"
	"github.com/redazione/redazione/store"
)

// auditOf returns the "action detail" of the ente's audit entries about one
// conversation, oldest first.
func auditOf(t *testing.T, db *store.DB, a redazione.Actor, conv int64) []string {
	t.Helper()
	es, err := db.AuditLog(context.Background(), a, 5000)
	if err != nil {
		t.Fatalf("AuditLog: %v", err)
	}
	var out []string
	for i := len(es) - 1; i >= 0; i-- {
		if es[i].Target == itoa(conv) && strings.HasPrefix(es[i].Action, "conversation.") {
			out = append(out, es[i].Action+" "+es[i].Detail)
		}
	}
	return out
}

// A bulk action on chosen conversations changes each as the single action
// would: the same result, the same audit entries (one per conversation and
// change, the chain whole), nothing written for what was already so.
func TestBulkChangeOnASelection(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		o := newOffice(t, db, "ente")
		ctx := context.Background()
		co := o.as(o.coord)
		var convs []int64
		for i := range 4 {
			convs = append(convs, o.ingest(t, o.webchat, fmt.Sprint("c", i), fmt.Sprint("m", i), "Domanda").ConversationID)
		}
		chosen := convs[:3]
		// The same change made one at a time on the fourth, for comparison.
		o.change(t, co, convs[3], store.Change{AssigneeID: &o.mario.ID})
		o.change(t, co, convs[3], store.Change{AddTags: []string{"Bollo Auto"}})
		o.change(t, co, convs[3], store.Change{Priority: ptr(sla.High)})

		res, err := db.BulkChange(ctx, co, chosen, store.Change{AssigneeID: &o.mario.ID})
		if err != nil {
			t.Fatalf("bulk assign: %v", err)
		}
		if res.Done != 3 || len(res.Changed) != 3 {
			t.Fatalf("bulk assign did %d, changed %d; want 3 and 3", res.Done, len(res.Changed))
		}
		o.change(t, co, chosen[0], store.Change{AddTags: []string{"bollo-auto"}}) // already tagged: the bulk skips it
		if res, err = db.BulkChange(ctx, co, chosen, store.Change{AddTags: []string{"Bollo Auto"}}); err != nil || len(res.Changed) != 2 || res.Done != 3 {
			t.Fatalf("bulk tag: %+v, %v; want 2 changed of 3", res, err)
		}
		if _, err = db.BulkChange(ctx, co, chosen, store.Change{Priority: ptr(sla.High)}); err != nil {
			t.Fatalf("bulk priority: %v", err)
		}
		got := o.list(t, o.as(o.mario), store.InboxFilter{Mine: true, Tag: "bollo-auto"})
		slices.Sort(got)
		wantIDs(t, "Mario's tagged conversations", got, convs...)
		for _, id := range chosen {
			c, err := db.Conversation(ctx, co, id)
			if err != nil {
				t.Fatal(err)
			}
			if c.Priority != int(sla.High) {
				t.Errorf("conversation %d priority %d, want high", id, c.Priority)
			}
			want := auditOf(t, db, co, convs[3])
			if got := auditOf(t, db, co, id); !slices.Equal(got, want) {
				t.Errorf("audit of %d = %q, want the single actions' %q", id, got, want)
			}
		}
		if total, broken, err := db.VerifyAudit(ctx, o.ente.ID); err != nil || broken != 0 {
			t.Fatalf("audit chain of %d entries broken at %d: %v", total, broken, err)
		}

		// Moving to a desk Mario does not work on puts them back in the
		// new desk's unassigned queue, as a single move does.
		if _, err := db.BulkChange(ctx, co, chosen, store.Change{DeskID: ptr(o.desks["notizie"].ID)}); err != nil {
			t.Fatalf("bulk move: %v", err)
		}
		got = o.list(t, o.as(o.paolo), store.InboxFilter{Unassigned: true})
		slices.Sort(got)
		wantIDs(t, "Paolo's unassigned queue after the move", got, chosen...)
		// Resolving takes them out of the open views.
		st := redazione.StatusResolved
		if _, err := db.BulkChange(ctx, co, chosen, store.Change{Status: &st}); err != nil {
			t.Fatalf("bulk resolve: %v", err)
		}
		wantIDs(t, "Paolo's open conversations after resolving", o.list(t, o.as(o.paolo), store.InboxFilter{}))
	})
}

// "Every conversation of the view" is the view when the operator
// confirmed, beyond the loaded page: those arriving later are not touched.
func TestBulkOnAWholeViewIncludingUnloaded(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		o := newOffice(t, db, "ente")
		ctx := context.Background()
		mario := o.as(o.mario)
		for i := range 120 {
			o.ingest(t, o.webchat, fmt.Sprint("c", i), fmt.Sprint("m", i), "Segnalazione")
		}
		page, err := db.InboxPage(ctx, mario, store.InboxFilter{Unassigned: true})
		if err != nil || len(page.Conversations) != 50 || page.Next == "" {
			t.Fatalf("first page: %d rows, next %q, %v; want 50 of more", len(page.Conversations), page.Next, err)
		}
		ids, err := db.ViewIDs(ctx, mario, store.InboxFilter{Unassigned: true}, store.BulkMax)
		if err != nil || len(ids) != 120 {
			t.Fatalf("view ids: %d, %v; want all 120", len(ids), err)
		}
		if !slices.Equal(ids[:50], idsOf(page.Conversations)) {
			t.Error("the view's ids do not start with its first page, in its order")
		}
		late := o.ingest(t, o.webchat, "late", "m-late", "Arrivo dopo la conferma").ConversationID
		res, err := db.BulkChange(ctx, mario, ids, store.Change{AssigneeID: &o.mario.ID})
		if err != nil || res.Done != 120 {
			t.Fatalf("bulk assign of the view: %+v, %v", res, err)
		}
		if got := o.list(t, mario, store.InboxFilter{Unassigned: true}); !slices.Equal(got, []int64{late}) {
			t.Fatalf("unassigned after the bulk = %v, want only the late conversation %d", got, late)
		}
		n, err := db.CountConversations(ctx, mario, store.InboxFilter{Mine: true}, 1000)
		if err != nil || n != 120 {
			t.Fatalf("Mario's view has %d, %v; want 120", n, err)
		}
		if got := len(auditActions(t, db, o.as(o.admin))); got < 120 {
			t.Fatalf("%d audit entries, want one per conversation", got)
		}
	})
}

func idsOf(cs []*redazione.Conversation) []int64 { return ids(cs) }

// Only the conversations the actor may act on: a selection with one of
// another desk is refused whole, as is an assignee who does not work on
// their desk, and an analyst; nothing changes and nothing is audited.
func TestBulkRefusedChangesNothing(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		o := newOffice(t, db, "ente")
		other := newOffice(t, db, "altro")
		ctx := context.Background()
		a := o.ingest(t, o.webchat, "c1", "m1", "Contatti").ConversationID
		b := o.ingest(t, o.webchat, "c2", "m2", "Contatti").ConversationID
		news := o.ingest(t, o.api, "c3", "m3", "Notizie").ConversationID
		foreign := other.ingest(t, other.webchat, "c4", "m4", "Altro ente").ConversationID
		before := len(auditActions(t, db, o.as(o.admin)))
		_, err := db.BulkChange(ctx, o.as(o.mario), []int64{a, b, news}, store.Change{AssigneeID: &o.mario.ID})
		wantCode(t, err, redazione.EFORBIDDEN)
		_, err = db.BulkChange(ctx, o.as(o.coord), []int64{a, foreign}, store.Change{AssigneeID: &o.mario.ID})
		wantCode(t, err, redazione.EFORBIDDEN)
		_, err = db.BulkChange(ctx, o.as(o.analyst), []int64{a}, store.Change{AddTags: []string{"x"}})
		wantCode(t, err, redazione.EFORBIDDEN)
		_, err = db.BulkChange(ctx, o.as(o.coord), []int64{a, b}, store.Change{AssigneeID: &o.paolo.ID})
		wantCode(t, err, redazione.EINVALID)
		_, err = db.BulkChange(ctx, o.as(o.coord), []int64{a}, store.Change{Snooze: &store.Snooze{Until: time.Now().Add(-time.Hour)}})
		wantCode(t, err, redazione.EINVALID)
		for _, id := range []int64{a, b, news} {
			c, err := db.Conversation(ctx, o.as(o.coord), id)
			if err != nil || c.AssigneeID != 0 || len(c.Tags) != 0 {
				t.Errorf("conversation %d changed by a refused bulk: assignee %d tags %v (%v)", id, c.AssigneeID, c.Tags, err)
			}
		}
		if after := len(auditActions(t, db, o.as(o.admin))); after != before {
			t.Errorf("refused bulks wrote %d audit entries", after-before)
		}
	})
}

// A conversation put aside leaves the open views for the "Rimandate" one
// and comes back by itself when its time comes: the views show it again
// from that instant, and the upkeep clears it with an audit entry.
func TestSnoozeUntilATime(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		o := newOffice(t, db, "ente")
		clk := useClock(db, t0)
		ctx := context.Background()
		mario := o.as(o.mario)
		conv := o.ingest(t, o.webchat, "c1", "m1", "Richiamatemi lunedì").ConversationID
		other := o.ingest(t, o.webchat, "c2", "m2", "Altra domanda").ConversationID
		until := t0.Add(3 * time.Hour)
		c := o.change(t, mario, conv, store.Change{Snooze: &store.Snooze{Until: until}})
		if !c.Snoozed(t0) || !c.SnoozedUntil.Equal(until) {
			t.Fatalf("snoozed until %v (reply %v), want %v", c.SnoozedUntil, c.SnoozedUntilReply, until)
		}
		wantIDs(t, "open view while snoozed", o.list(t, mario, store.InboxFilter{HideSnoozed: true}), other)
		wantIDs(t, "open view by due time while snoozed", o.list(t, mario, store.InboxFilter{HideSnoozed: true, SortDue: true}), other)
		if _, err := db.AddMessage(ctx, mario, conv, store.Outgoing{Text: "Richiamare lunedì", Note: true}); err != nil { // a note meanwhile keeps it aside
			t.Fatal(err)
		}
		wantIDs(t, "open view after an answer to the snoozed one", o.list(t, mario, store.InboxFilter{HideSnoozed: true, Status: "any"}), other)
		wantIDs(t, "Rimandate", o.list(t, mario, store.InboxFilter{Snoozed: true, Status: "any"}), conv)
		if n, _ := db.CountConversations(ctx, mario, store.InboxFilter{HideSnoozed: true}, 100); n != 1 {
			t.Errorf("open count %d while one is snoozed, want 1", n)
		}
		woken, err := db.WakeSnoozed(ctx, 100)
		if err != nil || len(woken) != 0 {
			t.Fatalf("woken before the time: %v, %v", woken, err)
		}
		clk.Advance(3*time.Hour + time.Second)
		// It comes back with the upkeep (every minute), which tells the
		// screens: until then it stays in Rimandate, in every order.
		wantIDs(t, "Rimandate after the time, before the upkeep", o.list(t, mario, store.InboxFilter{Snoozed: true, Status: "any"}), conv)
		wantIDs(t, "open view by due time, before the upkeep", o.list(t, mario, store.InboxFilter{HideSnoozed: true, SortDue: true}), other)
		woken, err = db.WakeSnoozed(ctx, 100)
		if err != nil || len(woken) != 1 || woken[0].ConversationID != conv || woken[0].DeskID != o.desks["contatti"].ID {
			t.Fatalf("woken = %+v, %v; want the snoozed conversation", woken, err)
		}
		if again, _ := db.WakeSnoozed(ctx, 100); len(again) != 0 {
			t.Errorf("woken twice: %+v", again)
		}
		wantIDs(t, "open view after the upkeep, in waiting order", o.list(t, mario, store.InboxFilter{HideSnoozed: true}), conv, other)
		wantIDs(t, "Rimandate after the upkeep", o.list(t, mario, store.InboxFilter{Snoozed: true, Status: "any"}))
		c, _ = db.Conversation(ctx, mario, conv)
		if c.Snoozed(clk.now) || !c.SnoozedUntil.IsZero() {
			t.Errorf("still snoozed after waking: %v", c.SnoozedUntil)
		}
		want := []string{"conversation.snooze until " + until.Format(time.RFC3339), "conversation.note 3", "conversation.wake time came"}
		if got := auditOf(t, db, o.as(o.admin), conv); !slices.Equal(got, want) {
			t.Errorf("audit = %q, want %q", got, want)
		}
		_, err = db.ChangeConversation(ctx, mario, conv, store.Change{Snooze: &store.Snooze{Until: clk.now.Add(-time.Minute)}})
		wantCode(t, err, redazione.EINVALID)
	})
}

// Put aside until the citizen writes: it stays aside however long, and
// comes back with the citizen's message (a snooze by time too).
func TestSnoozeUntilTheCitizenWrites(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		o := newOffice(t, db, "ente")
		clk := useClock(db, t0)
		ctx := context.Background()
		mario := o.as(o.mario)
		conv := o.ingest(t, o.webchat, "c1", "m1", "Vi mando il documento").ConversationID
		timed := o.ingest(t, o.webchat, "c2", "m2", "Ci penso").ConversationID
		res, err := db.BulkChange(ctx, mario, []int64{conv}, store.Change{Snooze: &store.Snooze{UntilReply: true}})
		if err != nil || len(res.Changed) != 1 {
			t.Fatalf("snooze until reply: %+v, %v", res, err)
		}
		o.change(t, mario, timed, store.Change{Snooze: &store.Snooze{Until: t0.Add(48 * time.Hour)}})
		clk.Advance(30 * 24 * time.Hour)
		if woken, _ := db.WakeSnoozed(ctx, 100); len(woken) != 1 || woken[0].ConversationID != timed {
			t.Fatalf("woken = %+v, want only the timed one", woken)
		}
		wantIDs(t, "Rimandate a month later", o.list(t, mario, store.InboxFilter{Snoozed: true, Status: "any"}), conv)
		c, _ := db.Conversation(ctx, mario, conv)
		if !c.SnoozedUntilReply || !c.Snoozed(clk.now) {
			t.Fatalf("not snoozed until reply: %+v", c)
		}
		if got := o.ingest(t, o.webchat, "c1", "m3", "Ecco il documento").ConversationID; got != conv {
			t.Fatalf("the citizen's answer went to %d, not %d", got, conv)
		}
		c, _ = db.Conversation(ctx, mario, conv)
		if c.Snoozed(clk.now) {
			t.Fatal("still snoozed after the citizen wrote")
		}
		wantIDs(t, "open view after the citizen wrote, in waiting order", o.list(t, mario, store.InboxFilter{HideSnoozed: true}), conv, timed)
		want := []string{"conversation.snooze until reply", "conversation.wake citizen wrote"}
		if got := auditOf(t, db, o.as(o.admin), conv); !slices.Equal(got, want) {
			t.Errorf("audit = %q, want %q", got, want)
		}
		// Resolving ends a snooze; the bulk snooze of a resolved one is kept off.
		o.change(t, mario, conv, store.Change{Snooze: &store.Snooze{UntilReply: true}})
		st := redazione.StatusResolved
		c = o.change(t, mario, conv, store.Change{Status: &st})
		if c.Snoozed(clk.now) {
			t.Error("a resolved conversation is still snoozed")
		}
		if total, broken, err := db.VerifyAudit(ctx, o.ente.ID); err != nil || broken != 0 {
			t.Fatalf("audit chain of %d entries broken at %d: %v", total, broken, err)
		}
	})
}
