// Package appiotest is a fake App IO for tests: an HTTP server speaking the
// documented protocol (the subscription key header, profiles, messages and
// their status, ProblemJson errors, 429 with Retry-After).
package appiotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"unicode/utf8"
)

// Sent is a message the fake accepted.
type Sent struct {
	ID, FiscalCode, Subject, Markdown, DueDate string
}

// Server is a fake App IO. Set Profiles (codice fiscale → sender_allowed;
// a code not there has no profile) and Outcome before use.
type Server struct {
	*httptest.Server
	Key string

	mu       sync.Mutex
	profiles map[string]bool
	outcome  map[string]string // by fiscal code: the status GET answers
	throttle []string          // Retry-After values of the next 429s
	sent     []Sent
	calls    []string
}

// New starts a fake App IO that accepts key.
func New(key string) *Server {
	s := &Server{Key: key, profiles: map[string]bool{}, outcome: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/profiles", s.profile)
	mux.HandleFunc("POST /api/v1/messages", s.submit)
	mux.HandleFunc("GET /api/v1/messages/{fiscal_code}/{id}", s.message)
	s.Server = httptest.NewServer(s.guard(mux))
	return s
}

// Profile sets whether the citizen has IO and allows the service.
func (s *Server) Profile(cf string, senderAllowed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.profiles[cf] = senderAllowed
}

// Outcome sets the status IO gives the messages to cf (PROCESSED when not set).
func (s *Server) Outcome(cf, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outcome[cf] = status
}

// Throttle makes the next len(retryAfter) requests answer 429 with these
// Retry-After headers.
func (s *Server) Throttle(retryAfter ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle = append(s.throttle, retryAfter...)
}

// Sent returns the messages accepted so far.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// Calls returns "METHOD path" of every request, in order (429s included).
func (s *Server) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

func problem(w http.ResponseWriter, status int, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": title, "status": status, "detail": detail})
}

func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls = append(s.calls, r.Method+" "+r.URL.Path)
		var after string
		throttled := len(s.throttle) > 0
		if throttled {
			after, s.throttle = s.throttle[0], s.throttle[1:]
		}
		s.mu.Unlock()
		if r.Header.Get("Ocp-Apim-Subscription-Key") != s.Key {
			// What Azure API Management answers without a valid key.
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"statusCode": 401, "message": "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription."}`)
			return
		}
		if throttled {
			w.Header().Set("Retry-After", after)
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) profile(w http.ResponseWriter, r *http.Request) {
	var in struct {
		FiscalCode string `json:"fiscal_code"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || len(in.FiscalCode) != 16 {
		problem(w, http.StatusBadRequest, "Invalid GetLimitedProfileByPOSTPayload", "fiscal_code is not a valid FiscalCode")
		return
	}
	s.mu.Lock()
	allowed, ok := s.profiles[in.FiscalCode]
	s.mu.Unlock()
	if !ok {
		problem(w, http.StatusNotFound, "Profile not found", "The profile you requested was not found in the system.")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"sender_allowed": allowed, "preferred_languages": []string{"it_IT"}})
}

func (s *Server) submit(w http.ResponseWriter, r *http.Request) {
	var in struct {
		FiscalCode string `json:"fiscal_code"`
		Content    struct {
			Subject  string `json:"subject"`
			Markdown string `json:"markdown"`
			DueDate  string `json:"due_date"`
		} `json:"content"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		problem(w, http.StatusBadRequest, "Invalid NewMessage", "the body is not JSON")
		return
	}
	switch n, m := utf8.RuneCountInString(in.Content.Subject), utf8.RuneCountInString(in.Content.Markdown); {
	case len(in.FiscalCode) != 16 || strings.ToUpper(in.FiscalCode) != in.FiscalCode:
		problem(w, http.StatusBadRequest, "Invalid NewMessage", "value at [root.fiscal_code] is not a valid FiscalCode")
		return
	case n < 10 || n > 120:
		problem(w, http.StatusBadRequest, "Invalid NewMessage", "value at [root.content.subject] is not a valid [string of length >= 10 and < 120]")
		return
	case m < 80 || m > 10000:
		problem(w, http.StatusBadRequest, "Invalid NewMessage", "value at [root.content.markdown] is not a valid [string of length >= 80 and < 10000]")
		return
	}
	s.mu.Lock()
	id := fmt.Sprintf("01FAKE%020d", len(s.sent)+1)
	s.sent = append(s.sent, Sent{ID: id, FiscalCode: in.FiscalCode, Subject: in.Content.Subject, Markdown: in.Content.Markdown, DueDate: in.Content.DueDate})
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Location", "/api/v1/messages/"+in.FiscalCode+"/"+id)
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]string{"id": id})
}

func (s *Server) message(w http.ResponseWriter, r *http.Request) {
	cf, id := r.PathValue("fiscal_code"), r.PathValue("id")
	s.mu.Lock()
	var found *Sent
	for i := range s.sent {
		if s.sent[i].ID == id && s.sent[i].FiscalCode == cf {
			found = &s.sent[i]
		}
	}
	status := s.outcome[cf]
	s.mu.Unlock()
	if found == nil {
		problem(w, http.StatusNotFound, "Message not found", "The message you requested was not found in the system.")
		return
	}
	if status == "" {
		status = "PROCESSED"
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"message": map[string]any{"id": found.ID, "fiscal_code": found.FiscalCode, "time_to_live": 3600, "created_at": "2026-12-05T10:00:00.000Z",
			"content": map[string]string{"subject": found.Subject, "markdown": found.Markdown}, "sender_service_id": "01BX9NSMKVXXS5PSP2FATZM6QX"},
		"notification": map[string]string{"email": "SENT"},
		"status":       status,
	})
}
