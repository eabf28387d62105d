package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// A Bluesky channel's session is kept sealed (a copy of the database does
// not post on the ente's behalf) and read back whole; the poller's cursors
// are kept and moved on.
func TestBlueskyState(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if got, err := db.BlueskySession(ctx, 41); err != nil || got != nil {
			t.Fatalf("no session yet: %q %v", got, err)
		}
		session := `{"accessJwt":"eyJ.secret-access","refreshJwt":"eyJ.secret-refresh","did":"did:plc:x"}`
		if err := db.SaveBlueskySession(ctx, 41, []byte(session)); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveBlueskySession(ctx, 41, []byte(strings.Replace(session, "secret-access", "secret-access2", 1))); err != nil {
			t.Fatal(err)
		}
		got, err := db.BlueskySession(ctx, 41)
		if err != nil || !strings.Contains(string(got), "secret-access2") {
			t.Fatalf("session %q %v", got, err)
		}
		var stored string
		if err := db.WriteDB().QueryRowContext(ctx, "SELECT value FROM bluesky_state WHERE channel_id = 41 AND name = 'session'").Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, "secret") || !strings.HasPrefix(stored, "v1:") {
			t.Fatalf("session stored in clear: %q", stored)
		}
		for _, v := range []string{"2026-12-05T10:00:00Z", "2026-12-05T11:00:00Z"} {
			if err := db.SaveBlueskyCursor(ctx, 41, "notifications", v); err != nil {
				t.Fatal(err)
			}
		}
		if v, err := db.BlueskyCursor(ctx, 41, "notifications"); err != nil || v != "2026-12-05T11:00:00Z" {
			t.Fatalf("cursor %q %v", v, err)
		}
		if v, _ := db.BlueskyCursor(ctx, 42, "notifications"); v != "" {
			t.Fatalf("another channel's cursor %q", v)
		}
	})
}
