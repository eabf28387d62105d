package web

// PasswordChecks is how many password checks s has run.
func PasswordChecks(s *Server) int64 { return s.guard.checks.Load() }

// SetCheckHook makes each of s's password checks call f first, inside the
// limit of checks at once. Set it before s serves.
func SetCheckHook(s *Server, f func()) { s.guard.hook = f }

// MaxPasswordChecks is how many password checks s runs at once.
func MaxPasswordChecks(s *Server) int { return cap(s.guard.hashes) }
