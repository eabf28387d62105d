package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/store"
)

// Sessions: each user sees where their account is signed in (browser,
// address, last use) on /me/sessioni and ends any of those sessions, or all
// but this one; an administrator ends all of a user's from the users'
// page. Every end goes through auth.Sessions, into the audit trail with
// the client's address.

var _ = addCatalog(sessionsCatalog)

// sessionReads is what the page of one's sessions reads (*store.DB has it).
type sessionReads interface {
	Sessions(ctx context.Context, enteID, userID int64, currentHash string) ([]store.Session, error)
	User(ctx context.Context, enteID, id int64) (*redazione.User, error)
}

func (s *Server) sessionDB() sessionReads { return s.DB }

// sessionView is one row of the page of sessions.
type sessionView struct {
	store.Session
	Browser string // "Firefox su Windows"
}

type sessionsView struct {
	Sessions []sessionView
	Ended    int // sessions just ended by "esci da tutte le altre"; -1: none asked
}

// currentHash is the hash of the token of the request's own session.
func currentHash(r *http.Request) string {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		return auth.HashToken(c.Value)
	}
	return ""
}

// sessionsPage lists the user's live sessions, this one marked.
func (s *Server) sessionsPage(w http.ResponseWriter, r *http.Request, u *session) {
	ended := -1
	if n, err := strconv.Atoi(r.URL.Query().Get("terminate")); err == nil && n >= 0 {
		ended = n
	}
	s.renderSessions(w, r, u, ended, nil)
}

func (s *Server) renderSessions(w http.ResponseWriter, r *http.Request, u *session, ended int, formErr error) {
	lang := langOf(r)
	p := s.page(r, u, translate(lang, "sessions.title"), "")
	ss, err := s.sessionDB().Sessions(r.Context(), u.User.EnteID, u.User.ID, currentHash(r))
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	v := &sessionsView{Ended: ended}
	for _, x := range ss {
		v.Sessions = append(v.Sessions, sessionView{Session: x, Browser: browserName(p.Lang, x.UserAgent)})
	}
	p.Data = v
	s.renderForm(w, r, "me_sessions", p, http.StatusOK, formErr)
}

// endMySession ends one of the user's sessions; ending this one is
// logging out.
func (s *Server) endMySession(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	ss, err := s.sessionDB().Sessions(r.Context(), u.User.EnteID, u.User.ID, currentHash(r))
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	if err := s.Sessions.EndOne(r.Context(), u.Actor, u.User.ID, id, clientIP(r)); err != nil {
		s.renderSessions(w, r, u, -1, err)
		return
	}
	for _, x := range ss {
		if x.ID == id && x.Current {
			http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
	}
	http.Redirect(w, r, "/me/sessioni", http.StatusSeeOther)
}

// endMyOtherSessions ends every session of the user but this one.
func (s *Server) endMyOtherSessions(w http.ResponseWriter, r *http.Request, u *session) {
	// user() let the request in by its cookie: keep is never empty here.
	n, err := s.Sessions.EndAll(r.Context(), u.Actor, u.User.ID, currentHash(r), clientIP(r))
	if err != nil {
		s.renderSessions(w, r, u, -1, err)
		return
	}
	http.Redirect(w, r, "/me/sessioni?terminate="+strconv.Itoa(n), http.StatusSeeOther)
}

// endUserSessions ends every session of a member of staff (an
// administrator, from the users' page); the administrator's own current
// session stays when they end their own.
func (s *Server) endUserSessions(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	target, err := s.sessionDB().User(r.Context(), u.Actor.EnteID, id)
	if err != nil {
		s.adminPage(w, r, u, "admin_users", "admin.users", "", 0, err)
		return
	}
	keep := ""
	if target.ID == u.User.ID {
		keep = currentHash(r)
	}
	n, err := s.Sessions.EndAll(r.Context(), u.Actor, target.ID, keep, clientIP(r))
	if err != nil {
		s.adminPage(w, r, u, "admin_users", "admin.users", "", 0, err)
		return
	}
	lang := langOf(r)
	s.adminPageWith(w, r, u, "admin_users", "admin.users", func(v *adminView) {
		v.Notice = fmt.Sprintf(translate(lang, "sessions.ended.user"), n, target.Email)
	}, http.StatusOK, nil)
}

var sessionsCatalog = map[string][2]string{
	"nav.sessions":         {"Le mie sessioni", "My sessions"},
	"sessions.title":       {"Il mio account: sessioni", "My account: sessions"},
	"sessions.intro":       {"Dove il tuo account è collegato ora. Se non riconosci una sessione, terminala e cambia la password.", "Where your account is signed in now. If you do not recognise a session, end it and change your password."},
	"sessions.address":     {"Indirizzo", "Address"},
	"sessions.started":     {"Iniziata", "Started"},
	"sessions.last_seen":   {"Ultima attività", "Last seen"},
	"sessions.this":        {"questa sessione", "this session"},
	"sessions.end":         {"Termina", "End"},
	"sessions.end.label":   {"Termina la sessione di %s del %s", "End the session of %s from %s"},
	"sessions.end_others":  {"Esci da tutte le altre", "Sign out of all the others"},
	"sessions.ended":       {"Sessioni terminate: %d.", "Sessions ended: %d."},
	"sessions.none_other":  {"Non ci sono altre sessioni aperte.", "There are no other open sessions."},
	"sessions.end_all":     {"Termina tutte le sessioni", "End all sessions"},
	"sessions.ended.user":  {"Sessioni terminate: %d, di %s.", "Sessions ended: %d, of %s."},
	"sessions.unknown":     {"Browser sconosciuto", "Unknown browser"},
	"sessions.on":          {"%s su %s", "%s on %s"},
	"sessions.unknown_ip":  {"sconosciuto", "unknown"},
	"sessions.caption":     {"Sessioni aperte con il tuo account", "Sessions open with your account"},
	"sessions.this.marker": {"(questa sessione)", "(this session)"},
}
