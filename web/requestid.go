package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/netip"
	"time"
)

// RequestIDHeader carries each request's id: in every answer, and from a
// trusted reverse proxy that set one.
const RequestIDHeader = "X-Request-Id"

type requestIDKey struct{}

// RequestID is the id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// requestID gives each request an id, answers it in X-Request-Id, and logs
// the request when it ends with the id, so that a user's "Errore interno"
// at 10:32 and the log's lines meet. A proxy's id is kept only when the
// proxy is trusted (REDAZIONE_TRUSTED_PROXIES): anyone else could write
// another request's id into the log.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := ""
		if v := r.Header.Get(RequestIDHeader); v != "" && validRequestID(v) && s.fromTrustedProxy(r) {
			id = v
		} else {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		rec := &statusRecorder{ResponseWriter: w}
		ctx := context.WithValue(r.Context(), requestIDKey{}, id)
		next.ServeHTTP(rec, r.WithContext(ctx))
		level := slog.LevelInfo
		if r.URL.Path == "/healthz" || r.URL.Path == "/metrics" {
			level = slog.LevelDebug // a probe every few seconds
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		s.Log.Log(ctx, level, "request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"bytes", rec.bytes, "duration", time.Since(start), "remote", clientIP(r))
	})
}

func (s *Server) fromTrustedProxy(r *http.Request) bool {
	a, err := netip.ParseAddr(remoteHost(r.RemoteAddr))
	return err == nil && s.trusted(a.Unmap())
}

// validRequestID accepts what proxies write (a UUID, a hex or base64 id):
// short, printable, no spaces, so that it cannot forge a log line.
func validRequestID(v string) bool {
	if len(v) > 128 {
		return false
	}
	for _, c := range []byte(v) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == ':', c == '+', c == '/', c == '=':
		default:
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// statusRecorder keeps the status and size of an answer for the log; the
// http.ResponseController of SSE and uploads reaches the writer beneath
// through Unwrap.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush passes a flush on (code that asserts http.Flusher).
func (w *statusRecorder) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// LogHandler adds to each log record made with a request's context (the
// Log.InfoContext(r.Context(), …) family) the request's id, as request_id.
func LogHandler(h slog.Handler) slog.Handler { return requestIDHandler{h} }

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
