package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"golang.org/x/time/rate"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/store"
)

// signInReads is what signing in and the pages' frame read (*store.DB has it).
type signInReads interface {
	AccessDue(ctx context.Context, a redazione.Actor, today calendar.Date) (int, error)
	Crisis(ctx context.Context, enteID int64) (*store.Crisis, error)
	Ente(ctx context.Context, id int64) (*redazione.Ente, error)
	Notifications(ctx context.Context, a redazione.Actor, limit int) ([]redazione.Notification, int, error)
	Now() time.Time
	PolicyToAcknowledge(ctx context.Context, a redazione.Actor) (*store.Policy, error)
	SessionUserScope(ctx context.Context, tokenHash string) (*redazione.User, string, string, error)
	HasFactor(ctx context.Context, userID int64) (bool, error)
	MFAPolicy(ctx context.Context, enteID int64) (redazione.MFAPolicy, error)
	TokenAuth(ctx context.Context, tokenHash string) (*redazione.User, store.APIToken, error)
	UserByEmail(ctx context.Context, email string) (*redazione.User, error)
}

func (s *Server) signInDB() signInReads { return s.DB }

const sessionCookie = "redazione_session"

// session is the signed-in user of a request.
type session struct {
	User  *redazione.User
	Actor redazione.Actor
	CSRF  string
	Ente  *redazione.Ente
	// EnrolOnly: the session of a user who must enrol a second factor
	// before anything else; it reaches only that page and logout.
	EnrolOnly bool
}

type userHandler func(w http.ResponseWriter, r *http.Request, u *session)

// page starts the page data of a signed-in user.
func (s *Server) page(r *http.Request, u *session, title, nav string) *page {
	p := &page{Lang: langOf(r), Title: title, Nav: nav, User: u.User, Ente: u.Ente, CSRF: u.CSRF, EnrolOnly: u.EnrolOnly}
	if u.User.Lang == "en" {
		if _, err := r.Cookie("lang"); err != nil {
			p.Lang = "en"
		}
	}
	if _, unread, err := s.signInDB().Notifications(r.Context(), u.Actor, 0); err == nil {
		p.Unread = unread
	}
	if n, err := s.signInDB().AccessDue(r.Context(), u.Actor, s.today()); err == nil {
		p.AccessDue = n
	}
	p.Crisis, _ = s.signInDB().Crisis(r.Context(), u.Actor.EnteID)
	p.PolicyToAck, _ = s.signInDB().PolicyToAcknowledge(r.Context(), u.Actor)
	p.sla = s.slaFunc(r, u, p.Lang)
	p.Available = u.User.Available
	p.Path = r.URL.RequestURI()
	if r.Method != http.MethodGet {
		p.Path = "/inbox"
	}
	return p
}

var crossOrigin = http.NewCrossOriginProtection()

// user wraps a handler that needs a signed-in user; every POST must carry
// the session's CSRF token and come from this origin.
func (s *Server) user(h userHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, ok := s.sessionOf(r)
		if !ok {
			if r.Header.Get("HX-Request") == "true" {
				w.Header().Set("HX-Redirect", "/login")
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if u.EnrolOnly && !enrolPath(r.URL.Path) {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/me/sicurezza", http.StatusSeeOther)
				return
			}
			refuse(w, http.StatusForbidden, "Il tuo ente richiede un secondo fattore: configuralo prima di continuare.")
			return
		}
		if r.Method == http.MethodPost {
			if err := crossOrigin.Check(r); err != nil {
				refuse(w, http.StatusForbidden, "Richiesta da un'altra origine rifiutata.")
				return
			}
			if !s.parseUpload(w, r, u) {
				return
			}
			token := r.Header.Get("X-CSRF-Token")
			if token == "" {
				token = r.PostFormValue("csrf")
			}
			if subtle.ConstantTimeCompare([]byte(token), []byte(u.CSRF)) != 1 {
				refuse(w, http.StatusForbidden, "Modulo scaduto: ricarica la pagina e riprova.")
				return
			}
		}
		h(w, r, u)
	}
}

// admin wraps a handler for administrators only.
func (s *Server) admin(h userHandler) http.HandlerFunc {
	return s.user(func(w http.ResponseWriter, r *http.Request, u *session) {
		if !u.Actor.CanAdmin() {
			s.fail(w, r, s.page(r, u, "", ""), redazione.Errorf(redazione.EFORBIDDEN, "Questa pagina è riservata agli amministratori."))
			return
		}
		h(w, r, u)
	})
}

func (s *Server) sessionOf(r *http.Request) (*session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, false
	}
	u, csrf, scope, err := s.signInDB().SessionUserScope(r.Context(), auth.HashToken(c.Value))
	if err != nil {
		return nil, false
	}
	e, err := s.signInDB().Ente(r.Context(), u.EnteID)
	if err != nil {
		return nil, false
	}
	return &session{User: u, Actor: redazione.ActorOf(u), CSRF: csrf, Ente: e, EnrolOnly: scope == store.SessionScopeEnrol}, true
}

// enrolPath tells whether a session that must enrol a second factor
// first may reach path: the enrolment page and its forms, and logout.
func enrolPath(path string) bool {
	return path == "/me/sicurezza" || strings.HasPrefix(path, "/me/sicurezza/") || path == "/logout"
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.sessionOf(r); ok {
		http.Redirect(w, r, "/inbox", http.StatusSeeOther)
		return
	}
	p := &page{Lang: langOf(r)}
	p.Title = p.T("login.title")
	p.Data = s.loginData(r, safeNext(r.URL.Query().Get("next")), "")
	s.render(w, r, http.StatusOK, "login", "", p)
}

// dummyHash keeps the time of a login for an unknown e-mail the same as for a
// known one, so timing does not reveal which addresses exist. It is a hash,
// at the production cost, of a password nobody uses; written out so that no
// start spends most of a second making it.
const dummyHash = "$argon2id$v=19$m=65536,t=3,p=2$DMBr6nVr2sS8PcGo6aIFPA$MzlhTSRD8AZ6ZjJKsoqSNoSOkGRH7E6Ur9VtwD+8X58"

// login signs in with a password. Every attempt is counted as a failure
// before its password is checked, per account (in the database) and per
// client address, so parallel attempts cannot get past the count; after
// store.MaxFailedLogins failures an account waits a growing delay, answered
// like a wrong password (with a Retry-After), never a lock that anyone could
// set off and never the end of sessions already open. An e-mail with no
// account gets the same answers at the same cost. At most maxHashes checks
// run at once; a login over that waits up to loginWait for a place,
// holding no memory of a check, then is answered 429.
//
// A refused attempt (the address or the account must wait) is answered
// only after a hold of up to maxHold, costing a parked goroutine and no
// CPU: a client that asks again as soon as it is answered then asks a few
// times a second, not thousands, and the cores stay with the people
// working (docs/PERFORMANCE.md, "Flood"). An address over its allowance
// is refused before its form is read, from a prepared page.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	g := s.guard
	ip := clientIP(r)
	res, wait, ok := g.reserve(ip, time.Now())
	if !ok {
		if g.logRefusal() {
			s.Log.WarnContext(r.Context(), "login refused: too many failures from this address (further refusals within a second are not logged)", "remote", ip)
		}
		g.hold(r.Context(), wait)
		s.tooManyLogins(w, r, wait)
		return
	}
	// A flood of logins is let in a few at a time: the others wait here,
	// costing no CPU; one that waits too long is answered 429 without
	// reading its form.
	if !g.enter(r.Context()) {
		res.Cancel()
		s.tooManyLogins(w, r, 2*time.Second)
		return
	}
	hold, answer := s.passwordLogin(w, r, ip, res)
	g.leave()
	if answer != nil {
		g.hold(r.Context(), hold)
		answer()
	}
}

// passwordLogin is the part of login that runs inside the waiting room.
// It answers the request itself, or returns the answer to a refused
// attempt, to be sent (by login, out of the room) after a hold of d.
func (s *Server) passwordLogin(w http.ResponseWriter, r *http.Request, ip string, res *rate.Reservation) (d time.Duration, answer func()) {
	p := &page{Lang: langOf(r)}
	p.Title = p.T("login.title")
	if err := crossOrigin.Check(r); err != nil {
		res.Cancel()
		http.Error(w, "Richiesta da un'altra origine rifiutata.", http.StatusForbidden)
		return 0, nil
	}
	// A place among the password checks, waited for up to loginWait
	// (costing no CPU), or 429 with the form unread.
	g := s.guard
	if !g.acquire(r.Context()) {
		res.Cancel()
		s.tooManyLogins(w, r, time.Second)
		return 0, nil
	}
	defer g.release()
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	password := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	p.Data = s.loginData(r, next, email)
	failed := func(until time.Time) (time.Duration, func()) {
		d := until.Sub(s.signInDB().Now())
		return d, func() {
			if d > 0 {
				w.Header().Set("Retry-After", retryAfter(d))
			}
			p.Error = p.T("login.failed")
			s.render(w, r, http.StatusUnauthorized, "login", "", p)
		}
	}
	now := s.signInDB().Now()
	u, err := s.signInDB().UserByEmail(r.Context(), email)
	if err != nil {
		n, until := g.countUnknown(email, now)
		if until.IsZero() {
			g.check(dummyHash, password)
			until = now.Add(store.LoginDelay(n))
		}
		s.Log.InfoContext(r.Context(), "login failed: no such account", "remote", ip)
		return failed(until)
	}
	n, until, err := s.Sessions.CountAttempt(r.Context(), u, ip)
	if err != nil {
		s.fail(w, r, p, err)
		return 0, nil
	}
	if !until.IsZero() {
		return failed(until)
	}
	ok := g.check(passwordHash(u), password) && u.PasswordHash != "" && !u.Disabled
	// A right password of an ente that signs in only with its provider
	// is refused, and said so: only who knows the password learns it.
	ssoOnly := ok && !s.passwordLoginAllowed(r.Context(), u.EnteID)
	if !ok || ssoOnly {
		// A success is recorded by signedIn, once any second factor passed.
		if err := s.Sessions.RecordLogin(r.Context(), u, false, ip); err != nil {
			s.fail(w, r, p, err)
			return 0, nil
		}
		if ssoOnly {
			s.renderForm(w, r, "login", p, 0, redazione.Errorf(redazione.EFORBIDDEN, "%s", p.T("sso.password.off")))
			return 0, nil
		}
		return failed(now.Add(store.LoginDelay(n)))
	}
	res.Cancel()
	s.signedIn(w, r, u, "password", next)
	return 0, nil
}

// signedIn ends a sign-in whose first step passed (via "password" or
// "sso"), then goes to next. The second factor is decided here
// (redazione.MFAPolicy.SecondFactorStep): a user with a factor goes to
// the second-factor step, with a pending login and no session yet (the
// count of failed attempts is cleared only when the factor passes); a
// user the ente's policy requires to have one, and who has none, gets a
// session that reaches only the enrolment page; with single sign-on,
// the ente may rely on the provider's own factor. Otherwise the sign-in
// is recorded (RecordLogin, which clears the count: callers do not
// record a success themselves) and the session starts.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request, u *redazione.User, via string, next string) {
	ctx := r.Context()
	p := &page{Lang: langOf(r)}
	ip := clientIP(r)
	next = safeNext(next)
	has, err := s.signInDB().HasFactor(ctx, u.ID)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	policy, err := s.signInDB().MFAPolicy(ctx, u.EnteID)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	scope := ""
	switch policy.SecondFactorStep(u, has, via) {
	case "verify":
		token, err := s.Sessions.BeginSecondFactor(ctx, u, via, next, ip)
		if err != nil {
			s.fail(w, r, p, err)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: pendingCookie, Value: token, Path: "/login", HttpOnly: true, SameSite: http.SameSiteLaxMode,
			Secure: s.Config.SecureCookies || r.TLS != nil, MaxAge: int(store.PendingLoginTTL.Seconds())})
		http.Redirect(w, r, secondFactorPath, http.StatusSeeOther)
		return
	case "enrol":
		scope, next = store.SessionScopeEnrol, "/me/sicurezza"
	}
	if err := s.Sessions.RecordLogin(ctx, u, true, ip); err != nil {
		s.fail(w, r, p, err)
		return
	}
	s.startSession(w, r, u, scope, next)
}

// startSession opens a session for u with a scope ("" or
// store.SessionScopeEnrol), sets its cookie and goes to next.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *redazione.User, scope, next string) {
	token := auth.NewToken("")
	if err := s.Sessions.StartScoped(r.Context(), u, auth.HashToken(token), auth.NewToken(""), scope, r.UserAgent(), clientIP(r)); err != nil {
		s.fail(w, r, &page{Lang: langOf(r)}, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.Config.SecureCookies || r.TLS != nil, MaxAge: int(store.SessionTTL.Seconds())})
	s.Log.Debug("signed in", "user", u.ID, "scope", scope)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, u *session) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.Sessions.End(r.Context(), auth.HashToken(c.Value), clientIP(r))
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps a post-login redirect on this site: a path starting with
// a single "/", with no backslash or control character anywhere, raw or
// percent-encoded (some URL parsers read "/\\evil" or "/\tevil" as another
// host), that net/url reads with no scheme and no host.
func safeNext(next string) string {
	unsafe := func(s string) bool {
		return !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.ContainsFunc(s, func(r rune) bool { return r == '\\' || unicode.IsControl(r) })
	}
	if unsafe(next) {
		return "/inbox"
	}
	// Decoded too: "/%0d%0aevil" or "/%2F%2Fevil" are refused as well.
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || unsafe(u.Path) {
		return "/inbox"
	}
	return next
}

// apiUser wraps a JSON API handler authenticated by a personal token.
func (s *Server) apiUser(h userHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || token == "" {
			s.jsonError(w, r, redazione.Errorf(redazione.EUNAUTHORIZED, "manca il token: usa Authorization: Bearer TOKEN"))
			return
		}
		// Read from the database on every request, never cached: a token
		// revoked or expired is refused at once, in every process.
		u, t, err := s.signInDB().TokenAuth(r.Context(), auth.HashToken(strings.TrimSpace(token)))
		if err != nil {
			s.jsonError(w, r, redazione.Errorf(redazione.EUNAUTHORIZED, "token non valido, scaduto o revocato"))
			return
		}
		if t.ReadOnly && !readMethod(r.Method) {
			s.jsonError(w, r, redazione.Errorf(redazione.EFORBIDDEN, "questo token è di sola lettura: per modificare serve un token di lettura e scrittura"))
			return
		}
		h(w, r, &session{User: u, Actor: redazione.ActorOf(u)})
	}
}

// readMethod tells whether an API request only reads; any other needs a
// read-write token.
func readMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}
