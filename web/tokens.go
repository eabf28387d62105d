package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/store"
)

// tokenReads is what the page of one's API tokens reads.
type tokenReads interface {
	APITokens(ctx context.Context, enteID, userID int64) ([]store.APIToken, error)
	Now() time.Time
}

func (s *Server) tokenDB() tokenReads { return s.DB }

type tokensView struct {
	Tokens  []store.APIToken
	Now     time.Time
	Created string // the new token, shown once
}

// tokensPage lists the user's API tokens ("Il mio account").
func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request, u *session) {
	s.renderTokens(w, r, u, "", nil)
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, u *session, created string, formErr error) {
	p := s.page(r, u, translate(langOf(r), "tokens.title"), "tokens")
	ts, err := s.tokenDB().APITokens(r.Context(), u.User.EnteID, u.User.ID)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	p.Data = tokensView{Tokens: ts, Now: s.tokenDB().Now(), Created: created}
	s.renderForm(w, r, "me_tokens", p, http.StatusOK, formErr)
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, u *session) {
	days, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("days")))
	if err != nil || days < 1 || days > 3650 {
		s.renderTokens(w, r, u, "", redazione.FieldError("days", "la durata va da 1 a 3650 giorni"))
		return
	}
	token, _, err := s.Sessions.CreateToken(r.Context(), u.User, strings.TrimSpace(r.PostFormValue("name")),
		s.tokenDB().Now().Add(time.Duration(days)*24*time.Hour), r.PostFormValue("read_only") == "on")
	if err != nil {
		s.renderTokens(w, r, u, "", err)
		return
	}
	s.renderTokens(w, r, u, token, nil)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := s.Sessions.RevokeToken(r.Context(), u.User, id); err != nil {
		s.fail(w, r, nil, err)
		return
	}
	http.Redirect(w, r, "/me/tokens", http.StatusSeeOther)
}
