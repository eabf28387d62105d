package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/store"
)

// sendSurvey asks the citizen of a just-resolved private conversation, on
// the same channel, to rate the answer: a link to a public page with the
// three faces. Once per conversation; never on public threads or when the
// ente switched surveys off.
func (s *Server) sendSurvey(r *http.Request, u *session, convID int64) error {
	token := auth.NewToken("")
	hash := auth.HashToken(token)
	created, err := s.DB.CreateSurvey(r.Context(), u.Actor, convID, hash)
	if err != nil || !created {
		return err
	}
	text := fmt.Sprintf(translate("it", "survey.message"), s.baseURL(r)+"/valuta/"+token)
	if _, err = s.Inbox.Reply(r.Context(), u.Actor, convID, text, false); err != nil {
		// no survey without its link: the next resolution asks again
		if derr := s.DB.DropSurvey(r.Context(), hash); derr != nil {
			err = errors.Join(err, derr)
		}
	}
	return err
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
	sv, err := s.DB.SurveyByToken(r.Context(), auth.HashToken(token))
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
	sv, err := s.DB.SurveyByToken(r.Context(), hash)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	rating, _ := strconv.Atoi(r.PostFormValue("rating"))
	err = s.DB.AnswerSurvey(r.Context(), hash, rating, r.PostFormValue("comment"))
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
	if err := s.DB.SetSurveysEnabled(r.Context(), u.Actor, r.PostFormValue("surveys") == "on"); err != nil {
		s.fail(w, r, nil, err)
		return
	}
	http.Redirect(w, r, "/admin/channels", http.StatusSeeOther)
}
