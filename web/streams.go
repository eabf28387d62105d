package web

import (
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// StreamLimits caps the server-sent event streams, each of which holds a
// connection (a file descriptor) for as long as it is open, so that a flood
// of streams from one address cannot take the server's descriptors. The
// citizens' widget streams and the operators' streams have separate pools:
// citizens cannot starve the operators. Zero fields take the defaults.
type StreamLimits struct {
	// PerAddress caps the widget streams of one client address, or of one
	// IPv6 /64 (default 20: a family or a small office behind one address).
	PerAddress int
	// Public caps the widget streams in total (default 2,000).
	Public int
	// PerUser caps one operator's streams, one per open tab (default 10).
	// Operators are counted by user, not by address: a whole town hall
	// often reaches the server from one address.
	PerUser int
	// Operators caps the operators' streams in total (default 500), a
	// reserve that no citizen's stream can take.
	Operators int
	// Idle ends a stream that has sent no event for this long (default 10
	// minutes; keep-alive pings do not count). EventSource reconnects by
	// itself, so a live page only sees a new connection.
	Idle time.Duration
}

// Default stream limits.
const (
	DefaultStreamsPerAddress = 20
	DefaultStreamsPublic     = 2000
	DefaultStreamsPerUser    = 10
	DefaultStreamsOperators  = 500
	DefaultStreamIdle        = 10 * time.Minute
)

func (l StreamLimits) withDefaults() StreamLimits {
	if l.PerAddress <= 0 {
		l.PerAddress = DefaultStreamsPerAddress
	}
	if l.Public <= 0 {
		l.Public = DefaultStreamsPublic
	}
	if l.PerUser <= 0 {
		l.PerUser = DefaultStreamsPerUser
	}
	if l.Operators <= 0 {
		l.Operators = DefaultStreamsOperators
	}
	if l.Idle <= 0 {
		l.Idle = DefaultStreamIdle
	}
	return l
}

// streamPool counts the open streams, per key and in total.
type streamPool struct {
	mu     sync.Mutex
	perKey int
	max    int
	total  int
	keys   map[string]int
	// refused counts the refusals since lastWarn, so that a flood is
	// logged once a minute, not once a request.
	refused  int
	lastWarn time.Time
}

func newStreamPool(perKey, max int) *streamPool {
	return &streamPool{perKey: perKey, max: max, keys: map[string]int{}}
}

// acquire takes a slot for key; it reports false when key or the pool is
// full. release gives the slot back, once.
func (p *streamPool) acquire(key string) (release func(), ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.total >= p.max || p.keys[key] >= p.perKey {
		return nil, false
	}
	p.total++
	p.keys[key]++
	var once sync.Once
	return func() {
		once.Do(func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.total--
			if p.keys[key]--; p.keys[key] <= 0 {
				delete(p.keys, key)
			}
		})
	}, true
}

// warn reports, at most once a minute, that streams were refused: how many
// since the last report, and how many are open.
func (p *streamPool) warn() (refused, open int, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refused++
	if time.Since(p.lastWarn) < time.Minute {
		return 0, 0, false
	}
	refused, p.refused, p.lastWarn = p.refused, 0, time.Now()
	return refused, p.total, true
}

// addressKey is the key a client address's streams are counted under: the
// address itself, or for IPv6 its /64, which one host or home holds whole.
func addressKey(ip string) string {
	a, err := netip.ParseAddr(strings.Trim(ip, "[]"))
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, _ := a.WithZone("").Prefix(64)
	return p.String()
}

// streamRetryAfter is the wait, in seconds, asked of a refused stream.
const streamRetryAfter = 30

// refuseStream answers a stream over its cap at once with 429, and closes
// the connection, so that a refused client holds no descriptor either.
func (s *Server) refuseStream(w http.ResponseWriter, p *streamPool, kind, msg string) {
	if n, open, ok := p.warn(); ok {
		s.Log.Warn("event streams refused: too many open", "kind", kind, "refused", n, "open", open)
	}
	w.Header().Set("Retry-After", strconv.Itoa(streamRetryAfter))
	w.Header().Set("Connection", "close")
	writeJSON(w, http.StatusTooManyRequests, apiError{Error: msg, Code: "too_many_streams"})
}
