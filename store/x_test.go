package store_test

import (
	"context"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// An X channel's renewed tokens are merged into its sealed settings only
// while the refresh token spent is still the stored one: a renewal that
// lost the race changes nothing. The mentions' cursor survives.
func TestXTokensAndCursor(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "xcomune")
		ch := &redazione.Channel{Kind: redazione.ChannelX, Name: "@Comune", Secret: auth.NewToken(""),
			Settings: map[string]string{"client_id": "C", "client_secret": "S", "refresh_token": "R1", "access_token": "A1", "user_id": "42"}}
		if err := db.CreateChannel(ctx, o.sys(), ch); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveChannelTokens(ctx, ch.ID, "R1", map[string]string{"access_token": "A2", "refresh_token": "R2"}); err != nil {
			t.Fatal(err)
		}
		// A second process renewing with the spent R1 is refused.
		err := db.SaveChannelTokens(ctx, ch.ID, "R1", map[string]string{"access_token": "A3", "refresh_token": "R3"})
		if redazione.ErrorCode(err) != redazione.ECONFLICT {
			t.Fatalf("a renewal with a spent refresh token: %v", err)
		}
		got, err := db.Channel(ctx, ch.ID)
		if err != nil || got.Settings["access_token"] != "A2" || got.Settings["refresh_token"] != "R2" || got.Settings["client_secret"] != "S" || got.Settings["user_id"] != "42" {
			t.Fatalf("settings after renewal: %v %v", got.Settings, err)
		}
		if cached, _ := db.CachedChannel(ctx, ch.ID); cached.Settings["refresh_token"] != "R2" {
			t.Error("the cached channel keeps the spent refresh token")
		}
		if err := db.SaveChannelTokens(ctx, 999999, "", nil); redazione.ErrorCode(err) != redazione.ENOTFOUND {
			t.Errorf("an unknown channel: %v", err)
		}

		if id, err := db.XSinceID(ctx, ch.ID); id != "" || err != nil {
			t.Fatalf("cursor at first: %q %v", id, err)
		}
		db.SaveXSinceID(ctx, ch.ID, "1460323737035677699")
		db.SaveXSinceID(ctx, ch.ID, "1460323737035677710")
		if id, err := db.XSinceID(ctx, ch.ID); id != "1460323737035677710" || err != nil {
			t.Fatalf("cursor: %q %v", id, err)
		}
	})
}
