package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// A message's sending time is taken as the platform gives it when
// plausible; one from 2001 or from 2099 is filed at its receipt, and the
// time it declared is kept beside it.
func TestImplausibleSentAtIsFiledAtReceipt(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		useClock(db, t0)
		o := newOffice(t, db, "orologi")
		for _, c := range []struct {
			name     string
			sent     time.Time
			filed    time.Time
			declared time.Time
		}{
			{"three days ago", t0.Add(-72 * time.Hour), t0.Add(-72 * time.Hour), time.Time{}},
			{"a minute ahead", t0.Add(time.Minute), t0.Add(time.Minute), time.Time{}},
			{"in 2001", time.Date(2001, 3, 3, 10, 0, 0, 0, time.UTC), t0, time.Date(2001, 3, 3, 10, 0, 0, 0, time.UTC)},
			{"in 2099", time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), t0, time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)},
			{"no time", time.Time{}, t0, time.Time{}},
		} {
			res, err := db.Ingest(ctx, o.api, redazione.Inbound{ExternalID: "s-" + c.name, ContactID: "c-" + c.name, Text: "Buongiorno", SentAt: c.sent})
			if err != nil {
				t.Fatal(err)
			}
			m, err := db.Message(ctx, o.ente.ID, res.Message.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !m.SentAt.Equal(c.filed) || !m.DeclaredSentAt.Equal(c.declared) {
				t.Errorf("%s: filed at %v, declared %v; want %v, %v", c.name, m.SentAt, m.DeclaredSentAt, c.filed, c.declared)
			}
		}
	})
}
