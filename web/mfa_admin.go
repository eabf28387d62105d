package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/redazione/redazione"
)

// Administration of the second factor: the ente's policy
// (/admin/sicurezza) and the reset of a member of staff's factors (from
// the users' page).

// mfaAdminReads is what the policy page reads (*store.DB has it).
type mfaAdminReads interface {
	MFAPolicy(ctx context.Context, enteID int64) (redazione.MFAPolicy, error)
}

func (s *Server) mfaAdminDB() mfaAdminReads { return s.DB }

// mfaPolicyView is the data of the policy page.
type mfaPolicyView struct {
	Policy redazione.MFAPolicy
	Saved  bool
}

func (s *Server) mfaPolicyPage(w http.ResponseWriter, r *http.Request, u *session) {
	s.renderMFAPolicy(w, r, u, r.URL.Query().Get("fatto") == "1", nil)
}

func (s *Server) renderMFAPolicy(w http.ResponseWriter, r *http.Request, u *session, saved bool, formErr error) {
	p := s.page(r, u, translate(langOf(r), "mfa.admin.title"), "admin")
	policy, err := s.mfaAdminDB().MFAPolicy(r.Context(), u.Actor.EnteID)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	p.Data = &mfaPolicyView{Policy: policy, Saved: saved}
	s.renderForm(w, r, "admin_security", p, http.StatusOK, formErr)
}

func (s *Server) saveMFAPolicy(w http.ResponseWriter, r *http.Request, u *session) {
	policy := redazione.MFAPolicy{Required: redazione.MFARequirement(r.PostFormValue("required")), SSOProviderFactor: r.PostFormValue("sso_provider_factor") == "on"}
	if err := s.Settings.SetMFAPolicy(r.Context(), u.Actor, policy); err != nil {
		s.renderMFAPolicy(w, r, u, false, err)
		return
	}
	http.Redirect(w, r, "/admin/sicurezza?fatto=1", http.StatusSeeOther)
}

// resetFactors removes a member of staff's second factors and ends their
// sessions; they are told in the application and, when SMTP is set, by
// e-mail.
func (s *Server) resetFactors(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	target, err := s.Settings.ResetFactors(r.Context(), u.Actor, id)
	if err != nil {
		s.adminPage(w, r, u, "admin_users", "admin.users", "", 0, err)
		return
	}
	if m := s.mailer(); m != nil {
		body := fmt.Sprintf(ResetFactorsMail, target.Name, u.User.Name)
		if err := m.Send(r.Context(), []string{target.Email}, ResetFactorsSubject, body); err != nil {
			s.Log.Warn("factor reset e-mail not sent", "user", target.ID, "err", err)
		}
	}
	lang := langOf(r)
	s.adminPageWith(w, r, u, "admin_users", "admin.users", func(v *adminView) {
		v.Notice = fmt.Sprintf(translate(lang, "mfa.admin.reset.done"), target.Email)
	}, http.StatusOK, nil)
}

// ResetFactorsSubject and ResetFactorsMail are the e-mail that tells a
// user their second factor was reset (in Italian; the body takes their
// name and who reset it), for the command line too.
var ResetFactorsSubject, ResetFactorsMail = mfaCatalog["mfa.mail.subject"][0], mfaCatalog["mfa.mail.body"][0]
