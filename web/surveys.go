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

// surveyReads is what the satisfaction survey's public page reads (*store.DB
// has it); surveys are sent through inbox.Service.
type surveyReads interface {
	SurveyByToken(ctx context.Context, tokenHash string) (*store.Survey, error)
}

func (s *Server) surveyDB() surveyReads { return s.DB }

// sendSurvey asks the citizen of a just-resolved conversation to rate the
// answer, with a link to a public page with the three faces.
func (s *Server) sendSurvey(r *http.Request, u *session, convID int64) error {
	return s.Inbox.SendSurvey(r.Context(), u.Actor, convID, func(token string) string {
		return fmt.Sprintf(translate("it", "survey.message"), s.baseURL(r)+"/valuta/"+token)
	})
}

type surveyView struct {
	Survey *store.Survey
	Token  string
	Done   bool
}

func (s *Server) surveyPage(w http.ResponseWriter, r *http.Request) {
	p := &page{Lang: langOf(r)}
	p.Title = p.T("survey.title")
	token := r.PathValue("token")
	sv, err := s.surveyDB().SurveyByToken(r.Context(), auth.HashToken(token))
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	p.Data = &surveyView{Survey: sv, Token: token, Done: !sv.AnsweredAt.IsZero()}
	s.render(w, r, http.StatusOK, "survey", "", p)
}

func (s *Server) answerSurvey(w http.ResponseWriter, r *http.Request) {
	p := &page{Lang: langOf(r)}
	p.Title = p.T("survey.title")
	if err := crossOrigin.Check(r); err != nil {
		http.Error(w, "Richiesta da un'altra origine rifiutata.", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	token := r.PathValue("token")
	hash := auth.HashToken(token)
	sv, err := s.surveyDB().SurveyByToken(r.Context(), hash)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	rating, _ := strconv.Atoi(r.PostFormValue("rating"))
	err = s.Inbox.AnswerSurvey(r.Context(), hash, rating, r.PostFormValue("comment"))
	if redazione.ErrorCode(err) == redazione.ECONFLICT {
		err = nil
	}
	v := &surveyView{Survey: sv, Token: token, Done: err == nil}
	p.Data = v
	if err != nil {
		s.renderForm(w, r, "survey", p, 0, err)
		return
	}
	s.render(w, r, http.StatusOK, "survey", "", p)
}

func (s *Server) setSurveys(w http.ResponseWriter, r *http.Request, u *session) {
	if err := s.Settings.SetSurveysEnabled(r.Context(), u.Actor, r.PostFormValue("surveys") == "on"); err != nil {
		s.fail(w, r, nil, err)
		return
	}
	http.Redirect(w, r, "/admin/channels", http.StatusSeeOther)
}
