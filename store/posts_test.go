package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/secrets"
	"github.com/redazione/redazione/store"
)

func (o *office) account(t *testing.T, name string, approval bool) *redazione.Channel {
	t.Helper()
	ch := &redazione.Channel{Kind: redazione.ChannelMastodon, Name: name, DeskID: o.desks["campagne"].ID, Secret: "s-" + name,
		Settings: map[string]string{"api_base_url": "https://social.comune.example", "token": "tok"}}
	if approval {
		ch.Settings["publish_approval"] = "on"
	}
	box, err := secrets.New("chiave di prova per i test, lunga abbastanza")
	if err != nil {
		t.Fatal(err)
	}
	o.db.SetSealer(box)
	if err := o.db.CreateChannel(context.Background(), o.as(o.admin), ch); err != nil {
		t.Fatal(err)
	}
	return ch
}

func logActions(t *testing.T, db *store.DB, a redazione.Actor, post int64) []string {
	t.Helper()
	es, broken, err := db.PublicationLog(context.Background(), a, post)
	if err != nil || broken != 0 {
		t.Fatalf("publication log: broken at %d, %v", broken, err)
	}
	var out []string
	for i := len(es) - 1; i >= 0; i-- {
		out = append(out, es[i].Action)
	}
	return out
}

// A post goes out once, after the undo window, and can be taken back
// within it; every step is in the publication log, whose chain holds.
func TestPostUndoWindowAndPublish(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := useClock(db, t0)
		o := newOffice(t, db, "roma")
		acc := o.account(t, "Mastodon del Comune", false)
		writer := o.as(o.coord)
		p := &store.Post{DeskID: o.desks["campagne"].ID, ChannelID: acc.ID, Text: "Domenica la ZTL resta aperta per la festa del quartiere."}
		if err := db.SavePost(ctx, writer, p); err != nil {
			t.Fatal(err)
		}
		got, err := db.SubmitPost(ctx, writer, p.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != store.PostScheduled || !got.SendAt.Equal(t0.Add(60*time.Second)) {
			t.Fatalf("after submit: %s, sends at %v; want scheduled after the 60 s undo window", got.Status, got.SendAt)
		}
		if due, _ := db.ClaimDuePosts(ctx, 10); len(due) != 0 {
			t.Fatal("a post went out inside the undo window")
		}
		if err := db.CancelPost(ctx, writer, p.ID); err != nil {
			t.Fatal(err)
		}
		clk.Advance(2 * time.Minute)
		if due, _ := db.ClaimDuePosts(ctx, 10); len(due) != 0 {
			t.Fatal("a cancelled post went out")
		}
		q := &store.Post{DeskID: o.desks["campagne"].ID, ChannelID: acc.ID, Text: "Da lunedì nuovi orari della biblioteca."}
		if err := db.SavePost(ctx, writer, q); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SubmitPost(ctx, writer, q.ID, false); err != nil {
			t.Fatal(err)
		}
		clk.Advance(61 * time.Second)
		due, err := db.ClaimDuePosts(ctx, 10)
		if err != nil || len(due) != 1 || due[0].ID != q.ID || due[0].Status != store.PostSending {
			t.Fatalf("due: %+v, %v", due, err)
		}
		if again, _ := db.ClaimDuePosts(ctx, 10); len(again) != 0 {
			t.Fatal("a post was taken twice")
		}
		if err := db.CancelPost(ctx, writer, q.ID); redazione.ErrorCode(err) != redazione.ENOTFOUND {
			t.Errorf("a post being sent was cancelled: %v", err)
		}
		if err := db.PostSent(ctx, due[0], "109876", "https://social.comune.example/@comune/109876", nil); err != nil {
			t.Fatal(err)
		}
		pub, _ := db.Post(ctx, writer, q.ID)
		if pub.Status != store.PostPublished || pub.URL != "https://social.comune.example/@comune/109876" || pub.PublishedAt.IsZero() {
			t.Errorf("published post: %+v", pub)
		}
		if got := logActions(t, db, writer, q.ID); !slices.Equal(got, []string{"created", "submitted", "scheduled", "sending", "published"}) {
			t.Errorf("log of the post: %v", got)
		}
		if got := logActions(t, db, writer, p.ID); !slices.Equal(got, []string{"created", "submitted", "scheduled", "cancelled"}) {
			t.Errorf("log of the cancelled post: %v", got)
		}
		if err := db.SavePost(ctx, o.as(o.analyst), &store.Post{DeskID: o.desks["campagne"].ID, ChannelID: acc.ID, Text: "x"}); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Errorf("an analyst wrote a post: %v", err)
		}
		if err := db.SavePost(ctx, writer, &store.Post{DeskID: o.desks["campagne"].ID, ChannelID: o.webchat.ID, Text: "x"}); redazione.ErrorCode(err) != redazione.EINVALID {
			t.Errorf("a post for the web chat: %v", err)
		}
	})
}

// An account that asks for it, and every post in an electoral period,
// needs a second person: a coordinator or administrator who did not write
// it. Changing a post waiting for approval takes the approval back.
func TestPostApprovalAndElectoralSilence(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		useClock(db, t0)
		o := newOffice(t, db, "roma")
		acc := o.account(t, "Mastodon del Sindaco", true)
		free := o.account(t, "Mastodon della Biblioteca", false)
		desk := o.desks["contatti"].ID
		p := &store.Post{DeskID: desk, ChannelID: acc.ID, Text: "Il Comune ringrazia i volontari della protezione civile."}
		if err := db.SavePost(ctx, o.as(o.mario), p); err != nil {
			t.Fatal(err)
		}
		got, err := db.SubmitPost(ctx, o.as(o.mario), p.ID, false)
		if err != nil || got.Status != store.PostPending {
			t.Fatalf("submit to an account with approval: %+v, %v", got, err)
		}
		if _, err := db.ApprovePost(ctx, o.as(o.giulia), p.ID); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Errorf("an operator approved: %v", err)
		}
		other := *p
		other.DeskID = o.desks["notizie"].ID
		if err := db.SavePost(ctx, o.as(o.paolo), &other); redazione.ErrorCode(err) != redazione.ENOTFOUND {
			t.Errorf("an operator of another desk changed the post: %v", err)
		}
		// Changed while waiting: back to draft.
		p.Text = "Il Comune ringrazia di cuore i volontari della protezione civile."
		if err := db.SavePost(ctx, o.as(o.mario), p); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ApprovePost(ctx, o.as(o.coord), p.ID); redazione.ErrorCode(err) != redazione.ECONFLICT {
			t.Errorf("a changed post was approved without being submitted again: %v", err)
		}
		if _, err := db.SubmitPost(ctx, o.as(o.mario), p.ID, false); err != nil {
			t.Fatal(err)
		}
		ok, err := db.ApprovePost(ctx, o.as(o.coord), p.ID)
		if err != nil || ok.Status != store.PostScheduled || ok.ApprovedBy != o.coord.ID {
			t.Fatalf("approval: %+v, %v", ok, err)
		}
		own := &store.Post{DeskID: desk, ChannelID: acc.ID, Text: "Avviso della coordinatrice"}
		db.SavePost(ctx, o.as(o.coord), own)
		db.SubmitPost(ctx, o.as(o.coord), own.ID, false)
		if _, err := db.ApprovePost(ctx, o.as(o.coord), own.ID); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Errorf("the author approved their own post: %v", err)
		}

		// An electoral period from today: a post is blocked, unless it says
		// why it is impersonal and indispensable; then it needs approval.
		if err := db.AddElectoralPeriod(ctx, o.as(o.coord), "Comunali", "2025-03-01", "2025-04-30"); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Errorf("a coordinator added an electoral period: %v", err)
		}
		if err := db.AddElectoralPeriod(ctx, o.as(o.admin), "Elezioni comunali 2025", "2025-03-01", "2025-04-30"); err != nil {
			t.Fatal(err)
		}
		e := &store.Post{DeskID: desk, ChannelID: free.ID, Text: "Inaugurato il nuovo parco giochi!"}
		db.SavePost(ctx, o.as(o.mario), e)
		_, err = db.SubmitPost(ctx, o.as(o.mario), e.ID, true)
		var ec *store.ErrChecks
		if !errors.As(err, &ec) || !ec.Blocked {
			t.Fatalf("a post in the electoral period: %v", err)
		}
		e.Text = "Allerta meteo arancione: domani scuole chiuse."
		e.Justification = "Informazione di protezione civile, indispensabile e impersonale"
		if err := db.SavePost(ctx, o.as(o.mario), e); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SubmitPost(ctx, o.as(o.mario), e.ID, false); !errors.As(err, &ec) || ec.Blocked {
			t.Fatalf("the justified post's warning must be confirmed: %v", err)
		}
		got, err = db.SubmitPost(ctx, o.as(o.mario), e.ID, true)
		if err != nil || got.Status != store.PostPending {
			t.Fatalf("a justified post in the electoral period: %+v, %v", got, err)
		}

		// The blocklist stops a post.
		if err := db.SavePublishingSettings(ctx, o.as(o.admin), []string{"sindaco uscente"}, 30); err != nil {
			t.Fatal(err)
		}
		b := &store.Post{DeskID: desk, ChannelID: free.ID, Text: "Il sindaco uscente ringrazia", Justification: "x"}
		db.SavePost(ctx, o.as(o.mario), b)
		if _, err := db.SubmitPost(ctx, o.as(o.mario), b.ID, true); !errors.As(err, &ec) || !ec.Blocked {
			t.Errorf("a blocklisted phrase went through: %v", err)
		}
		if err := db.SavePublishingSettings(ctx, o.as(o.admin), nil, 5); redazione.ErrorCode(err) != redazione.EINVALID {
			t.Errorf("a 5-second undo window: %v", err)
		}
	})
}
