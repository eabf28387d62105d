package web

import (
	"context"
	"html"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/store"
)

// Limits of password sign-in. A password check (argon2id) costs 64 MiB and
// keeps two cores busy for a tenth of a second or more: at most
// DefaultPasswordChecks(cpus) run at once (Config.PasswordChecks overrides it) and
// a login over that waits (among the loginsAtOnce handled at once, holding
// no check's memory) up to loginWait, then is answered 429, so a flood of
// logins costs bounded memory and leaves the cores to the people working. Each client
// address may fail addressBurst times, then once every addressEvery.
const (
	maxHashes = 4
	// loginsAtOnce logins are handled at once; the others wait up to
	// loginWait for their turn.
	loginsAtOnce = 16
	loginWait    = time.Second
	addressBurst = 20
	addressEvery = 6 * time.Second
	guardedKeys  = 10_000
	// A refused attempt is answered after at most maxHold; at most
	// maxHeld answers are held at once (a parked goroutine and its
	// connection's buffers, some 20 KB each), the others go at once.
	maxHold = time.Second
	maxHeld = 2048
)

// loginGuard holds what limits password sign-in in this process: the
// semaphore of password checks, the failures per client address and the
// failures per e-mail address that has no account (an account's own count
// is in the database, taken before its password is checked).
type loginGuard struct {
	hashes  chan struct{}
	handled chan struct{}
	addrs   *lru[*rate.Limiter]
	unknown *lru[*unknownAccount]
	held    chan struct{}
	// maxHold is the longest a refusal is held (maxHold; tests shorten it).
	maxHold time.Duration
	// waiting counts the logins waiting for a place (tests read it).
	waiting atomic.Int64
	// logged limits the log lines of refused addresses to one a second.
	logged *rate.Limiter
	// checks counts the password checks run (tests read it).
	checks atomic.Int64
	// hook, when set (tests), runs inside the semaphore before each check.
	hook func()
}

// unknownAccount counts the failures for an e-mail with no account as the
// database counts them for an account, so that the answers are the same.
type unknownAccount struct {
	mu     sync.Mutex
	failed int
	until  time.Time
}

// DefaultPasswordChecks is how many password checks run at once by default on a
// machine with cpus cores: one for every two cores (each check takes two),
// at least one and at most maxHashes. On two cores a flood of logins then
// keeps one check running and the inbox answers in its p95 target
// (docs/PERFORMANCE.md, "Flood").
func DefaultPasswordChecks(cpus int) int {
	return min(maxHashes, max(1, cpus/2))
}

func newLoginGuard(slots int) *loginGuard {
	if slots <= 0 {
		slots = DefaultPasswordChecks(runtime.GOMAXPROCS(0))
	}
	return &loginGuard{hashes: make(chan struct{}, slots), handled: make(chan struct{}, loginsAtOnce), addrs: newLRU[*rate.Limiter](guardedKeys), unknown: newLRU[*unknownAccount](guardedKeys),
		held: make(chan struct{}, maxHeld), maxHold: maxHold, logged: rate.NewLimiter(1, 1)}
}

// reserve takes, before a check, one failure from the address's allowance;
// it returns false and the wait if the address has none left. Cancel the
// reservation when the attempt turns out not to be a failure.
func (g *loginGuard) reserve(addr string, now time.Time) (*rate.Reservation, time.Duration, bool) {
	l := g.addrs.get(addr, func() *rate.Limiter { return rate.NewLimiter(rate.Every(addressEvery), addressBurst) })
	res := l.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return nil, d, false
	}
	return res, 0, true
}

// enter waits, up to loginWait, for a turn among the logins handled at
// once; it reports false when none came.
func (g *loginGuard) enter(ctx context.Context) bool {
	return wait(ctx, g.handled, &g.waiting)
}

func (g *loginGuard) leave() { <-g.handled }

// acquire takes a place among the password checks, waiting up to
// loginWait for one; it reports false when none came.
func (g *loginGuard) acquire(ctx context.Context) bool {
	return wait(ctx, g.hashes, nil)
}

// wait puts a token in places, at once or within loginWait, counting
// the wait in waiting when it is not nil.
func wait(ctx context.Context, places chan struct{}, waiting *atomic.Int64) bool {
	select {
	case places <- struct{}{}:
		return true
	default:
	}
	if waiting != nil {
		waiting.Add(1)
		defer waiting.Add(-1)
	}
	t := time.NewTimer(loginWait)
	defer t.Stop()
	select {
	case places <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

func (g *loginGuard) release() { <-g.hashes }

// check runs one password check.
func (g *loginGuard) check(hash, password string) bool {
	if g.hook != nil {
		g.hook()
	}
	g.checks.Add(1)
	ok, _ := auth.CheckPassword(hash, password)
	return ok
}

// countUnknown counts an attempt for an e-mail with no account, as
// store.DB.CountLoginAttempt counts one for an account.
func (g *loginGuard) countUnknown(email string, now time.Time) (failed int, wait time.Time) {
	a := g.unknown.get(email, func() *unknownAccount { return &unknownAccount{} })
	a.mu.Lock()
	defer a.mu.Unlock()
	if now.Before(a.until) {
		return 0, a.until
	}
	a.failed++
	if d := store.LoginDelay(a.failed); d > 0 {
		a.until = now.Add(d)
	}
	return a.failed, time.Time{}
}

// hold waits min(d, g.maxHold) before a refusal is answered, unless the
// request ends first or maxHeld answers are already held.
func (g *loginGuard) hold(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	select {
	case g.held <- struct{}{}:
	default:
		return
	}
	defer func() { <-g.held }()
	t := time.NewTimer(min(d, g.maxHold))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// logRefusal reports whether a refused address may be logged now.
func (g *loginGuard) logRefusal() bool { return g.logged.Allow() }

// tooManyLogins answers 429 from a page prepared once per language,
// reading nothing of the request but its language cookie.
func (s *Server) tooManyLogins(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	h := w.Header()
	h.Set("Retry-After", retryAfter(wait))
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusTooManyRequests)
	w.Write(busyPages()[langOf(r)])
}

var busyPages = sync.OnceValue(func() map[string][]byte {
	pages := map[string][]byte{}
	for _, lang := range []string{"it", "en"} {
		t := func(k string) string { return html.EscapeString(translate(lang, k)) }
		pages[lang] = []byte(`<!doctype html>
<html lang="` + lang + `"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>` + t("login.busy.title") + ` · Redazione</title></head>
<body><main><h1>` + t("login.busy.title") + `</h1><p>` + t("login.busy") + `</p>
<p><a href="/login">` + t("login.busy.back") + `</a></p></main></body></html>
`)
	}
	return pages
})

// retryAfter is the value of a Retry-After header for a wait of d.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(int(max(1, (d+time.Second-1)/time.Second)))
}
