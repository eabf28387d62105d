package store_test

import (
	"context"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// Work is only given to people who can see it: a conversation is never
// assigned to an operator of another desk, an analyst or a disabled user,
// and moving it to a desk its assignee is not on puts it back in that desk's
// unassigned queue.
func TestAssignmentFollowsDesks(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		o := newOffice(t, db, "ente")
		ctx := context.Background()
		conv := o.ingest(t, o.webchat, "c1", "m1", "Domanda sul bollo").ConversationID // desk "contatti"
		co := o.as(o.coord)
		for _, u := range []*redazione.User{o.paolo, o.analyst} {
			_, err := db.ChangeConversation(ctx, co, conv, store.Change{AssigneeID: &u.ID})
			if redazione.ErrorCode(err) != redazione.EINVALID {
				t.Errorf("assigning a contatti conversation to %s: %v, want EINVALID", u.Name, err)
			}
		}
		if c := o.change(t, co, conv, store.Change{AssigneeID: &o.mario.ID}); c.AssigneeID != o.mario.ID {
			t.Fatalf("assignee %d, want Mario", c.AssigneeID)
		}
		// moved to "notizie", where Mario does not work: unassigned there
		c := o.change(t, co, conv, store.Change{DeskID: ptr(o.desks["notizie"].ID)})
		if c.AssigneeID != 0 {
			t.Fatalf("after the move the conversation is still assigned to %d, who cannot see it", c.AssigneeID)
		}
		if got := o.list(t, o.as(o.paolo), store.InboxFilter{Unassigned: true}); len(got) != 1 || got[0] != conv {
			t.Fatalf("Paolo's unassigned queue = %v, want the moved conversation", got)
		}
		// moving and assigning at once, to someone of the new desk, works
		c = o.change(t, co, conv, store.Change{DeskID: ptr(o.desks["contatti"].ID), AssigneeID: &o.giulia.ID})
		if c.AssigneeID != o.giulia.ID || c.DeskID != o.desks["contatti"].ID {
			t.Fatalf("move and assign: desk %d assignee %d", c.DeskID, c.AssigneeID)
		}
		// a coordinator works on every desk: stays assigned across a move
		o.change(t, co, conv, store.Change{AssigneeID: &o.coord.ID})
		if c := o.change(t, co, conv, store.Change{DeskID: ptr(o.desks["campagne"].ID)}); c.AssigneeID != o.coord.ID {
			t.Fatalf("coordinator lost the assignment on a move")
		}
	})
}

// A note's @mention reaches only colleagues who can open the conversation.
func TestMentionOnlyWhoCanSee(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		o := newOffice(t, db, "ente")
		ctx := context.Background()
		conv := o.ingest(t, o.webchat, "c1", "m1", "Domanda").ConversationID // desk "contatti"
		_, err := db.AddMessage(ctx, o.as(o.mario), conv, store.Outgoing{Text: "@giulia.bianchi @paolo.verdi @capo.redazione guardate qui", Note: true})
		if err != nil {
			t.Fatal(err)
		}
		for u, want := range map[*redazione.User]int{o.giulia: 1, o.coord: 1, o.paolo: 0} {
			ns, _, err := db.Notifications(ctx, o.as(u), 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(ns) != want {
				t.Errorf("%s has %d notifications, want %d", u.Name, len(ns), want)
			}
		}
	})
}
