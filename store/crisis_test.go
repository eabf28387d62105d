package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// In a crisis the scheduled posts wait; the holding statements approved in
// advance go out, unchanged, without waiting for another approval.
func TestCrisisPausesPostsButHoldingStatements(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := useClock(db, t0)
		o := newOffice(t, db, "roma")
		acc := o.account(t, "Mastodon del Comune", true)
		desk := o.desks["campagne"].ID
		co := o.as(o.coord)

		hs := &store.HoldingStatement{Title: "Allagamenti", Text: "Stiamo seguendo la situazione con la Protezione civile. Aggiornamenti su questo canale."}
		if err := db.SaveHoldingStatement(ctx, o.as(o.mario), hs); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Errorf("an operator approved a holding statement: %v", err)
		}
		if err := db.SaveHoldingStatement(ctx, co, hs); err != nil {
			t.Fatal(err)
		}
		// A cheerful post, approved and scheduled before the crisis.
		cheer := &store.Post{DeskID: desk, ChannelID: acc.ID, Text: "Tutti alla sagra della castagna domenica!"}
		db.SavePost(ctx, o.as(o.admin), cheer)
		db.SubmitPost(ctx, o.as(o.admin), cheer.ID, false)
		if _, err := db.ApprovePost(ctx, co, cheer.ID); err != nil {
			t.Fatal(err)
		}

		if err := db.SetCrisis(ctx, o.as(o.mario), true, "allagamento"); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Errorf("an operator started a crisis: %v", err)
		}
		if err := db.SetCrisis(ctx, co, true, " "); redazione.ErrorCode(err) != redazione.EINVALID {
			t.Errorf("a crisis without a reason: %v", err)
		}
		if err := db.SetCrisis(ctx, co, true, "Esondazione del torrente, quartiere Borgo allagato"); err != nil {
			t.Fatal(err)
		}
		if c, _ := db.Crisis(ctx, o.ente.ID); c == nil || c.ByName != "Carla Coordinatrice" {
			t.Fatalf("crisis: %+v", c)
		}
		// The holding statement, unchanged, from an operator: no approval needed.
		hold := &store.Post{DeskID: desk, ChannelID: acc.ID, Text: hs.Text, HoldingID: hs.ID}
		if err := db.SavePost(ctx, o.as(o.admin), hold); err != nil {
			t.Fatal(err)
		}
		if got, err := db.SubmitPost(ctx, o.as(o.admin), hold.ID, false); err != nil || got.Status != store.PostScheduled {
			t.Fatalf("holding statement submitted: %+v, %v", got, err)
		}
		// Changed, it is an ordinary post: approval, and it waits.
		changed := &store.Post{DeskID: desk, ChannelID: acc.ID, Text: hs.Text + " Restate a casa.", HoldingID: hs.ID}
		db.SavePost(ctx, o.as(o.admin), changed)
		if got, _ := db.SubmitPost(ctx, o.as(o.admin), changed.ID, false); got.Status != store.PostPending || got.HoldingID != 0 {
			t.Errorf("a changed holding statement: %+v", got)
		}
		clk.Advance(5 * time.Minute)
		due, err := db.ClaimDuePosts(ctx, 10)
		if err != nil || len(due) != 1 || due[0].ID != hold.ID {
			t.Fatalf("due in the crisis: %+v, %v; want only the holding statement", due, err)
		}
		if err := db.SetCrisis(ctx, co, false, ""); err != nil {
			t.Fatal(err)
		}
		if err := db.SetCrisis(ctx, co, false, ""); redazione.ErrorCode(err) != redazione.ECONFLICT {
			t.Errorf("crisis off twice: %v", err)
		}
		due, _ = db.ClaimDuePosts(ctx, 10)
		if len(due) != 1 || due[0].ID != cheer.ID {
			t.Errorf("after the crisis: %+v; want the paused post", due)
		}
		es, broken, err := db.PublicationLog(ctx, co, 0)
		if err != nil || broken != 0 {
			t.Fatalf("log: broken %d, %v", broken, err)
		}
		var actions []string
		for _, e := range es {
			actions = append(actions, e.Action)
		}
		if !slices.Contains(actions, "crisis.on") || !slices.Contains(actions, "crisis.off") {
			t.Errorf("the crisis is not in the publication log: %v", actions)
		}
	})
}
