// Package xtest is a fake X API v2 for tests: an HTTP server speaking the
// documented protocol (docs.x.com): the OAuth 2.0 authorize page, which
// approves (or denies) at once and sends the browser back, and the token
// endpoint (authorization_code with the PKCE verifier checked against its
// S256 challenge, single-use codes that expire; refresh_token with
// rotation: a refresh token serves once); GET /2/users/me, POST /2/tweets
// (refusing duplicate content with 403), GET /2/users/:id/tweets, the
// media upload and metadata, the mentions with since_id and
// pagination_token, 429 with x-rate-limit-reset, 401 for a token it does
// not know.
package xtest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Post is a post the fake accepted.
type Post struct {
	ID, Text, ReplyTo string
	Media             []string // the media ids, in order
}

// Media is an uploaded image.
type Media struct {
	ID, Category, ContentType, Alt string
	Size                           int
}

// Mention is a post of someone else naming the account.
type Mention struct {
	ID, Text, AuthorID, AuthorName, AuthorUsername string
	At                                             time.Time
}

type grant struct {
	challenge, redirect string
	expires             time.Time
}

// Server is a fake X. ClientID and ClientSecret are the app's; UserID and
// Username the account that signs in.
type Server struct {
	*httptest.Server
	ClientID, ClientSecret string
	UserID, Username, Name string

	mu       sync.Mutex
	deny     bool
	codes    map[string]grant
	access   map[string]time.Time // access token → expiry
	refresh  map[string]bool      // refresh token → still valid
	posts    []Post
	media    map[string]*Media
	mentions []Mention
	limited  int   // how many of the next requests answer 429
	reset    int64 // their x-rate-limit-reset
	n        int
	calls    []string
	codeTTL  time.Duration
}

// New starts a fake X for the app clientID/clientSecret.
func New(clientID, clientSecret string) *Server {
	s := &Server{ClientID: clientID, ClientSecret: clientSecret, UserID: "2244994945", Username: "ComuneEsempio", Name: "Comune di Esempio",
		codes: map[string]grant{}, access: map[string]time.Time{}, refresh: map[string]bool{}, media: map[string]*Media{}, codeTTL: 30 * time.Second}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /i/oauth2/authorize", s.authorize)
	mux.HandleFunc("POST /2/oauth2/token", s.token)
	mux.HandleFunc("GET /2/users/me", s.bearer(s.me))
	mux.HandleFunc("POST /2/tweets", s.bearer(s.tweet))
	mux.HandleFunc("GET /2/users/{id}/tweets", s.bearer(s.timeline))
	mux.HandleFunc("GET /2/users/{id}/mentions", s.bearer(s.mentionsOf))
	mux.HandleFunc("POST /2/media/upload", s.bearer(s.upload))
	mux.HandleFunc("POST /2/media/metadata", s.bearer(s.metadata))
	s.Server = httptest.NewServer(s.record(mux))
	return s
}

// Deny makes the authorize page refuse (the user pressed "Cancel").
func (s *Server) Deny(deny bool) { s.mu.Lock(); s.deny = deny; s.mu.Unlock() }

// CodeTTL sets how long an authorization code stays valid (30 s by default).
func (s *Server) CodeTTL(d time.Duration) { s.mu.Lock(); s.codeTTL = d; s.mu.Unlock() }

// RateLimit makes the next n API requests answer 429, with x-rate-limit-reset at reset.
func (s *Server) RateLimit(n int, reset time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limited, s.reset = n, reset.Unix()
}

// ExpireAccess makes every access token given so far unknown: the next call
// with one answers 401 (a revoked or expired token).
func (s *Server) ExpireAccess() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.access = map[string]time.Time{}
}

// Mention adds a post naming the account; its id is the next one.
func (s *Server) Mention(authorID, name, username, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextID()
	s.mentions = append(s.mentions, Mention{ID: id, Text: text, AuthorID: authorID, AuthorName: name, AuthorUsername: username, At: time.Now().UTC()})
	return id
}

// Posts returns what was posted, in order.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Post(nil), s.posts...)
}

// Uploaded returns a media by id (nil when unknown).
func (s *Server) Uploaded(id string) *Media {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.media[id]; ok {
		c := *m
		return &c
	}
	return nil
}

// Calls returns "METHOD /path?query" of every request, in order.
func (s *Server) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

// ValidRefreshTokens counts the refresh tokens still usable.
func (s *Server) ValidRefreshTokens() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ok := range s.refresh {
		if ok {
			n++
		}
	}
	return n
}

// nextID makes snowflake-like ids, increasing.
func (s *Server) nextID() string {
	s.n++
	return strconv.FormatInt(1460323737035677698+int64(s.n), 10)
}

func (s *Server) record(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls = append(s.calls, r.Method+" "+r.URL.RequestURI())
		limited := s.limited > 0 && strings.HasPrefix(r.URL.Path, "/2/") && r.URL.Path != "/2/oauth2/token"
		if limited {
			s.limited--
		}
		reset := s.reset
		s.mu.Unlock()
		if limited {
			// docs.x.com, rate limits: the window's limit, what is left and
			// when it resets (epoch seconds).
			w.Header().Set("x-rate-limit-limit", "100")
			w.Header().Set("x-rate-limit-remaining", "0")
			w.Header().Set("x-rate-limit-reset", strconv.FormatInt(reset, 10))
			problem(w, http.StatusTooManyRequests, "Too Many Requests", "Too Many Requests")
			return
		}
		h.ServeHTTP(w, r)
	})
}

func problem(w http.ResponseWriter, status int, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"title": title, "detail": detail, "type": "about:blank", "status": status})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if q.Get("client_id") != s.ClientID || err != nil || redirect.Host == "" {
		http.Error(w, "Something went wrong: you weren't able to give access to the App.", http.StatusBadRequest)
		return
	}
	back := redirect.Query()
	back.Set("state", q.Get("state"))
	s.mu.Lock()
	deny := s.deny
	scopes := strings.Fields(q.Get("scope"))
	if deny {
		back.Set("error", "access_denied")
	} else if q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || len(scopes) == 0 {
		back.Set("error", "invalid_request")
	} else {
		code := "code-" + s.nextID()
		s.codes[code] = grant{challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri"), expires: time.Now().Add(s.codeTTL)}
		back.Set("code", code)
	}
	s.mu.Unlock()
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok || id != s.ClientID || secret != s.ClientSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized_client", "error_description": "Missing valid authorization header"})
		return
	}
	r.ParseForm()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		code := r.PostForm.Get("code")
		g, ok := s.codes[code]
		delete(s.codes, code) // a code serves once
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !ok || time.Now().After(g.expires) || g.redirect != r.PostForm.Get("redirect_uri") ||
			base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "Value passed for the authorization code was invalid."})
			return
		}
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		if !s.refresh[rt] {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "Value passed for the token was invalid."})
			return
		}
		s.refresh[rt] = false // rotated: the old one is spent
	default:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	access, refresh := "access-"+s.nextID(), "refresh-"+s.nextID()
	s.access[access] = time.Now().Add(2 * time.Hour)
	s.refresh[refresh] = true
	writeJSON(w, http.StatusOK, map[string]any{"token_type": "bearer", "expires_in": 7200, "access_token": access,
		"scope": "tweet.read tweet.write users.read offline.access media.write", "refresh_token": refresh})
}

func (s *Server) bearer(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		exp, ok := s.access[tok]
		s.mu.Unlock()
		if !ok || time.Now().After(exp) {
			problem(w, http.StatusUnauthorized, "Unauthorized", "Unauthorized")
			return
		}
		h(w, r)
	}
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]string{"id": s.UserID, "name": s.Name, "username": s.Username}})
}

func (s *Server) tweet(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Text  string `json:"text"`
		Media *struct {
			MediaIDs []string `json:"media_ids"`
		} `json:"media"`
		Reply *struct {
			InReplyToTweetID string `json:"in_reply_to_tweet_id"`
		} `json:"reply"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || strings.TrimSpace(body.Text) == "" && body.Media == nil {
		problem(w, http.StatusBadRequest, "Invalid Request", "One or more parameters to your request was invalid.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.posts {
		if p.Text == body.Text {
			problem(w, http.StatusForbidden, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
			return
		}
	}
	p := Post{ID: s.nextID(), Text: body.Text}
	if body.Media != nil {
		if len(body.Media.MediaIDs) > 4 {
			problem(w, http.StatusBadRequest, "Invalid Request", "Your media IDs are invalid.")
			return
		}
		for _, id := range body.Media.MediaIDs {
			if s.media[id] == nil {
				problem(w, http.StatusBadRequest, "Invalid Request", "Your media IDs are invalid.")
				return
			}
		}
		p.Media = body.Media.MediaIDs
	}
	if body.Reply != nil {
		p.ReplyTo = body.Reply.InReplyToTweetID
	}
	s.posts = append(s.posts, p)
	writeJSON(w, http.StatusCreated, map[string]any{"data": map[string]any{"id": p.ID, "text": p.Text, "edit_history_tweet_ids": []string{p.ID}}})
}

func (s *Server) timeline(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var data []map[string]any
	for i := len(s.posts) - 1; i >= 0 && len(data) < 10; i-- {
		data = append(data, map[string]any{"id": s.posts[i].ID, "text": s.posts[i].Text, "edit_history_tweet_ids": []string{s.posts[i].ID}})
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "meta": map[string]any{"result_count": len(data)}})
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		problem(w, http.StatusBadRequest, "Invalid Request", "One or more parameters to your request was invalid.")
		return
	}
	f, fh, err := r.FormFile("media")
	if err != nil {
		problem(w, http.StatusBadRequest, "Invalid Request", "The `media` query parameter can not be empty.")
		return
	}
	f.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextID()
	s.media[id] = &Media{ID: id, Category: r.FormValue("media_category"), ContentType: fh.Header.Get("Content-Type"), Size: int(fh.Size)}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"id": id, "media_key": "3_" + id, "size": fh.Size, "expires_after_secs": 86400,
		"image": map[string]any{"image_type": fh.Header.Get("Content-Type"), "w": 1, "h": 1}}})
}

func (s *Server) metadata(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ID       string `json:"id"`
		Metadata struct {
			AltText struct {
				Text string `json:"text"`
			} `json:"alt_text"`
		} `json:"metadata"`
	}
	json.NewDecoder(r.Body).Decode(&body)
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.media[body.ID]
	if m == nil {
		problem(w, http.StatusBadRequest, "Invalid Request", "The media id is invalid.")
		return
	}
	m.Alt = body.Metadata.AltText.Text
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"id": m.ID, "associated_metadata": map[string]any{"alt_text": map[string]string{"text": m.Alt}}}})
}

func (s *Server) mentionsOf(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("id") != s.UserID {
		problem(w, http.StatusForbidden, "Forbidden", "You are not permitted to access this resource.")
		return
	}
	q := r.URL.Query()
	since, maxResults := q.Get("since_id"), 10
	if n, err := strconv.Atoi(q.Get("max_results")); err == nil {
		maxResults = n
	}
	skip := 0
	if t := q.Get("pagination_token"); t != "" {
		skip, _ = strconv.Atoi(strings.TrimPrefix(t, "page-"))
	}
	s.mu.Lock()
	ms := append([]Mention(nil), s.mentions...)
	s.mu.Unlock()
	sort.Slice(ms, func(i, j int) bool { return newer(ms[i].ID, ms[j].ID) }) // newest first
	var sel []Mention
	for _, m := range ms {
		if since == "" || newer(m.ID, since) {
			sel = append(sel, m)
		}
	}
	meta := map[string]any{"result_count": 0}
	if skip < len(sel) {
		sel = sel[skip:]
	} else {
		sel = nil
	}
	if len(sel) > maxResults {
		meta["next_token"] = fmt.Sprintf("page-%d", skip+maxResults)
		sel = sel[:maxResults]
	}
	var data []map[string]any
	users := map[string]map[string]string{}
	for _, m := range sel {
		data = append(data, map[string]any{"id": m.ID, "text": m.Text, "author_id": m.AuthorID, "created_at": m.At.Format("2006-01-02T15:04:05.000Z"), "edit_history_tweet_ids": []string{m.ID}})
		users[m.AuthorID] = map[string]string{"id": m.AuthorID, "name": m.AuthorName, "username": m.AuthorUsername}
	}
	body := map[string]any{"meta": meta}
	if len(data) > 0 {
		meta["result_count"], meta["newest_id"], meta["oldest_id"] = len(data), sel[0].ID, sel[len(sel)-1].ID
		var us []map[string]string
		for _, u := range users {
			us = append(us, u)
		}
		body["data"], body["includes"] = data, map[string]any{"users": us}
	}
	writeJSON(w, http.StatusOK, body)
}

func newer(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}
