package web

import (
	"context"
	"net/http"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/store"
)

// playbookReads is what the guidelines page reads (*store.DB has it).
type playbookReads interface {
	Playbooks(ctx context.Context, enteID int64) (map[string]store.Playbook, error)
}

func (s *Server) playbookDB() playbookReads { return s.DB }

// playbooksView is the data of the guidelines page.
type playbooksView struct {
	Situations []string
	Playbooks  map[string]store.Playbook
	CanEdit    bool
}

func (s *Server) playbooksPage(w http.ResponseWriter, r *http.Request, u *session) {
	s.renderPlaybooks(w, r, u, "", http.StatusOK, nil)
}

func (s *Server) renderPlaybooks(w http.ResponseWriter, r *http.Request, u *session, flash string, status int, formErr error) {
	p := s.page(r, u, translate(langOf(r), "playbooks.title"), "playbooks")
	pbs, err := s.playbookDB().Playbooks(r.Context(), u.Actor.EnteID)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	p.Data = &playbooksView{Situations: redazione.Situations, Playbooks: pbs,
		CanEdit: u.Actor.Role == redazione.RoleAdmin || u.Actor.Role == redazione.RoleCoordinator}
	p.Flash = flash
	s.renderForm(w, r, "playbooks", p, status, formErr)
}

func (s *Server) savePlaybook(w http.ResponseWriter, r *http.Request, u *session) {
	err := s.Settings.SavePlaybook(r.Context(), u.Actor, store.Playbook{Situation: r.PathValue("situation"),
		Steps: r.PostFormValue("steps"), Alert: r.PostFormValue("alert")})
	if err != nil {
		s.renderPlaybooks(w, r, u, "", 0, err)
		return
	}
	s.renderPlaybooks(w, r, u, translate(langOf(r), "admin.saved"), http.StatusOK, nil)
}

func (s *Server) markSituation(w http.ResponseWriter, r *http.Request, u *session) {
	if err := s.Inbox.MarkSituation(r.Context(), u.Actor, s.convID(r), r.PostFormValue("situation")); err != nil {
		s.fail(w, r, s.page(r, u, "", "inbox"), err)
		return
	}
	s.afterChange(w, r, u, "details", said("done.situation"))
}
