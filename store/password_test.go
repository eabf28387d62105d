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

// A link to set a password works once, until it expires; a new one replaces
// the old; only an administrator of the same ente makes one; using it ends
// the user's sessions. Changing one's own password keeps the current
// session only.
func TestPasswordResets(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := useClock(db, t0)
		o := newOffice(t, db, "roma")
		other := newOffice(t, db, "milano")

		_, _, err := db.CreatePasswordReset(ctx, o.as(o.coord), o.mario.ID, "h0")
		wantCode(t, err, redazione.EFORBIDDEN)
		_, _, err = db.CreatePasswordReset(ctx, other.as(other.admin), o.mario.ID, "h0")
		wantCode(t, err, redazione.ENOTFOUND)

		for _, s := range []string{"s1", "s2"} {
			if err := db.CreateSession(ctx, o.mario, s, "csrf", "", ""); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.ChangePassword(ctx, o.mario, "hash-mio", "s1"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.SessionUser(ctx, "s1"); err != nil {
			t.Error("the session that changed the password ended")
		}
		if _, _, err := db.SessionUser(ctx, "s2"); err == nil {
			t.Error("another session survived the change")
		}

		u, expires, err := db.CreatePasswordReset(ctx, o.as(o.admin), o.mario.ID, "h1")
		if err != nil || u.ID != o.mario.ID || !expires.Equal(t0.Add(store.PasswordResetTTL)) {
			t.Fatalf("CreatePasswordReset: %v, %v", err, expires)
		}
		if _, _, err := db.CreatePasswordReset(ctx, o.as(o.admin), o.mario.ID, "h2"); err != nil {
			t.Fatal(err)
		}
		_, err = db.PasswordResetUser(ctx, "h1")
		wantCode(t, err, redazione.ENOTFOUND) // replaced
		if u, err := db.PasswordResetUser(ctx, "h2"); err != nil || u.ID != o.mario.ID {
			t.Fatalf("PasswordResetUser: %v", err)
		}
		if _, err := db.ResetPassword(ctx, "h2", "hash-nuovo"); err != nil {
			t.Fatal(err)
		}
		if u, _ := db.UserByEmail(ctx, o.mario.Email); u.PasswordHash != "hash-nuovo" {
			t.Error("the hash was not stored")
		}
		if _, _, err := db.SessionUser(ctx, "s1"); err == nil {
			t.Error("a session survived the reset")
		}
		_, err = db.ResetPassword(ctx, "h2", "hash-ancora")
		wantCode(t, err, redazione.ENOTFOUND) // used

		if _, _, err := db.CreatePasswordReset(ctx, o.as(o.admin), o.mario.ID, "h3"); err != nil {
			t.Fatal(err)
		}
		clk.Advance(store.PasswordResetTTL + time.Second)
		_, err = db.ResetPassword(ctx, "h3", "hash-tardi")
		wantCode(t, err, redazione.ENOTFOUND) // expired

		acts := auditActions(t, db, o.as(o.admin))
		for _, a := range []string{"user.password.change " + o.mario.Email, "user.password.link " + o.mario.Email} {
			if !slices.Contains(acts, a) {
				t.Errorf("audit log lacks %q", a)
			}
		}
	})
}
