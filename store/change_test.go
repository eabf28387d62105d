package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

func TestChangeConversationIsAudited(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		useClock(db, t0)
		o := newOffice(t, db, "roma")
		id := o.ingest(t, o.webchat, "v1", "m1", "Buca pericolosa in via Appia").ConversationID
		target := itoa(id)
		coord := o.as(o.coord)
		start := len(auditActions(t, db, coord))

		c := o.change(t, coord, id, store.Change{
			AssigneeID: ptr(o.mario.ID),
			Status:     ptr(redazione.StatusPending),
			AddTags:    []string{"  Strade Dissestate ", "urgente"},
		})
		if c.AssigneeID != o.mario.ID || c.AssigneeName != "Mario Rossi" || c.Status != redazione.StatusPending ||
			!slices.Equal(c.Tags, []string{"strade-dissestate", "urgente"}) {
			t.Errorf("changed conversation = %+v", c)
		}
		// Mario does not work on "partecipazione": the move unassigns him.
		c = o.change(t, coord, id, store.Change{DeskID: ptr(o.desks["partecipazione"].ID), RemoveTags: []string{"URGENTE"}})
		if c.DeskID != o.desks["partecipazione"].ID || c.DeskName != "Citizen satisfaction e partecipazione" || !slices.Equal(c.Tags, []string{"strade-dissestate"}) ||
			c.AssigneeID != 0 || c.AssigneeName != "" {
			t.Errorf("moved conversation = %+v", c)
		}

		got := auditActions(t, db, coord)[start:]
		want := []string{
			"conversation.status " + target,
			"conversation.assign " + target,
			"conversation.tag " + target,
			"conversation.tag " + target,
			"conversation.desk " + target,
			"conversation.assign " + target,
			"conversation.tag " + target,
		}
		if !slices.Equal(got, want) {
			t.Errorf("audit entries = %q, want %q", got, want)
		}
		es, err := db.AuditLog(ctx, coord, 7)
		if err != nil {
			t.Fatal(err)
		}
		var details []string
		for _, e := range es {
			if e.ActorID != o.coord.ID || e.EnteID != o.ente.ID || !e.At.Equal(t0) {
				t.Errorf("audit entry %+v: want actor %d, ente %d, at %v", e, o.coord.ID, o.ente.ID, t0)
			}
			details = append(details, e.Detail)
		}
		joined := strings.Join(details, "|")
		for _, d := range []string{"open → pending", "+strade-dissestate", "-urgente", itoa(o.mario.ID) + " → 0"} {
			if !strings.Contains(joined, d) {
				t.Errorf("audit details %q lack %q", joined, d)
			}
		}

		// Changing nothing records nothing.
		n := len(auditActions(t, db, coord))
		o.change(t, coord, id, store.Change{Status: ptr(redazione.StatusPending), AssigneeID: ptr(int64(0)), AddTags: []string{"Strade dissestate"}})
		if m := len(auditActions(t, db, coord)); m != n {
			t.Errorf("a change that changes nothing wrote %d audit entries", m-n)
		}
	})
}

func TestChangeConversationRefusalsChangeNothing(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "roma")
		id := o.ingest(t, o.webchat, "v1", "m1", "Richiesta di accesso civico").ConversationID
		coord := o.as(o.coord)
		before := auditActions(t, db, coord)

		_, err := db.ChangeConversation(ctx, o.as(o.analyst), id, store.Change{Status: ptr(redazione.StatusResolved)})
		wantCode(t, err, redazione.EFORBIDDEN)
		_, err = db.ChangeConversation(ctx, coord, id, store.Change{Status: ptr(redazione.Status("chiusa"))})
		wantCode(t, err, redazione.EINVALID)
		// A change is all or nothing: the valid status is not kept when the
		// desk is wrong, nor the tag when the assignee is.
		_, err = db.ChangeConversation(ctx, coord, id, store.Change{Status: ptr(redazione.StatusResolved), DeskID: ptr(int64(999999))})
		wantCode(t, err, redazione.EINVALID)
		_, err = db.ChangeConversation(ctx, coord, id, store.Change{AddTags: []string{"accesso"}, AssigneeID: ptr(int64(999999))})
		wantCode(t, err, redazione.EINVALID)
		// A disabled colleague cannot be given new work.
		g := *o.giulia
		g.Disabled = true
		if err := db.UpdateUser(ctx, o.as(o.admin), &g); err != nil {
			t.Fatal(err)
		}
		before = append(before, "user.update "+itoa(o.giulia.ID), "user.disable "+o.giulia.Email)
		_, err = db.ChangeConversation(ctx, coord, id, store.Change{AssigneeID: ptr(o.giulia.ID)})
		wantCode(t, err, redazione.EINVALID)

		c, err := db.Conversation(ctx, coord, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != redazione.StatusOpen || c.DeskID != o.webchat.DeskID || c.AssigneeID != 0 || len(c.Tags) != 0 {
			t.Errorf("after refused changes conversation = %+v, want it untouched", c)
		}
		if after := auditActions(t, db, coord); !slices.Equal(after, before) {
			t.Errorf("refused changes wrote audit entries: %q", after[len(before):])
		}
	})
}

// The audit trail is append-only in the database itself, not only in Go.
func TestAuditLogIsAppendOnly(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "roma")
		id := o.ingest(t, o.webchat, "v1", "m1", "Salve").ConversationID
		o.change(t, o.as(o.coord), id, store.Change{Status: ptr(redazione.StatusResolved)})
		if err := db.Audit(ctx, redazione.AuditEntry{EnteID: o.ente.ID, ActorID: o.mario.ID, Action: "login.refused_locked", Target: o.mario.Email}); err != nil {
			t.Fatal(err)
		}
		before := auditActions(t, db, o.as(o.admin))
		if len(before) == 0 || before[len(before)-1] != "login.refused_locked "+o.mario.Email {
			t.Fatalf("audit log = %q, want the recorded event last", before)
		}
		raw := db.WriteDB()
		qs := []string{
			"UPDATE audit_log SET detail = 'ritoccato'",
			"UPDATE audit_log SET action = 'nulla' WHERE action = 'conversation.status'",
			"DELETE FROM audit_log",
			"DELETE FROM audit_log WHERE action = 'conversation.status'",
		}
		if db.Dialect() == store.Postgres {
			qs = append(qs, "TRUNCATE audit_log")
		}
		for _, q := range qs {
			if _, err := raw.ExecContext(ctx, q); err == nil {
				t.Errorf("%s: succeeded, want it refused", q)
			} else if !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: error %v, want the append-only refusal", q, err)
			}
		}
		if after := auditActions(t, db, o.as(o.admin)); !slices.Equal(after, before) {
			t.Errorf("audit log changed: %q, was %q", after, before)
		}
		// Only administrators and coordinators read it.
		for _, u := range []*redazione.User{o.mario, o.analyst} {
			_, err := db.AuditLog(ctx, o.as(u), 10)
			wantCode(t, err, redazione.EFORBIDDEN)
		}
	})
}
