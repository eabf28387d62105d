package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

func TestCreateUserAndCheckPassword(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		useClock(db, t0)
		o := newOffice(t, db, "roma")
		hash, err := auth.HashPassword("correct horse battery staple")
		if err != nil {
			t.Fatal(err)
		}
		u := &redazione.User{Email: "  Sara.Gialli@Comune.Roma.IT ", Name: "Sara Gialli", Role: redazione.RoleOperator, PasswordHash: hash,
			DeskIDs: []int64{o.desks["contatti"].ID, o.desks["campagne"].ID}}
		if err := db.CreateUser(ctx, o.as(o.admin), u); err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		if u.ID == 0 || u.Email != "sara.gialli@comune.roma.it" || u.EnteID != o.ente.ID || u.Lang != "it" {
			t.Errorf("created user = %+v", u)
		}
		got, err := db.UserByEmail(ctx, "SARA.GIALLI@comune.roma.it ")
		if err != nil {
			t.Fatalf("UserByEmail with other case: %v", err)
		}
		if got.ID != u.ID || got.Role != redazione.RoleOperator || got.Name != "Sara Gialli" || got.EnteID != o.ente.ID ||
			!slices.Equal(got.DeskIDs, u.DeskIDs) || !got.CreatedAt.Equal(t0) || got.Disabled {
			t.Errorf("stored user = %+v", got)
		}
		if ok, err := auth.CheckPassword(got.PasswordHash, "correct horse battery staple"); !ok || err != nil {
			t.Errorf("right password refused (%v)", err)
		}
		if ok, _ := auth.CheckPassword(got.PasswordHash, "Correct horse battery staple"); ok {
			t.Errorf("wrong password accepted")
		}
		// The user can change their own password; the old one stops working.
		hash2, _ := auth.HashPassword("un'altra password lunga")
		if err := db.SetPassword(ctx, o.as(got), got.ID, hash2); err != nil {
			t.Fatal(err)
		}
		got, _ = db.User(ctx, o.ente.ID, u.ID)
		if ok, _ := auth.CheckPassword(got.PasswordHash, "correct horse battery staple"); ok {
			t.Errorf("old password still accepted")
		}
		if ok, _ := auth.CheckPassword(got.PasswordHash, "un'altra password lunga"); !ok {
			t.Errorf("new password refused")
		}
		wantCode(t, db.SetPassword(ctx, o.as(o.mario), u.ID, hash), redazione.EFORBIDDEN)

		// Refusals, each storing nothing.
		n := count(t, db, "users")
		wantCode(t, db.CreateUser(ctx, o.as(o.admin), &redazione.User{Email: "sara.gialli@COMUNE.roma.it", Role: redazione.RoleOperator}), redazione.ECONFLICT)
		wantCode(t, db.CreateUser(ctx, o.as(o.admin), &redazione.User{Email: "non-una-mail", Role: redazione.RoleOperator}), redazione.EINVALID)
		wantCode(t, db.CreateUser(ctx, o.as(o.admin), &redazione.User{Email: "Nome <a@b.it>", Role: redazione.RoleOperator}), redazione.EINVALID)
		wantCode(t, db.CreateUser(ctx, o.as(o.admin), &redazione.User{Email: "x@roma.it", Role: "superuser"}), redazione.EINVALID)
		wantCode(t, db.CreateUser(ctx, o.as(o.admin), &redazione.User{Email: "x@roma.it", Role: redazione.RoleOperator, DeskIDs: []int64{999999}}), redazione.EINVALID)
		for _, u := range []*redazione.User{o.coord, o.mario, o.analyst} {
			wantCode(t, db.CreateUser(ctx, o.as(u), &redazione.User{Email: "y@roma.it", Role: redazione.RoleAdmin}), redazione.EFORBIDDEN)
		}
		if m := count(t, db, "users"); m != n {
			t.Errorf("refused users stored: %d rows, want %d", m, n)
		}
	})
}

func TestRolesAndDesksCanBeChanged(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "roma")
		id := o.ingest(t, o.api, "a1", "a1", "Richiesta di intervista al sindaco").ConversationID
		if _, err := db.Conversation(ctx, o.as(o.mario), id); redazione.ErrorCode(err) != redazione.ENOTFOUND {
			t.Fatalf("Mario sees the notizie desk before joining it: %v", err)
		}
		m := *o.mario
		m.DeskIDs = []int64{o.desks["contatti"].ID, o.desks["notizie"].ID}
		m.Name = "Mario Rossi (URP)"
		if err := db.UpdateUser(ctx, o.as(o.admin), &m); err != nil {
			t.Fatal(err)
		}
		u, err := db.User(ctx, o.ente.ID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(u.DeskIDs, m.DeskIDs) || u.Name != "Mario Rossi (URP)" {
			t.Errorf("updated user = %+v", u)
		}
		if _, err := db.Conversation(ctx, o.as(u), id); err != nil {
			t.Errorf("after joining notizie Mario cannot open its conversation: %v", err)
		}
		// A coordinator sees every desk, whatever desks are listed.
		u.Role, u.DeskIDs = redazione.RoleCoordinator, nil
		if err := db.UpdateUser(ctx, o.as(o.admin), u); err != nil {
			t.Fatal(err)
		}
		u, _ = db.User(ctx, o.ente.ID, m.ID)
		if u.Role != redazione.RoleCoordinator || len(u.DeskIDs) != 0 {
			t.Errorf("promoted user = %+v", u)
		}
		wantIDs(t, "coordinator's inbox", o.list(t, o.as(u), store.InboxFilter{}), id)

		wantCode(t, db.UpdateUser(ctx, o.as(o.coord), u), redazione.EFORBIDDEN)
		bad := *u
		bad.Role = "capo"
		wantCode(t, db.UpdateUser(ctx, o.as(o.admin), &bad), redazione.EINVALID)
		// The last word on an administrator's own role is not theirs: no
		// self-demotion, no self-disabling.
		self := *o.admin
		self.Role = redazione.RoleOperator
		wantCode(t, db.UpdateUser(ctx, o.as(o.admin), &self), redazione.EINVALID)
		self.Role, self.Disabled = redazione.RoleAdmin, true
		wantCode(t, db.UpdateUser(ctx, o.as(o.admin), &self), redazione.EINVALID)
		if a, _ := db.User(ctx, o.ente.ID, o.admin.ID); a.Role != redazione.RoleAdmin || a.Disabled {
			t.Errorf("administrator after refused self-changes = %+v", a)
		}
		us, err := db.Users(ctx, o.ente.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range us {
			if x.ID == m.ID && x.Role != redazione.RoleCoordinator {
				t.Errorf("Users lists Mario as %s", x.Role)
			}
		}
	})
}

func TestLoginDelay(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]time.Duration{0: 0, 4: 0, 5: time.Second, 6: 2 * time.Second, 9: 16 * time.Second, 14: 512 * time.Second, 15: 15 * time.Minute, 1000: 15 * time.Minute} {
		if got := store.LoginDelay(n); got != want {
			t.Errorf("LoginDelay(%d) = %v, want %v", n, got, want)
		}
	}
}

// An attempt is counted before its password is checked; after five failures
// the account waits a growing delay, which a right password clears.
func TestLoginAttemptsCountedFirst(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := useClock(db, t0)
		o := newOffice(t, db, "roma")
		attempt := func() (int, time.Time) {
			t.Helper()
			u, err := db.UserByEmail(ctx, o.mario.Email)
			if err != nil {
				t.Fatal(err)
			}
			n, wait, err := db.CountLoginAttempt(ctx, u, "192.0.2.1")
			if err != nil {
				t.Fatal(err)
			}
			if wait.IsZero() {
				if err := db.RecordLogin(ctx, u, false, "192.0.2.1"); err != nil {
					t.Fatal(err)
				}
			}
			return n, wait
		}
		for i := 1; i <= store.MaxFailedLogins; i++ {
			if n, wait := attempt(); n != i || !wait.IsZero() {
				t.Fatalf("attempt %d: counted %d, wait until %v", i, n, wait)
			}
		}
		// The fifth failure makes the next attempt wait a second: it is
		// refused without being counted.
		if n, wait := attempt(); n != 0 || !wait.Equal(clk.now.Add(time.Second)) {
			t.Fatalf("attempt during the wait: counted %d, wait until %v, want until %v", n, wait, clk.now.Add(time.Second))
		}
		clk.Advance(time.Second)
		if n, wait := attempt(); n != 6 || !wait.IsZero() {
			t.Fatalf("attempt after the wait: counted %d, wait until %v", n, wait)
		}
		if _, wait := attempt(); !wait.Equal(clk.now.Add(2 * time.Second)) {
			t.Fatalf("after six failures the wait ends %v, want %v", wait, clk.now.Add(2*time.Second))
		}
		clk.Advance(2 * time.Second)
		u, _ := db.UserByEmail(ctx, o.mario.Email)
		if _, wait, err := db.CountLoginAttempt(ctx, u, "192.0.2.1"); err != nil || !wait.IsZero() {
			t.Fatalf("count: %v, wait %v", err, wait)
		}
		if err := db.RecordLogin(ctx, u, true, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		if u, _ = db.UserByEmail(ctx, o.mario.Email); u.FailedLogins != 0 || !u.LockedUntil.IsZero() && clk.now.Before(u.LockedUntil) {
			t.Fatalf("after a good login: %d failures, waiting until %v", u.FailedLogins, u.LockedUntil)
		}
		// A new password set by an administrator clears the count.
		for range store.MaxFailedLogins + 1 {
			attempt()
		}
		if err := db.SetPassword(ctx, o.as(o.admin), u.ID, "nuovo-hash"); err != nil {
			t.Fatal(err)
		}
		if u, _ = db.UserByEmail(ctx, o.mario.Email); clk.now.Before(u.LockedUntil) || u.FailedLogins != 0 {
			t.Errorf("after a password reset: waiting until %v, %d failures", u.LockedUntil, u.FailedLogins)
		}
		acts := auditActions(t, db, o.as(o.admin))
		for _, a := range []string{"login " + o.mario.Email, "login.failed " + o.mario.Email, "login.delayed " + o.mario.Email} {
			if !slices.Contains(acts, a) {
				t.Errorf("audit log lacks %q", a)
			}
		}
	})
}

func TestSessions(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := useClock(db, t0)
		o := newOffice(t, db, "roma")
		tok := auth.HashToken(auth.NewToken(""))
		if err := db.CreateSession(ctx, o.mario, tok, "csrf-mario", "", ""); err != nil {
			t.Fatal(err)
		}
		other := auth.HashToken(auth.NewToken(""))
		if err := db.CreateSession(ctx, o.giulia, other, "csrf-giulia", "", ""); err != nil {
			t.Fatal(err)
		}
		u, csrf, err := db.SessionUser(ctx, tok)
		if err != nil {
			t.Fatalf("SessionUser: %v", err)
		}
		if u.ID != o.mario.ID || u.EnteID != o.ente.ID || u.Role != redazione.RoleOperator || !slices.Equal(u.DeskIDs, o.mario.DeskIDs) || csrf != "csrf-mario" {
			t.Errorf("session user = %+v, csrf %q", u, csrf)
		}
		_, _, err = db.SessionUser(ctx, auth.HashToken("inventato"))
		wantCode(t, err, redazione.EUNAUTHORIZED)

		clk.Advance(store.SessionTTL - time.Second)
		if _, _, err := db.SessionUser(ctx, tok); err != nil {
			t.Errorf("session refused before it expires: %v", err)
		}
		clk.Advance(2 * time.Second)
		u, _, err = db.SessionUser(ctx, tok)
		wantCode(t, err, redazione.EUNAUTHORIZED)
		if u != nil {
			t.Errorf("expired session returned user %+v", u)
		}

		clk.now = t0
		if err := db.DeleteSession(ctx, other, ""); err != nil {
			t.Fatal(err)
		}
		_, _, err = db.SessionUser(ctx, other)
		wantCode(t, err, redazione.EUNAUTHORIZED)
		if _, _, err := db.SessionUser(ctx, tok); err != nil {
			t.Errorf("logging out Giulia ended Mario's session: %v", err)
		}

		// Disabling a user ends their sessions.
		m := *o.mario
		m.Disabled = true
		if err := db.UpdateUser(ctx, o.as(o.admin), &m); err != nil {
			t.Fatal(err)
		}
		_, _, err = db.SessionUser(ctx, tok)
		wantCode(t, err, redazione.EUNAUTHORIZED)
	})
}

func TestAPITokens(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "roma")
		tok := auth.HashToken(auth.NewToken("rdz_"))
		if _, err := db.CreateAPIToken(ctx, o.paolo, store.APIToken{Hash: tok, Name: "integrazione protocollo"}); err != nil {
			t.Fatal(err)
		}
		u, err := db.TokenUser(ctx, tok)
		if err != nil {
			t.Fatalf("TokenUser: %v", err)
		}
		if u.ID != o.paolo.ID || u.EnteID != o.ente.ID || !slices.Equal(u.DeskIDs, o.paolo.DeskIDs) {
			t.Errorf("token user = %+v", u)
		}
		_, err = db.TokenUser(ctx, auth.HashToken("rdz_inventato"))
		wantCode(t, err, redazione.EUNAUTHORIZED)
		if _, err := db.CreateAPIToken(ctx, o.mario, store.APIToken{Hash: tok, Name: "stesso"}); err == nil {
			t.Errorf("a second token with the same hash was accepted")
		}
		if u, _ := db.TokenUser(ctx, tok); u == nil || u.ID != o.paolo.ID {
			t.Errorf("token now belongs to %+v, want Paolo", u)
		}
		if !slices.Contains(auditActions(t, db, o.as(o.admin)), "token.create "+o.paolo.Email) {
			t.Errorf("no token.create audit entry")
		}
		p := *o.paolo
		p.Disabled = true
		if err := db.UpdateUser(ctx, o.as(o.admin), &p); err != nil {
			t.Fatal(err)
		}
		_, err = db.TokenUser(ctx, tok)
		wantCode(t, err, redazione.EUNAUTHORIZED)
	})
}

// TestAPITokenLifecycle: a token is listed, expires, is revoked; a
// revocation made through one store.DB holds at once in another opened on
// the same database (another process), and the last use is written at
// most once a minute.
func TestAPITokenLifecycle(t *testing.T) {
	t.Parallel()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			url := testdb.URL(t, d)
			open := func() *store.DB {
				db, err := store.Open(ctx, url, "")
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				testdb.Seal(db)
				return db
			}
			one, other := open(), open()
			now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
			clock := func() time.Time { return now }
			one.SetNow(clock)
			other.SetNow(clock)
			o := newOffice(t, one, "roma")
			hash := auth.HashToken(auth.NewToken("rdz_"))
			id, err := one.CreateAPIToken(ctx, o.paolo, store.APIToken{Hash: hash, Name: "protocollo", ReadOnly: true})
			if err != nil || id == 0 {
				t.Fatalf("create: %d, %v", id, err)
			}
			ts, err := other.APITokens(ctx, o.ente.ID, o.paolo.ID)
			if err != nil || len(ts) != 1 {
				t.Fatalf("tokens = %+v, %v", ts, err)
			}
			if tk := ts[0]; tk.ID != id || tk.Name != "protocollo" || !tk.ReadOnly || !tk.ExpiresAt.Equal(now.Add(store.APITokenTTL)) || !tk.LastUsedAt.IsZero() {
				t.Errorf("token = %+v", tk)
			}
			if _, tk, err := other.TokenAuth(ctx, hash); err != nil || !tk.ReadOnly || !tk.LastUsedAt.Equal(now) {
				t.Fatalf("auth: %+v, %v", tk, err)
			}
			used := now
			now = now.Add(30 * time.Second)
			other.TokenAuth(ctx, hash)
			if tk, _ := one.APIToken(ctx, id); !tk.LastUsedAt.Equal(used) {
				t.Errorf("last used %v after 30s, want %v (once a minute)", tk.LastUsedAt, used)
			}
			now = now.Add(time.Minute)
			other.TokenAuth(ctx, hash)
			if tk, _ := one.APIToken(ctx, id); !tk.LastUsedAt.Equal(now) {
				t.Errorf("last used %v, want %v", tk.LastUsedAt, now)
			}

			// Revoked through one, refused at once by the other.
			wantCode(t, one.RevokeAPIToken(ctx, o.as(o.paolo), id, o.mario.ID), redazione.ENOTFOUND)
			if err := one.RevokeAPIToken(ctx, o.as(o.paolo), id, o.paolo.ID); err != nil {
				t.Fatal(err)
			}
			_, _, err = other.TokenAuth(ctx, hash)
			wantCode(t, err, redazione.EUNAUTHORIZED)
			if !slices.Contains(auditActions(t, one, o.as(o.admin)), "token.revoke "+o.paolo.Email) {
				t.Errorf("no token.revoke audit entry")
			}

			// Expired: refused from its expiry on.
			hash2 := auth.HashToken(auth.NewToken("rdz_"))
			if _, err := one.CreateAPIToken(ctx, o.paolo, store.APIToken{Hash: hash2, ExpiresAt: now.Add(90 * 24 * time.Hour)}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := other.TokenAuth(ctx, hash2); err != nil {
				t.Fatal(err)
			}
			now = now.Add(90 * 24 * time.Hour)
			_, _, err = other.TokenAuth(ctx, hash2)
			wantCode(t, err, redazione.EUNAUTHORIZED)
		})
	}
}
