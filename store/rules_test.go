package store_test

import (
	"context"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/rules"
	"github.com/redazione/redazione/store"
)

func TestRulesAndRoundRobin(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "ente")
		admin := o.as(o.admin)
		bad := []rules.Rule{
			{Name: "", Actions: rules.Actions{Stop: true}},
			{Name: "senza azioni"},
			{Name: "parole vuote", Conditions: rules.Conditions{Words: []string{"il la di"}}, Actions: rules.Actions{Stop: true}},
			{Name: "desk inesistente", Actions: rules.Actions{DeskID: 99999}},
			{Name: "situazione", Actions: rules.Actions{Situation: "emergency"}},
		}
		for _, r := range bad {
			if err := db.SaveRule(ctx, admin, &r); redazione.ErrorCode(err) != redazione.EINVALID {
				t.Errorf("rule %q accepted: %v", r.Name, err)
			}
		}
		ok := rules.Rule{Name: "Rifiuti", Enabled: true, Conditions: rules.Conditions{Words: []string{"rifiuti"}}, Actions: rules.Actions{Tags: []string{"Rifiuti"}}}
		if err := db.SaveRule(ctx, o.as(o.coord), &ok); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Fatalf("a coordinator saved a rule: %v", err)
		}
		if err := db.SaveRule(ctx, admin, &ok); err != nil {
			t.Fatal(err)
		}
		if rs, _ := db.ActiveRules(ctx, o.ente.ID); len(rs) != 1 {
			t.Fatalf("active rules = %d", len(rs))
		}
		db.SetRuleEnabled(ctx, admin, ok.ID, false)
		if rs, _ := db.ActiveRules(ctx, o.ente.ID); len(rs) != 0 {
			t.Fatalf("a disabled rule is active")
		}

		// round robin on "contatti" (Mario, Giulia), with Giulia capped at 1
		desk := o.desks["contatti"].ID
		if id, _ := db.NextAssignee(ctx, o.ente.ID, desk); id != 0 {
			t.Fatalf("a desk without automatic assignment assigned %d", id)
		}
		db.SetDeskAutoAssign(ctx, admin, desk, true)
		db.SetAvailability(ctx, admin, o.giulia.ID, true, 1)
		var got []int64
		for i := 0; i < 4; i++ {
			id, err := db.NextAssignee(ctx, o.ente.ID, desk)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, id)
			if id != 0 {
				conv := o.ingest(t, o.webchat, "rr"+string(rune('a'+i)), "rr"+string(rune('a'+i)), "Domanda").ConversationID
				o.change(t, o.as(o.coord), conv, store.Change{AssigneeID: &id})
			}
		}
		m, g := o.mario.ID, o.giulia.ID
		first, second := min(m, g), max(m, g)
		want := []int64{first, second, m, m} // Giulia reaches her cap of 1
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("round robin = %v, want %v", got, want)
			}
		}
		// an operator who is not available takes nothing
		if err := db.SetAvailability(ctx, o.as(o.mario), o.mario.ID, false, 0); err != nil {
			t.Fatal(err)
		}
		if err := db.SetAvailability(ctx, o.as(o.mario), o.giulia.ID, false, 0); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Fatalf("Mario changed Giulia's availability: %v", err)
		}
		if id, _ := db.NextAssignee(ctx, o.ente.ID, desk); id != 0 {
			t.Fatalf("assigned %d with Mario away and Giulia at her cap", id)
		}
		// switched off again, the desk assigns nothing at once (its
		// setting is cached for ingest, and forgotten when it changes)
		if err := db.SetAvailability(ctx, o.as(o.mario), o.mario.ID, true, 0); err != nil {
			t.Fatal(err)
		}
		if id, _ := db.NextAssignee(ctx, o.ente.ID, desk); id != m {
			t.Fatalf("Mario available again: assigned %d, want %d", id, m)
		}
		if err := db.SetDeskAutoAssign(ctx, admin, desk, false); err != nil {
			t.Fatal(err)
		}
		if id, _ := db.NextAssignee(ctx, o.ente.ID, desk); id != 0 {
			t.Fatalf("a desk whose automatic assignment was switched off assigned %d", id)
		}
	})
}

// Two nodes on one PostgreSQL database: a node that read a desk's
// automatic assignment as off sees it on once it is told the ente's
// settings changed (Forget, as the settings service's event does), not
// only when its copy expires.
func TestDeskAutoAssignReachesOtherNode(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t, store.Postgres)
	ctx := context.Background()
	var nodes [2]*store.DB
	for i := range nodes {
		db, err := store.Open(ctx, url, "")
		if err != nil {
			t.Fatalf("open node %d: %v", i, err)
		}
		t.Cleanup(func() { db.Close() })
		testdb.Seal(db)
		nodes[i] = db
	}
	o := newOffice(t, nodes[0], "ente")
	desk := o.desks["contatti"].ID
	if id, err := nodes[1].NextAssignee(ctx, o.ente.ID, desk); err != nil || id != 0 {
		t.Fatalf("a desk assigning by hand: NextAssignee = %d, %v", id, err)
	}
	if err := nodes[0].SetDeskAutoAssign(ctx, o.as(o.admin), desk, true); err != nil {
		t.Fatal(err)
	}
	nodes[1].Forget(o.ente.ID)
	if id, err := nodes[1].NextAssignee(ctx, o.ente.ID, desk); err != nil || (id != o.mario.ID && id != o.giulia.ID) {
		t.Fatalf("after the change on the other node: NextAssignee = %d, %v; want Mario (%d) or Giulia (%d)", id, err, o.mario.ID, o.giulia.ID)
	}
}
