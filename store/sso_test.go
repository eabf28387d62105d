package store_test

import (
	"context"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// The single sign-on contract of the store, on both databases: only an
// administrator sets a provider; a sign-in links by e-mail once and then
// matches on issuer and subject; a user of another ente, or one that the
// same issuer vouches for in another ente, is not taken; the same issuer
// may serve two enti (Google's is shared by every Workspace).
func TestSSOSignInLinks(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b := newOffice(t, db, "alfa"), newOffice(t, db, "beta")
		p := store.SSOProvider{Issuer: "https://accounts.google.com", ClientID: "c", ClientSecret: "s", PasswordLogin: true}
		if err := db.SetSSOProvider(ctx, a.as(a.mario), p); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Errorf("an operator set the provider: %v", err)
		}
		for _, o := range []*office{a, b} {
			if err := db.SetSSOProvider(ctx, o.as(o.admin), p); err != nil {
				t.Fatal(err)
			}
		}
		pa, err := db.SSOProvider(ctx, a.ente.ID)
		if err != nil || pa.ClientSecret != "s" || pa.DisplayName() != "accounts.google.com" {
			t.Fatalf("the provider read back: %+v, %v", pa, err)
		}
		pb, _ := db.SSOProvider(ctx, b.ente.ID)

		u, err := db.SSOSignIn(ctx, pa, store.SSOIdentity{Subject: "g-1", Email: a.mario.Email, EmailVerified: true}, "192.0.2.1")
		if err != nil || u.ID != a.mario.ID || len(u.DeskIDs) == 0 {
			t.Fatalf("the first sign-in: %+v, %v", u, err)
		}
		if u, err := db.SSOSignIn(ctx, pa, store.SSOIdentity{Subject: "g-1", Email: "altro@alfa.example.it", EmailVerified: true}, "192.0.2.1"); err != nil || u.ID != a.mario.ID {
			t.Errorf("a later sign-in with another e-mail: %+v, %v", u, err)
		}
		// Beta's provider is the same issuer: Alfa's link does not count
		// there, and Alfa's user is not Beta's.
		if _, err := db.SSOSignIn(ctx, pb, store.SSOIdentity{Subject: "g-1", Email: a.mario.Email, EmailVerified: true}, "192.0.2.1"); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Errorf("Alfa's user through Beta's provider: %v", err)
		}
		if u, err := db.SSOSignIn(ctx, pb, store.SSOIdentity{Subject: "g-2", Email: b.giulia.Email, EmailVerified: true}, "192.0.2.1"); err != nil || u.ID != b.giulia.ID {
			t.Errorf("Beta's user through Beta's provider: %+v, %v", u, err)
		}
		if err := db.DeleteSSOProvider(ctx, a.as(a.admin)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SSOProvider(ctx, a.ente.ID); redazione.ErrorCode(err) != redazione.ENOTFOUND {
			t.Errorf("after sso off: %v", err)
		}
		if _, err := db.SSOProvider(ctx, b.ente.ID); err != nil {
			t.Errorf("Alfa's sso off took Beta's provider: %v", err)
		}
	})
}
