package web

import "time"

// PasswordChecks is how many password checks s has run.
func PasswordChecks(s *Server) int64 { return s.guard.checks.Load() }

// SetCheckHook makes each of s's password checks call f first, inside the
// limit of checks at once. Set it before s serves.
func SetCheckHook(s *Server, f func()) { s.guard.hook = f }

// MaxPasswordChecks is how many password checks s runs at once.
func MaxPasswordChecks(s *Server) int { return cap(s.guard.hashes) }

// TakeLoginPlaces takes n of s's places for logins handled at once (all of
// them when n is 0) and returns what gives them back.
func TakeLoginPlaces(s *Server, n int) func() {
	if n == 0 {
		n = cap(s.guard.handled)
	}
	for range n {
		s.guard.handled <- struct{}{}
	}
	return func() {
		for range n {
			<-s.guard.handled
		}
	}
}

// ExhaustLoginAddress uses up the failures addr may have before it waits.
func ExhaustLoginAddress(s *Server, addr string) {
	for {
		if _, _, ok := s.guard.reserve(addr, time.Now()); !ok {
			return
		}
	}
}

// HoldTime is the longest a refused login's answer is held.
const HoldTime = maxHold

// LoginsWaiting is how many logins wait for a place.
func LoginsWaiting(s *Server) int64 { return s.guard.waiting.Load() }

// ShortenHolds makes s hold refused logins at most d (tests of what the
// limits count, not of the hold). Set it before s serves.
func ShortenHolds(s *Server, d time.Duration) { s.guard.maxHold = d }
