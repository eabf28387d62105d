package store_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redazione/redazione/secrets"
	"github.com/redazione/redazione/store"
)

// A TOTP secret is sealed in the database; a time step is taken once,
// even by parallel requests, and never one older than the last; a
// recovery code is spent once.
func TestSecondFactorStorage(t *testing.T) {
	t.Parallel()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			u, db := openURL(t, d)
			box, _ := secrets.New("un'altra chiave di prova, lunga abbastanza")
			db.SetSealer(box)
			o := newOffice(t, db, "fattore")
			const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
			if err := db.SetTOTPSecret(ctx, o.mario, secret); err != nil {
				t.Fatal(err)
			}
			var stored string
			if err := rawDB(t, d, u).QueryRowContext(ctx, "SELECT secret FROM mfa_totp").Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(stored, secret) || !strings.HasPrefix(stored, "v1:") {
				t.Errorf("the TOTP secret is stored as %q", stored)
			}
			if ok, _ := db.HasFactor(ctx, o.mario.ID); ok {
				t.Error("an unconfirmed TOTP counts as a factor")
			}
			first, err := db.ConfirmTOTP(ctx, o.mario, 100, []string{"a", "b"})
			if err != nil || !first {
				t.Fatalf("confirm: %v %v", first, err)
			}
			if got, confirmed, last, err := db.TOTPSecret(ctx, o.mario.ID); err != nil || got != secret || !confirmed || last != 100 {
				t.Errorf("read back: %v %v %d %v", got == secret, confirmed, last, err)
			}
			var taken atomic.Int32
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if ok, err := db.UseTOTPStep(ctx, o.mario.ID, 101); err != nil {
						t.Error(err)
					} else if ok {
						taken.Add(1)
					}
				}()
			}
			wg.Wait()
			if taken.Load() != 1 {
				t.Errorf("step 101 taken %d times", taken.Load())
			}
			if ok, _ := db.UseTOTPStep(ctx, o.mario.ID, 100); ok {
				t.Error("an older step was taken")
			}
			if ok, left, _ := db.UseRecoveryCode(ctx, o.mario, "a", "192.0.2.1"); !ok || left != 1 {
				t.Errorf("a recovery code: %v, %d left", ok, left)
			}
			if ok, _, _ := db.UseRecoveryCode(ctx, o.mario, "a", "192.0.2.1"); ok {
				t.Error("a recovery code spent twice")
			}
			// Removing the last factor takes the recovery codes with it.
			if err := db.RemoveTOTP(ctx, o.mario); err != nil {
				t.Fatal(err)
			}
			if f, _ := db.Factors(ctx, o.mario.ID); f.Any() || f.RecoveryLeft != 0 {
				t.Errorf("after removing the last factor: %+v", f)
			}
		})
	}
}
