package web

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/store"
)

// Limits of password sign-in. A password check (argon2id) costs 64 MiB and
// most of a second: at most maxHashes run at once and a login over that is
// answered 429 at once, so a flood of logins costs bounded memory. Each
// client address may fail addressBurst times, then once every addressEvery.
const (
	maxHashes    = 4
	addressBurst = 20
	addressEvery = 6 * time.Second
	guardedKeys  = 10_000
)

// loginGuard holds what limits password sign-in in this process: the
// semaphore of password checks, the failures per client address and the
// failures per e-mail address that has no account (an account's own count
// is in the database, taken before its password is checked).
type loginGuard struct {
	hashes  chan struct{}
	addrs   *lru[*rate.Limiter]
	unknown *lru[*unknownAccount]
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

func newLoginGuard() *loginGuard {
	return &loginGuard{hashes: make(chan struct{}, maxHashes), addrs: newLRU[*rate.Limiter](guardedKeys), unknown: newLRU[*unknownAccount](guardedKeys)}
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

// acquire takes a place among the password checks, or reports none is free.
func (g *loginGuard) acquire() bool {
	select {
	case g.hashes <- struct{}{}:
		return true
	default:
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

// retryAfter is the value of a Retry-After header for a wait of d.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(int(max(1, (d+time.Second-1)/time.Second)))
}
