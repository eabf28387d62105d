package web_test

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// fixedClock makes the store's clock one the test moves by hand.
type fixedClock struct{ t atomic.Pointer[time.Time] }

func newClock(db *store.DB) *fixedClock {
	c := &fixedClock{}
	c.set(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	db.SetNow(c.now)
	return c
}

func (c *fixedClock) now() time.Time      { return *c.t.Load() }
func (c *fixedClock) set(t time.Time)     { c.t.Store(&t) }
func (c *fixedClock) add(d time.Duration) { c.set(c.now().Add(d)) }
func (c *fixedClock) code(secret string, at time.Time) string {
	code, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		panic(err)
	}
	return code
}

var (
	secretRe   = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)
	recoveryRe = regexp.MustCompile(`<li><code>([a-z0-9-]+)</code></li>`)
)

// enrolTOTP sets up an authenticator app for b's user through the page,
// confirmed with the code of now; it returns the secret and the recovery
// codes shown.
func enrolTOTP(t *testing.T, b *browser, clock *fixedClock) (string, []string) {
	t.Helper()
	code, page := b.post("/me/sicurezza/totp", url.Values{})
	m := secretRe.FindStringSubmatch(page)
	if code != 200 || m == nil || !strings.Contains(page, `src="data:image/png;base64,`) {
		t.Fatalf("TOTP set-up: %d, no secret or QR code in the page", code)
	}
	if code, page := b.post("/me/sicurezza/totp/conferma", url.Values{"code": {"000000"}}); code != 400 || !strings.Contains(html.UnescapeString(page), "codice sbagliato") {
		if clock.code(m[1], clock.now()) != "000000" {
			t.Errorf("a wrong first code: %d", code)
		}
	}
	code, page = b.post("/me/sicurezza/totp/conferma", url.Values{"code": {clock.code(m[1], clock.now())}})
	var codes []string
	for _, c := range recoveryRe.FindAllStringSubmatch(page, -1) {
		codes = append(codes, c[1])
	}
	if code != 200 || !strings.Contains(page, "App di autenticazione configurata") || len(codes) != 10 {
		t.Fatalf("TOTP confirmation: %d, %d recovery codes", code, len(codes))
	}
	return m[1], codes
}

// signIn posts the password of u from a new client and returns it with
// where it landed.
func (e *env) signIn(u *redazione.User) (*browser, string) {
	e.t.Helper()
	b := &browser{e: e, c: newJarClient()}
	resp, err := b.c.PostForm(e.srv.URL+"/login", url.Values{"email": {u.Email}, "password": {testPassword}})
	if err != nil {
		e.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return b, resp.Request.URL.Path
}

// second posts a second-factor form of the pending login (path, field:
// value) and returns the status, where it landed and the page.
func (b *browser) second(path, field, value string) (int, string, string) {
	b.e.t.Helper()
	_, page := b.get("/login/secondo-fattore")
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		b.e.t.Fatalf("no form on the second-factor page:\n%s", page)
	}
	resp, err := b.c.PostForm(b.e.srv.URL+path, url.Values{"csrf": {m[1]}, field: {value}})
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Request.URL.Path, html.UnescapeString(string(body))
}

// A user enrols an authenticator app: the QR code and the secret are
// shown, a first valid code confirms it and ten recovery codes come once.
// Signing in then asks for a code after the password, with no session
// before it; a wrong code, a code already used and one too far from now
// are refused; a code one step off is taken; a recovery code works once
// and says how many are left.
func TestTOTPSignIn(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		clock := newClock(db)
		u := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		b := e.login(u)
		if code, page := b.get("/me/sicurezza"); code != 200 || !strings.Contains(page, "Configura l&#39;app di autenticazione") {
			t.Fatalf("the page: %d", code)
		}
		if _, page := b.get("/inbox"); !strings.Contains(page, `href="/me/sicurezza"`) {
			t.Error("the header does not link to Accesso e sicurezza")
		}
		t0 := clock.now()
		secret, recovery := enrolTOTP(t, b, clock)
		if _, page := b.get("/me/sicurezza"); !strings.Contains(page, "Configurata") || strings.Contains(page, "totp-secret") || strings.Contains(page, recovery[0]) {
			t.Error("after the set-up the page still shows the secret or the recovery codes")
		}
		stored, _, _, err := db.TOTPSecret(t.Context(), u.ID)
		if err != nil || stored != secret {
			t.Fatalf("stored secret: %v", err)
		}

		// The code that confirmed the set-up is spent.
		v, at := e.signIn(u)
		if at != "/login/secondo-fattore" {
			t.Fatalf("after the password: at %s, want the second-factor step", at)
		}
		if resp, err := v.c.Get(e.srv.URL + "/inbox"); err != nil || resp.Request.URL.Path != "/login" {
			t.Fatal("a session exists before the second factor")
		} else {
			resp.Body.Close()
		}
		if code, _, page := v.second("/login/secondo-fattore", "code", clock.code(secret, t0)); code != 400 || !strings.Contains(page, "già usato") {
			t.Errorf("a code used again: %d", code)
		}
		// One step late is taken (a clock a little off).
		clock.set(t0.Add(60 * time.Second))
		if code, at, _ := v.second("/login/secondo-fattore", "code", clock.code(secret, t0.Add(30*time.Second))); code != 200 || at != "/inbox" {
			t.Fatalf("a code one step late: %d at %s", code, at)
		}

		// One step early is taken; then an older one, and one two steps
		// away, are refused.
		v, _ = e.signIn(u)
		if code, _, _ := v.second("/login/secondo-fattore", "code", clock.code(secret, t0.Add(30*time.Second))); code != 400 {
			t.Errorf("a code of a step already passed: %d", code)
		}
		if code, _, _ := v.second("/login/secondo-fattore", "code", clock.code(secret, t0.Add(150*time.Second))); code != 400 {
			t.Errorf("a code two steps ahead: %d", code)
		}
		wrong := "123456"
		if wrong == clock.code(secret, t0.Add(90*time.Second)) {
			wrong = "654321"
		}
		if code, _, page := v.second("/login/secondo-fattore", "code", wrong); code != 400 || !strings.Contains(page, "codice sbagliato") {
			t.Errorf("a wrong code: %d", code)
		}
		if code, at, _ := v.second("/login/secondo-fattore", "code", clock.code(secret, t0.Add(90*time.Second))); code != 200 || at != "/inbox" {
			t.Fatalf("a code one step early: %d at %s", code, at)
		}

		// A recovery code, once.
		v, _ = e.signIn(u)
		code, at, page := v.second("/login/secondo-fattore/recupero", "recovery", strings.ToUpper(recovery[3]))
		if code != 200 || at != "/me/sicurezza" || !strings.Contains(page, "te ne restano 9") {
			t.Fatalf("a recovery code: %d at %s", code, at)
		}
		v, _ = e.signIn(u)
		if code, _, page := v.second("/login/secondo-fattore/recupero", "recovery", recovery[3]); code != 400 || !strings.Contains(page, "già usato") {
			t.Errorf("a recovery code used again: %d", code)
		}

		audit, err := db.AuditLog(t.Context(), redazione.SystemActor(e.ente.ID), 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []string{"mfa.totp.enrol", "login.first_step", "mfa.failed", "mfa.recovery.use", "login"} {
			if !auditHas(audit, a) {
				t.Errorf("no %s in the audit trail", a)
			}
		}
	})
}

// Wrong codes sent at the same moment are counted before they are
// checked, as passwords are: past the limit they wait, whatever their
// number, and the right code waits too until the delay ends.
func TestSecondFactorParallelGuesses(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, store.SQLite)
	e := start(t, db)
	clock := newClock(db)
	u := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	secret, _ := enrolTOTP(t, e.login(u), clock)
	clock.add(time.Minute)
	v, _ := e.signIn(u)
	_, page := v.get("/login/secondo-fattore")
	csrf := csrfRe.FindStringSubmatch(page)[1]
	right := clock.code(secret, clock.now())
	var wrong, waited atomic.Int32
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			guess := fmt.Sprintf("%06d", 100000+i)
			if guess == right {
				guess = "999999"
			}
			resp, err := v.c.PostForm(e.srv.URL+"/login/secondo-fattore", url.Values{"csrf": {csrf}, "code": {guess}})
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			switch resp.StatusCode {
			case http.StatusBadRequest:
				wrong.Add(1)
			case http.StatusTooManyRequests:
				waited.Add(1)
			default:
				t.Errorf("a wrong code: %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	// The password counted one attempt; four codes are checked before the
	// fifth failure sets the delay.
	if wrong.Load() > store.MaxFailedLogins-1 || waited.Load() < 12-(store.MaxFailedLogins-1) {
		t.Errorf("%d wrong codes checked, %d waited: want at most %d checked", wrong.Load(), waited.Load(), store.MaxFailedLogins-1)
	}
	if code, _, page := v.second("/login/secondo-fattore", "code", right); code != http.StatusTooManyRequests || !strings.Contains(page, "troppi tentativi") {
		t.Errorf("the right code during the delay: %d", code)
	}
	clock.add(2 * time.Second)
	if code, at, _ := v.second("/login/secondo-fattore", "code", clock.code(secret, clock.now())); code != 200 || at != "/inbox" {
		t.Errorf("the right code after the delay: %d at %s", code, at)
	}
}

// An administrator requires a second factor of administrators and
// coordinators: a coordinator without one gets, at the next sign-in, a
// session that reaches only the enrolment page, until they enrol; an
// operator signs in as before. The change is in the audit trail.
func TestPolicyForcesEnrolment(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		clock := newClock(db)
		admin := e.login(e.newUser(e.ente, redazione.RoleAdmin))
		coord := e.newUser(e.ente, redazione.RoleCoordinator, e.desks[0].ID)
		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		conv := e.ingest(e.api, "m1", "c1", "Buongiorno")

		if code, page := admin.get("/admin/sicurezza"); code != 200 || !strings.Contains(page, `value="privileged"`) {
			t.Fatalf("the policy page: %d", code)
		}
		if code, _ := admin.post("/admin/sicurezza", url.Values{"required": {"qualcuno"}}); code != 400 {
			t.Errorf("a policy that is none of the three: %d", code)
		}
		if code, page := admin.post("/admin/sicurezza", url.Values{"required": {"privileged"}}); code != 200 || !strings.Contains(page, "Politica di accesso salvata") {
			t.Fatalf("saving the policy: %d", code)
		}

		if _, at := e.signIn(op); at != "/inbox" {
			t.Errorf("an operator was stopped at %s", at)
		}
		b, at := e.signIn(coord)
		if at != "/me/sicurezza" {
			t.Fatalf("a coordinator without a factor landed at %s", at)
		}
		code, page := b.get("/me/sicurezza")
		if code != 200 || !strings.Contains(page, "richiede un secondo fattore") || strings.Contains(page, `href="/inbox">`+"Posta") {
			t.Errorf("the enrolment page: %d", code)
		}
		b.csrf = csrfRe.FindStringSubmatch(page)[1]
		if resp, err := b.c.Get(e.srv.URL + "/inbox"); err != nil || resp.Request.URL.Path != "/me/sicurezza" {
			t.Error("the inbox was reached before enrolling")
		} else {
			resp.Body.Close()
		}
		if code, _ := b.post(fmt.Sprintf("/conversations/%d/messages", conv), url.Values{"text": {"risposta"}, "kind": {"reply"}}); code != http.StatusForbidden {
			t.Errorf("a reply before enrolling: %d", code)
		}
		enrolTOTP(t, b, clock)
		if code, _ := b.get("/inbox"); code != 200 {
			t.Errorf("the inbox after enrolling: %d", code)
		}
		// The last factor stays while the policy requires one.
		if code, page := b.post("/me/sicurezza/totp/rimuovi", url.Values{}); code != 400 || !strings.Contains(html.UnescapeString(page), "richiede un secondo fattore") {
			t.Errorf("removing the last required factor: %d", code)
		}
		audit, _ := db.AuditLog(t.Context(), redazione.SystemActor(e.ente.ID), 100)
		if !auditHas(audit, "mfa.policy") {
			t.Error("no audit entry for the policy")
		}
	})
}

// An administrator resets a user's factors: the user's sessions end, they
// are told in their notifications, and they sign in with the password
// alone until they enrol again. The command line does the same.
func TestResetFactors(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		clock := newClock(db)
		admin := e.login(e.newUser(e.ente, redazione.RoleAdmin))
		u := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		b := e.login(u)
		enrolTOTP(t, b, clock)

		_, page := admin.get("/admin/users")
		action := fmt.Sprintf("/admin/users/%d/reset-factors", u.ID)
		if !strings.Contains(page, action) {
			t.Fatal("no reset button for a user with a factor")
		}
		if code, page := admin.post(action, url.Values{}); code != 200 || !strings.Contains(page, "azzerato") {
			t.Fatalf("the reset: %d", code)
		}
		if resp, err := b.c.Get(e.srv.URL + "/inbox"); err != nil || resp.Request.URL.Path != "/login" {
			t.Error("the user's session is still open")
		} else {
			resp.Body.Close()
		}
		v, at := e.signIn(u)
		if at != "/inbox" {
			t.Fatalf("after the reset the user landed at %s", at)
		}
		if _, page := v.get("/notifications"); !strings.Contains(page, "ha azzerato il tuo secondo fattore") {
			t.Error("the user was not told")
		}
		if ok, _ := db.HasFactor(t.Context(), u.ID); ok {
			t.Error("a factor is left")
		}
		audit, _ := db.AuditLog(t.Context(), redazione.SystemActor(e.ente.ID), 100)
		if !auditHas(audit, "mfa.reset") {
			t.Error("no audit entry for the reset")
		}
		if code, _ := admin.post(fmt.Sprintf("/admin/users/%d/reset-factors", u.ID+1000), url.Values{}); code != 404 {
			t.Errorf("a reset of no user: %d", code)
		}
		op := e.login(e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID))
		if code, _ := op.post(action, url.Values{}); code != http.StatusForbidden {
			t.Errorf("an operator resetting factors: %d", code)
		}
	})
}

// With SMTP set, a user whose factors were reset is told by e-mail too.
func TestResetFactorsByEmail(t *testing.T) {
	t.Parallel()
	mail := &capturedMail{}
	db := testdb.Open(t, store.SQLite)
	e := start(t, db, func(c *app.Config) { c.Mailer = mail })
	clock := newClock(db)
	u := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	enrolTOTP(t, e.login(u), clock)
	if code, _ := e.login(e.newUser(e.ente, redazione.RoleAdmin)).post(fmt.Sprintf("/admin/users/%d/reset-factors", u.ID), url.Values{}); code != 200 {
		t.Fatalf("the reset: %d", code)
	}
	mail.mu.Lock()
	defer mail.mu.Unlock()
	found := false
	for _, m := range mail.sent {
		found = found || strings.HasPrefix(m, u.Email+"|Redazione: il tuo secondo fattore è stato azzerato|")
	}
	if !found {
		t.Errorf("no e-mail to the user: %q", mail.sent)
	}
}
