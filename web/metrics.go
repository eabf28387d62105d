package web

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// metricsEndpoint serves /metrics on the main address only to a scraper
// that shows REDAZIONE_METRICS_TOKEN as a Bearer token (compared in
// constant time); without a token set it is not there (404), and the
// metrics are served on REDAZIONE_METRICS_ADDR, if set, instead.
func (s *Server) metricsEndpoint(w http.ResponseWriter, r *http.Request) {
	if s.Metrics == nil || s.Config.MetricsToken == "" {
		http.NotFound(w, r)
		return
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.Config.MetricsToken)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
		http.Error(w, "token mancante o errato", http.StatusUnauthorized)
		return
	}
	s.Metrics.ServeHTTP(w, r)
}

// OpenStreams counts the event streams open now, by pool: the operators'
// and the web chat's (public).
func (s *Server) OpenStreams() map[string]int {
	return map[string]int{"operators": s.operatorStreams.open(), "public": s.publicStreams.open()}
}

func (p *streamPool) open() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.total
}
