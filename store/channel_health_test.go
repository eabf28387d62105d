package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// A channel's last error stays on its health until the channel works
// again (a poll, a delivery, a message brought), and is then kept as past,
// with the time; a new error makes it current again.
func TestChannelErrorBecomesPast(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "roma")
		now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
		db.SetNow(func() time.Time { return now })
		ch := &redazione.Channel{Kind: redazione.ChannelAPI, Name: "Segnalazioni", Secret: "s"}
		if err := db.CreateChannel(ctx, o.as(o.admin), ch); err != nil {
			t.Fatal(err)
		}
		health := func() *redazione.Channel {
			t.Helper()
			c, err := db.Channel(ctx, ch.ID)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		db.ChannelWorks(ctx, ch.ID) // no error yet: nothing to mark
		if c := health(); c.LastError != "" || !c.LastErrorClearedAt.IsZero() {
			t.Fatalf("health without errors = %q %v", c.LastError, c.LastErrorClearedAt)
		}
		db.ChannelError(ctx, ch.ID, "Bot API non raggiungibile (api.telegram.org)")
		if c := health(); c.LastError != "Bot API non raggiungibile (api.telegram.org)" || !c.LastErrorAt.Equal(now) || !c.LastErrorClearedAt.IsZero() {
			t.Fatalf("after an error: %q at %v, cleared %v", c.LastError, c.LastErrorAt, c.LastErrorClearedAt)
		}
		// works again a second later (within the pause between two writes:
		// an error just recorded is cleared at once)
		now = now.Add(time.Second)
		db.ChannelWorks(ctx, ch.ID)
		c := health()
		if c.LastError == "" || !c.LastErrorClearedAt.Equal(now) || !c.LastErrorAt.Equal(now.Add(-time.Second)) {
			t.Fatalf("after working again: %q at %v, cleared %v (want %v)", c.LastError, c.LastErrorAt, c.LastErrorClearedAt, now)
		}
		// working on keeps the first time it worked again
		now = now.Add(time.Minute)
		db.ChannelWorks(ctx, ch.ID)
		if c := health(); !c.LastErrorClearedAt.Equal(now.Add(-time.Minute)) {
			t.Fatalf("cleared at %v, want the first success", c.LastErrorClearedAt)
		}
		// a new error is current again; a message brought clears it
		db.ChannelError(ctx, ch.ID, "rifiutato: 403")
		if c := health(); c.LastError != "rifiutato: 403" || !c.LastErrorClearedAt.IsZero() {
			t.Fatalf("after a second error: %q cleared %v", c.LastError, c.LastErrorClearedAt)
		}
		now = now.Add(time.Second)
		db.ChannelEvent(ctx, ch.ID)
		if c := health(); c.LastError != "rifiutato: 403" || !c.LastErrorClearedAt.Equal(now) || !c.LastEventAt.Equal(now) {
			t.Fatalf("after a message: %q cleared %v, event %v", c.LastError, c.LastErrorClearedAt, c.LastEventAt)
		}
	})
}

// A Telegram channel's polling offset is kept in the database, and may go
// down (Telegram numbers updates afresh after a week without any).
func TestTelegramOffset(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "roma")
		ch := &redazione.Channel{Kind: redazione.ChannelAPI, Name: "Bot", Secret: "s"}
		if err := db.CreateChannel(ctx, o.as(o.admin), ch); err != nil {
			t.Fatal(err)
		}
		if off, err := db.TelegramOffset(ctx, ch.ID); err != nil || off != 0 {
			t.Fatalf("first offset %d %v, want 0", off, err)
		}
		for _, want := range []int64{872345679, 872345690, 15} {
			if err := db.SaveTelegramOffset(ctx, ch.ID, want); err != nil {
				t.Fatal(err)
			}
			if off, err := db.TelegramOffset(ctx, ch.ID); err != nil || off != want {
				t.Fatalf("offset %d %v, want %d", off, err, want)
			}
		}
	})
}
