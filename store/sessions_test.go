package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

const firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"

// auditDetail returns the detail of the newest audit entry of action on
// target, and whether there is one.
func auditDetail(t *testing.T, db *store.DB, a redazione.Actor, action, target string) (string, bool) {
	t.Helper()
	es, err := db.AuditLog(context.Background(), a, 1000)
	if err != nil {
		t.Fatalf("AuditLog: %v", err)
	}
	for _, e := range es {
		if e.Action == action && e.Target == target {
			return e.Detail, true
		}
	}
	return "", false
}

// A user's sessions are listed with their browser, address and last use,
// the asking one marked; the last use is written at most once a minute;
// a user ends one of them or all the others, an administrator all of
// anyone's, another user none; each end is in the audit trail with the
// address it was asked from.
func TestSessionList(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := useClock(db, t0)
		o := newOffice(t, db, "roma")
		home, office, phone := auth.HashToken("casa"), auth.HashToken("ufficio"), auth.HashToken("telefono")
		for _, s := range []struct{ hash, ua, addr string }{{home, firefox, "198.51.100.7"}, {office, "curl/8.5.0", "203.0.113.9"}, {phone, "", "2001:db8::1"}} {
			if err := db.CreateSession(ctx, o.mario, s.hash, "csrf", s.ua, s.addr); err != nil {
				t.Fatal(err)
			}
			clk.Advance(time.Second)
		}
		if err := db.CreateSession(ctx, o.giulia, auth.HashToken("giulia"), "csrf", firefox, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}

		// Used 30 s later: not written; 2 minutes later: written.
		clk.Advance(30 * time.Second)
		if _, _, err := db.SessionUser(ctx, home); err != nil {
			t.Fatal(err)
		}
		ss, err := db.Sessions(ctx, o.ente.ID, o.mario.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(ss) != 3 || ss[0].Address != "2001:db8::1" || !ss[0].LastSeenAt.Equal(t0.Add(2*time.Second)) {
			t.Fatalf("sessions after a use within the minute: %+v", ss)
		}
		clk.Advance(2 * time.Minute)
		if _, _, err := db.SessionUser(ctx, home); err != nil {
			t.Fatal(err)
		}
		ss, _ = db.Sessions(ctx, o.ente.ID, o.mario.ID, home)
		if len(ss) != 3 || ss[0].UserAgent != firefox || ss[0].Address != "198.51.100.7" || !ss[0].Current || !ss[0].LastSeenAt.Equal(clk.Now()) || !ss[0].CreatedAt.Equal(t0) {
			t.Fatalf("the session just used is not first, marked current, with its browser and address: %+v", ss)
		}
		if ss[1].Current || ss[2].Current {
			t.Errorf("more than one session marked current: %+v", ss)
		}
		// The asking session comes first, whenever it was last used.
		if ss, _ := db.Sessions(ctx, o.ente.ID, o.mario.ID, office); len(ss) != 3 || !ss[0].Current || ss[0].UserAgent != "curl/8.5.0" || ss[1].UserAgent != firefox {
			t.Errorf("asked from the office, the list is %+v; want the office first, then the last used", ss)
		}

		// Giulia cannot end Mario's session; Mario ends one of his own.
		var officeID int64
		for _, s := range ss {
			if s.UserAgent == "curl/8.5.0" {
				officeID = s.ID
			}
		}
		wantCode(t, db.EndSession(ctx, o.as(o.giulia), o.mario.ID, officeID, "192.0.2.1"), redazione.ENOTFOUND)
		wantCode(t, db.EndSession(ctx, o.as(o.giulia), o.giulia.ID, officeID, "192.0.2.1"), redazione.ENOTFOUND)
		if _, err := db.EndSessions(ctx, o.as(o.giulia), o.mario.ID, "", "192.0.2.1"); err == nil {
			t.Error("an operator ended another user's sessions")
		}
		if err := db.EndSession(ctx, o.as(o.mario), o.mario.ID, officeID, "198.51.100.7"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.SessionUser(ctx, office); err == nil {
			t.Error("an ended session still signs in")
		}
		wantCode(t, db.EndSession(ctx, o.as(o.mario), o.mario.ID, officeID, "198.51.100.7"), redazione.ENOTFOUND)
		if d, ok := auditDetail(t, db, o.as(o.admin), "session.end", o.mario.Email); !ok || !strings.Contains(d, "198.51.100.7") {
			t.Errorf("session.end audit: %q %v, want the address", d, ok)
		}

		// "Esci da tutte le altre": the current one stays.
		if n, err := db.EndSessions(ctx, o.as(o.mario), o.mario.ID, home, "198.51.100.7"); err != nil || n != 1 {
			t.Fatalf("end the others: %d, %v; want 1", n, err)
		}
		if _, _, err := db.SessionUser(ctx, phone); err == nil {
			t.Error("the other session still signs in")
		}
		if _, _, err := db.SessionUser(ctx, home); err != nil {
			t.Errorf("the current session ended with the others: %v", err)
		}
		if d, ok := auditDetail(t, db, o.as(o.admin), "session.end_others", o.mario.Email); !ok || !strings.Contains(d, "sessions=1") || !strings.Contains(d, "198.51.100.7") {
			t.Errorf("session.end_others audit: %q %v", d, ok)
		}

		// An administrator ends all of them; Giulia's stay.
		if n, err := db.EndSessions(ctx, o.as(o.admin), o.mario.ID, "", "10.0.0.1"); err != nil || n != 1 {
			t.Fatalf("administrator ends all: %d, %v; want 1", n, err)
		}
		if ss, _ := db.Sessions(ctx, o.ente.ID, o.mario.ID, home); len(ss) != 0 {
			t.Errorf("sessions left after the administrator ended all: %+v", ss)
		}
		if ss, _ := db.Sessions(ctx, o.ente.ID, o.giulia.ID, ""); len(ss) != 1 {
			t.Errorf("Giulia's session ended with Mario's: %+v", ss)
		}
		if d, ok := auditDetail(t, db, o.as(o.admin), "session.end_all", o.mario.Email); !ok || !strings.Contains(d, "10.0.0.1") {
			t.Errorf("session.end_all audit: %q %v", d, ok)
		}

		// Logging out is recorded with its address too.
		if err := db.DeleteSession(ctx, auth.HashToken("giulia"), "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		if d, ok := auditDetail(t, db, o.as(o.admin), "logout", o.giulia.Email); !ok || d != "192.0.2.1" {
			t.Errorf("logout audit: %q %v", d, ok)
		}

		// An expired session is not listed.
		if err := db.CreateSession(ctx, o.paolo, auth.HashToken("paolo"), "csrf", firefox, "192.0.2.2"); err != nil {
			t.Fatal(err)
		}
		clk.Advance(store.SessionTTL + time.Second)
		if ss, _ := db.Sessions(ctx, o.ente.ID, o.paolo.ID, ""); len(ss) != 0 {
			t.Errorf("an expired session is listed: %+v", ss)
		}
	})
}

// Disabling a user, from the administration page or the command line,
// ends their sessions and revokes their API tokens at once: after being
// enabled again they must sign in and get new tokens.
func TestDisableUserEndsAccess(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "roma")
		for _, u := range []*redazione.User{o.mario, o.giulia} {
			if err := db.CreateSession(ctx, u, auth.HashToken("s-"+u.Email), "csrf", firefox, "198.51.100.7"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.CreateAPIToken(ctx, u, store.APIToken{Hash: auth.HashToken("t-" + u.Email), Name: "script"}); err != nil {
				t.Fatal(err)
			}
		}

		// The administration page: UpdateUser with disabled set.
		m := *o.mario
		m.Disabled = true
		if err := db.UpdateUserFrom(ctx, o.as(o.admin), &m, "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.TokenAuth(ctx, auth.HashToken("t-"+o.mario.Email)); err == nil {
			t.Error("a disabled user's token is accepted")
		}
		m.Disabled = false
		if err := db.UpdateUserFrom(ctx, o.as(o.admin), &m, "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.TokenAuth(ctx, auth.HashToken("t-"+o.mario.Email)); err == nil {
			t.Error("a token of a user disabled then enabled again is accepted: it should have been revoked")
		}
		if _, _, err := db.SessionUser(ctx, auth.HashToken("s-"+o.mario.Email)); err == nil {
			t.Error("a session of a user disabled then enabled again is accepted")
		}
		ts, _ := db.APITokens(ctx, o.ente.ID, o.mario.ID)
		if len(ts) != 1 || ts[0].RevokedAt.IsZero() {
			t.Errorf("the token is not listed as revoked: %+v", ts)
		}
		if d, ok := auditDetail(t, db, o.as(o.admin), "user.disable", o.mario.Email); !ok || d != "sessions=1 tokens=1 address=10.0.0.1" {
			t.Errorf("user.disable audit: %q %v", d, ok)
		}
		// Saving the disabled user again records no second disabling.
		m.Disabled = true
		db.UpdateUserFrom(ctx, o.as(o.admin), &m, "10.0.0.1")
		m.Name = "Mario R."
		db.UpdateUserFrom(ctx, o.as(o.admin), &m, "10.0.0.1")
		n := 0
		for _, a := range auditActions(t, db, o.as(o.admin)) {
			if a == "user.disable "+o.mario.Email {
				n++
			}
		}
		if n != 2 {
			t.Errorf("%d user.disable entries, want 2 (one per disabling)", n)
		}

		// The command line: DisableUser.
		wantCode(t, func() error { _, _, err := db.DisableUser(ctx, o.as(o.coord), o.giulia.ID, ""); return err }(), redazione.EFORBIDDEN)
		sessions, tokens, err := db.DisableUser(ctx, o.sys(), o.giulia.ID, "")
		if err != nil || sessions != 1 || tokens != 1 {
			t.Fatalf("DisableUser: %d sessions, %d tokens, %v; want 1, 1", sessions, tokens, err)
		}
		if u, _ := db.User(ctx, o.ente.ID, o.giulia.ID); u == nil || !u.Disabled {
			t.Errorf("Giulia is not disabled: %+v", u)
		}
		if _, _, err := db.TokenAuth(ctx, auth.HashToken("t-"+o.giulia.Email)); err == nil {
			t.Error("the token of a user disabled from the command line is accepted")
		}
		if !slices.Contains(auditActions(t, db, o.as(o.admin)), "user.disable "+o.giulia.Email) {
			t.Error("no user.disable audit entry for the command line")
		}
		wantCode(t, func() error { _, _, err := db.DisableUser(ctx, o.sys(), 999999, ""); return err }(), redazione.ENOTFOUND)

		// A token made for a user already disabled (the command line can) is
		// refused all the same: TokenAuth reads the user's state every time.
		late := auth.HashToken("t-dopo")
		if _, err := db.CreateAPIToken(ctx, o.giulia, store.APIToken{Hash: late, Name: "dopo"}); err != nil {
			t.Fatal(err)
		}
		_, _, err = db.TokenAuth(ctx, late)
		wantCode(t, err, redazione.EUNAUTHORIZED)
	})
}
