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

// The statuses a Mastodon poller asks for again are the citizens' latest in
// the channel's open public conversations: not a private message, not one
// deleted, not one of a resolved conversation, not another channel's, not
// one older than the window; newest first, within the limit.
func TestRecentPublicInbound(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "ente")
		clk := useClock(db, time.Now().UTC().Add(-48*time.Hour))
		in := func(ch *redazione.Channel, contact, id string, public bool) *redazione.Ingested {
			t.Helper()
			res, err := db.Ingest(ctx, ch, redazione.Inbound{ExternalID: id, ContactID: contact, Text: "Testo " + id, Public: public})
			if err != nil {
				t.Fatal(err)
			}
			clk.Advance(time.Minute)
			return res
		}
		in(o.api, "old", "too-old", true) // before the window
		since := clk.Now()
		clk.Advance(time.Minute)
		in(o.api, "c1", "pub-1", true)
		in(o.api, "c1", "pub-2", true)
		in(o.api, "c2", "dm-1", false)
		in(o.webchat, "c3", "other-channel", true)
		resolved := in(o.api, "c4", "resolved-1", true)
		o.change(t, o.as(o.admin), resolved.ConversationID, store.Change{Status: ptr(redazione.StatusResolved)})
		in(o.api, "c5", "deleted-1", true)
		if _, err := db.ReviseMessage(ctx, o.api, redazione.Revision{ExternalID: "deleted-1", Deleted: true}); err != nil {
			t.Fatal(err)
		}
		in(o.api, "c6", "pub-3", true)

		got, err := db.RecentPublicInbound(ctx, o.api, since, 10)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"pub-3", "pub-2", "pub-1"}; !slices.Equal(got, want) {
			t.Fatalf("rechecked %v, want %v", got, want)
		}
		if got, _ := db.RecentPublicInbound(ctx, o.api, since, 2); !slices.Equal(got, []string{"pub-3", "pub-2"}) {
			t.Errorf("limited to 2: %v", got)
		}
	})
}
