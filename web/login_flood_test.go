package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
	"github.com/redazione/redazione/web"
)

// postLogin signs in with email and password from a client of its own.
func postLogin(t *testing.T, e *env, email, password string) (int, string, string) {
	resp, err := http.PostForm(e.srv.URL+"/login", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		t.Error(err)
		return 0, "", ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Retry-After")
}

// Forty wrong passwords sent at once: the attempts are counted before the
// password is checked, so no more than MaxFailedLogins are checked, none
// signs in, and the operator's open session stays open.
func TestParallelLoginsAreCountedFirst(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		now := time.Now()
		db.SetNow(func() time.Time { return now }) // the delays do not end during the test
		u := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		b := e.login(u)
		before := web.PasswordChecks(e.app.Web)
		var wg sync.WaitGroup
		codes := make(chan int, 40)
		for range 40 {
			wg.Go(func() {
				code, _, _ := postLogin(t, e, u.Email, "sbagliata-davvero")
				codes <- code
			})
		}
		wg.Wait()
		close(codes)
		for code := range codes {
			if code != http.StatusUnauthorized && code != http.StatusTooManyRequests {
				t.Errorf("a wrong password answered %d", code)
			}
		}
		if n := web.PasswordChecks(e.app.Web) - before; n > store.MaxFailedLogins {
			t.Errorf("%d passwords checked out of 40 parallel attempts, want at most %d", n, store.MaxFailedLogins)
		}
		// The right password now waits too (for the account or, after so
		// many failures, for the address).
		if code, _, retry := postLogin(t, e, u.Email, testPassword); code != http.StatusUnauthorized && code != http.StatusTooManyRequests || retry == "" {
			t.Errorf("right password during the wait: %d, Retry-After %q", code, retry)
		}
		// The session opened before the flood is still open.
		resp, err := b.c.Get(e.srv.URL + "/inbox")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/inbox" {
			t.Errorf("after the flood the open session gets %d at %s", resp.StatusCode, resp.Request.URL.Path)
		}
	})
}

// An e-mail with no account gets the same answers, status, body and
// Retry-After, as an account's, attempt after attempt.
func TestLoginSameAnswerForUnknownAccount(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	web.ShortenHolds(e.app.Web, time.Millisecond) // the same hold for both: what is compared is the rest
	now := time.Now()
	e.db.SetNow(func() time.Time { return now })
	u := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	const nobody = "nessuno@comune-a.example.it"
	for i := range store.MaxFailedLogins + 2 {
		kc, kb, kr := postLogin(t, e, u.Email, "sbagliata-davvero")
		uc, ub, ur := postLogin(t, e, nobody, "sbagliata-davvero")
		kb = strings.ReplaceAll(kb, u.Email, "EMAIL")
		ub = strings.ReplaceAll(ub, nobody, "EMAIL")
		if kc != uc || kr != ur || kb != ub {
			t.Errorf("attempt %d: account %d (Retry-After %q), no account %d (Retry-After %q), bodies equal: %v", i+1, kc, kr, uc, ur, kb == ub)
		}
		if kc != http.StatusUnauthorized {
			t.Errorf("attempt %d: %d, want 401", i+1, kc)
		}
	}
}

// Logins beyond the password checks that can run at once wait a while for
// a place, then are answered 429 without a check, and the server keeps
// answering meanwhile.
func TestLoginFloodIsBounded(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	now := time.Now()
	e.db.SetNow(func() time.Time { return now })
	inside, release := make(chan struct{}, 100), make(chan struct{})
	web.SetCheckHook(e.app.Web, func() {
		inside <- struct{}{}
		<-release
	})
	u := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	const n = 12
	slots := web.MaxPasswordChecks(e.app.Web)
	codes := make(chan int, n)
	for range n {
		go func() {
			code, _, _ := postLogin(t, e, u.Email, "sbagliata-davvero")
			codes <- code
		}()
	}
	for range slots {
		<-inside
	}
	// With every check taken, the others are answered 429 unchecked.
	for range n - slots {
		if code := <-codes; code != http.StatusTooManyRequests {
			t.Errorf("a login beyond the checks at once: %d, want 429", code)
		}
	}
	resp, err := http.Get(e.srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz during the flood: %d", resp.StatusCode)
	}
	close(release)
	for range slots {
		if code := <-codes; code != http.StatusUnauthorized {
			t.Errorf("a checked wrong password: %d, want 401", code)
		}
	}
}

// Behind a trusted proxy each client has its own login allowance and its
// own address in the audit trail; from anywhere else X-Forwarded-For is not
// read.
func TestLoginLimitsPerForwardedAddress(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, store.SQLite)
	proxied := start(t, db, func(c *app.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	})
	direct := proxied.attach(t, db)
	web.ShortenHolds(proxied.app.Web, time.Millisecond)
	web.ShortenHolds(direct.app.Web, time.Millisecond)
	now := time.Now()
	db.SetNow(func() time.Time { return now })
	u := proxied.newUser(proxied.ente, redazione.RoleOperator, proxied.desks[0].ID)
	try := func(e *env, from string) int {
		req, _ := http.NewRequest("POST", e.srv.URL+"/login", strings.NewReader(url.Values{"email": {u.Email}, "password": {"sbagliata"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", from)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := range 30 {
		if code := try(proxied, fmt.Sprintf("203.0.113.%d", i+1)); code != http.StatusUnauthorized {
			t.Fatalf("attempt %d from its own forwarded address: %d, want 401", i+1, code)
		}
	}
	limited := false
	for i := range 30 {
		if try(direct, fmt.Sprintf("203.0.113.%d", i+1)) == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Error("without a trusted proxy, a changing X-Forwarded-For escaped the limit per address")
	}
	log, err := db.AuditLog(context.Background(), redazione.SystemActor(proxied.ente.ID), 200)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, a := range log {
		if strings.HasPrefix(a.Action, "login") {
			seen[a.Detail] = true
		}
	}
	if !seen["203.0.113.1"] || !seen["203.0.113.30"] || !seen["127.0.0.1"] {
		t.Errorf("addresses in the audit trail: %v", seen)
	}
}

// A check keeps two cores busy: one runs at once for every two cores, at
// least one, at most four.
func TestDefaultPasswordChecks(t *testing.T) {
	t.Parallel()
	for cpus, want := range map[int]int{1: 1, 2: 1, 3: 1, 4: 2, 8: 4, 64: 4} {
		if got := web.DefaultPasswordChecks(cpus); got != want {
			t.Errorf("DefaultPasswordChecks(%d) = %d, want %d", cpus, got, want)
		}
	}
}

// When every place for logins handled at once is taken, a login waits for
// one, costing no CPU, and is handled as soon as one is free; when none is
// free within a second it is answered 429 from the prepared page, its
// form unread: the account it named is not charged an attempt.
func TestLoginWaitingRoom(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	u := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	give := web.TakeLoginPlaces(e.app.Web, 0)
	type answer struct {
		code       int
		body, wait string
	}
	send := func() <-chan answer {
		ch := make(chan answer, 1)
		go func() {
			code, body, wait := postLogin(t, e, u.Email, "sbagliata-davvero")
			ch <- answer{code, body, wait}
		}()
		return ch
	}
	// No place comes: 429 after the wait, from the prepared page.
	a := <-send()
	if a.code != http.StatusTooManyRequests || a.wait == "" || !strings.Contains(a.body, "Torna alla pagina di accesso") || strings.Contains(a.body, `name="password"`) {
		t.Errorf("no place free: %d, Retry-After %q, body %q", a.code, a.wait, a.body)
	}
	if got, err := e.db.UserByEmail(context.Background(), u.Email); err != nil || got.FailedLogins != 0 {
		t.Errorf("an attempt refused in the waiting room charged the account: %+v %v", got, err)
	}
	// A place comes while it waits: it is handled.
	ch := send()
	eventually(t, "the login waits for a place", func() bool { return web.LoginsWaiting(e.app.Web) == 1 })
	give()
	if a := <-ch; a.code != http.StatusUnauthorized || !strings.Contains(a.body, `name="password"`) {
		t.Errorf("a login let in after waiting: %d, want 401 with the form", a.code)
	}
}

// An address that used up its failures is refused before its form is
// read (the account is not charged), from the prepared page, and the
// answer is held for a while, so that a client asking again as soon as
// it is answered asks a few times a second, not thousands; an account
// that must wait is answered the same way, after its wrong-password page.
func TestLoginRefusalsAreHeld(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	now := time.Now()
	e.db.SetNow(func() time.Time { return now })
	u := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	for i := range store.MaxFailedLogins {
		if code, _, _ := postLogin(t, e, u.Email, "sbagliata-davvero"); code != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d", i+1, code)
		}
	}
	begin := time.Now()
	code, body, wait := postLogin(t, e, u.Email, testPassword)
	if code != http.StatusUnauthorized || wait == "" || !strings.Contains(body, `name="password"`) {
		t.Errorf("account waiting: %d, Retry-After %q", code, wait)
	}
	if d := time.Since(begin); d < web.HoldTime {
		t.Errorf("the refusal of an account that must wait came after %s, want at least %s", d, web.HoldTime)
	}

	other := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	web.ExhaustLoginAddress(e.app.Web, "127.0.0.1")
	begin = time.Now()
	code, body, wait = postLogin(t, e, other.Email, testPassword)
	if code != http.StatusTooManyRequests || wait == "" || !strings.Contains(body, "Troppi tentativi di accesso") {
		t.Errorf("address over its failures: %d, Retry-After %q, body %q", code, wait, body)
	}
	if d := time.Since(begin); d < web.HoldTime {
		t.Errorf("the refusal of an address came after %s, want at least %s", d, web.HoldTime)
	}
	if got, err := e.db.UserByEmail(context.Background(), other.Email); err != nil || got.FailedLogins != 0 {
		t.Errorf("a refused address charged the account it named: %+v %v", got, err)
	}
}
