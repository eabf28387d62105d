package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/store"
)

// answerReads is what the canned answers' pages read (*store.DB has it).
type answerReads interface {
	CannedAnswers(ctx context.Context, a redazione.Actor, deskID int64, q string, limit int) ([]store.CannedAnswer, error)
	Conversation(ctx context.Context, a redazione.Actor, id int64) (*redazione.Conversation, error)
	Desks(ctx context.Context, enteID int64) ([]redazione.Desk, error)
	SLA(ctx context.Context, enteID int64) (*store.SLAConfig, error)
}

func (s *Server) answerDB() answerReads { return s.DB }

// answerVars are the variables a canned answer may hold.
var answerVars = []string{"nome", "operatore", "ente", "orari", "data"}

// fillAnswer replaces the known {variables} of body.
func fillAnswer(body string, vars map[string]string) string {
	pairs := make([]string, 0, 2*len(vars))
	for k, v := range vars {
		pairs = append(pairs, "{"+k+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(body)
}

type answerJSON struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

// conversationAnswers lists, as JSON, the canned answers usable in a
// conversation, filled in for its citizen.
func (s *Server) conversationAnswers(w http.ResponseWriter, r *http.Request, u *session) {
	ctx := r.Context()
	c, err := s.answerDB().Conversation(ctx, u.Actor, s.convID(r))
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	q := r.URL.Query().Get("q")
	if len(q) > 100 {
		q = q[:100]
	}
	list, err := s.answerDB().CannedAnswers(ctx, u.Actor, c.DeskID, q, 20)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	cfg, err := s.answerDB().SLA(ctx, u.Actor.EnteID)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	name := c.Contact.Name
	if name == "" {
		name = "cittadina, cittadino"
	}
	vars := map[string]string{"nome": name, "operatore": u.User.Name, "ente": u.Ente.Name,
		"orari": cfg.Settings.HoursText(), "data": time.Now().In(calendar.Rome).Format("02/01/2006")}
	out := make([]answerJSON, 0, len(list))
	for _, a := range list {
		out = append(out, answerJSON{a.ID, a.Title, fillAnswer(a.Body, vars)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"answers": out})
}

// answersView is the data of the canned answers page.
type answersView struct {
	Answers []store.CannedAnswer
	Desks   []redazione.Desk
	Names   map[int64]string
	CanEdit bool
	Vars    []string
	Edit    *store.CannedAnswer
}

func (s *Server) answersPage(w http.ResponseWriter, r *http.Request, u *session) {
	s.renderAnswers(w, r, u, nil, "", http.StatusOK, nil)
}

func (s *Server) renderAnswers(w http.ResponseWriter, r *http.Request, u *session, edit *store.CannedAnswer, flash string, status int, formErr error) {
	ctx := r.Context()
	p := s.page(r, u, translate(langOf(r), "answers.title"), "answers")
	v := &answersView{CanEdit: u.Actor.Role == redazione.RoleAdmin || u.Actor.Role == redazione.RoleCoordinator,
		Vars: answerVars, Names: map[int64]string{}, Edit: edit}
	var err error
	if v.Answers, err = s.answerDB().CannedAnswers(ctx, u.Actor, 0, r.URL.Query().Get("q"), 200); err != nil {
		s.fail(w, r, p, err)
		return
	}
	desks, _ := s.answerDB().Desks(ctx, u.Actor.EnteID)
	for _, d := range desks {
		v.Names[d.ID] = d.Name
		if u.Actor.CanSeeDesk(d.ID) {
			v.Desks = append(v.Desks, d)
		}
	}
	if v.Edit == nil {
		v.Edit = &store.CannedAnswer{}
	}
	p.Data, p.Flash = v, flash
	s.renderForm(w, r, "answers", p, status, formErr)
}

func (s *Server) saveAnswer(w http.ResponseWriter, r *http.Request, u *session) {
	a := &store.CannedAnswer{DeskID: formInt(r, "desk"), Title: r.PostFormValue("title"), Body: r.PostFormValue("body")}
	if id := r.PathValue("id"); id != "" {
		a.ID, _ = strconv.ParseInt(id, 10, 64)
	}
	if err := s.Settings.SaveCannedAnswer(r.Context(), u.Actor, a); err != nil {
		s.renderAnswers(w, r, u, a, "", 0, err)
		return
	}
	s.renderAnswers(w, r, u, nil, translate(langOf(r), "admin.saved"), http.StatusOK, nil)
}

func (s *Server) deleteAnswer(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := s.Settings.DeleteCannedAnswer(r.Context(), u.Actor, id); err != nil {
		s.renderAnswers(w, r, u, nil, "", 0, err)
		return
	}
	http.Redirect(w, r, "/answers", http.StatusSeeOther)
}
