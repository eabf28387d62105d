package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/notify"
)

// Passwords: a user changes their own with the current one; an
// administrator sends a one-time link (/reimposta/{token}) to set a new
// one. Both write through auth.Sessions and settings.Service, which apply
// auth.CheckNewPassword.

var _ = addCatalog(passwordCatalog)

// passwordReads is what the password pages read (*store.DB has it).
type passwordReads interface {
	PasswordResetUser(ctx context.Context, tokenHash string) (*redazione.User, error)
}

func (s *Server) passwordDB() passwordReads { return s.DB }

// passwordView is the data of the password pages.
type passwordView struct {
	Email string // whose password a link sets
	Done  bool
}

func (s *Server) myPasswordPage(w http.ResponseWriter, r *http.Request, u *session) {
	p := s.page(r, u, translate(langOf(r), "pw.title"), "")
	p.Data = &passwordView{Email: u.User.Email, Done: r.URL.Query().Get("fatto") == "1"}
	s.render(w, r, http.StatusOK, "password", "", p)
}

// changeMyPassword sets the user's own password: the current one is
// required; the user's other sessions end, this one stays.
func (s *Server) changeMyPassword(w http.ResponseWriter, r *http.Request, u *session) {
	keep := ""
	if c, err := r.Cookie(sessionCookie); err == nil {
		keep = auth.HashToken(c.Value)
	}
	err := s.Sessions.ChangePassword(r.Context(), u.User, r.PostFormValue("current"), r.PostFormValue("password"), keep, clientIP(r))
	if err != nil {
		p := s.page(r, u, translate(langOf(r), "pw.title"), "")
		p.Data = &passwordView{Email: u.User.Email}
		s.renderForm(w, r, "password", p, 0, err)
		return
	}
	http.Redirect(w, r, "/me/password?fatto=1", http.StatusSeeOther)
}

// sendPasswordLink makes a one-time link for a member of staff to set a
// new password: sent by e-mail when SMTP is set, otherwise (or when the
// e-mail fails) shown once to the administrator.
func (s *Server) sendPasswordLink(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	token := auth.NewToken("")
	target, expires, err := s.Settings.CreatePasswordReset(r.Context(), u.Actor, id, auth.HashToken(token))
	if err != nil {
		s.adminPage(w, r, u, "admin_users", "admin.users", "", 0, err)
		return
	}
	lang := langOf(r)
	link := s.baseURL(r) + "/reimposta/" + token
	when := expires.In(calendar.Rome).Format("02/01/2006 15:04")
	set := func(v *adminView) {
		v.Notice = fmt.Sprintf(translate(lang, "pw.link.shown"), target.Email, when)
		v.ResetLink = link
	}
	if m := s.mailer(); m != nil {
		body := fmt.Sprintf(translate("it", "pw.mail.body"), target.Name, u.User.Name, link, when)
		if err := m.Send(r.Context(), []string{target.Email}, translate("it", "pw.mail.subject"), body); err == nil {
			set = func(v *adminView) { v.Notice = fmt.Sprintf(translate(lang, "pw.link.sent"), target.Email, when) }
		} else {
			s.Log.WarnContext(r.Context(), "password link not sent", "user", target.ID, "err", err)
			set = func(v *adminView) {
				v.Notice, v.Warn = fmt.Sprintf(translate(lang, "pw.link.failed"), target.Email, when), true
				v.ResetLink = link
			}
		}
	}
	s.adminPageWith(w, r, u, "admin_users", "admin.users", set, http.StatusOK, nil)
}

// resetPage shows the form of a one-time link to set a new password.
func (s *Server) resetPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	p := &page{Lang: langOf(r)}
	p.Title = p.T("pw.reset.title")
	target, err := s.passwordDB().PasswordResetUser(r.Context(), auth.HashToken(r.PathValue("token")))
	if err != nil {
		p.Data = &passwordView{}
		s.renderForm(w, r, "password_reset", p, 0, err)
		return
	}
	p.Data = &passwordView{Email: target.Email}
	s.render(w, r, http.StatusOK, "password_reset", "", p)
}

// resetPassword uses a one-time link: the new password is set, the link
// is spent and every session of the user ends.
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	p := &page{Lang: langOf(r)}
	p.Title = p.T("pw.reset.title")
	if err := crossOrigin.Check(r); err != nil {
		refuse(w, http.StatusForbidden, "Richiesta da un'altra origine rifiutata.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	tokenHash := auth.HashToken(r.PathValue("token"))
	target, err := s.Sessions.ResetPassword(r.Context(), tokenHash, r.PostFormValue("password"))
	if err != nil {
		v := &passwordView{}
		if t, rerr := s.passwordDB().PasswordResetUser(r.Context(), tokenHash); rerr == nil {
			v.Email = t.Email
		}
		p.Data = v
		s.renderForm(w, r, "password_reset", p, 0, err)
		return
	}
	p.Data = &passwordView{Email: target.Email, Done: true}
	s.render(w, r, http.StatusOK, "password_reset", "", p)
}

// mailer sends the office's e-mail when SMTP is set, else nil.
func (s *Server) mailer() notify.Mailer {
	if s.Inbox == nil || s.Inbox.Mailer == nil {
		return nil
	}
	return s.Inbox.Mailer
}

var passwordCatalog = map[string][2]string{
	"pw.title":        {"Il mio account: password", "My account: password"},
	"pw.account":      {"Il mio account", "My account"},
	"pw.current":      {"Password attuale", "Current password"},
	"pw.new":          {"Nuova password", "New password"},
	"pw.rules":        {"Almeno 12 caratteri, e non una delle password più usate. Una frase di più parole è facile da ricordare e difficile da indovinare.", "At least 12 characters, and not one of the most common passwords. A phrase of several words is easy to remember and hard to guess."},
	"pw.change":       {"Cambia la password", "Change the password"},
	"pw.changed":      {"Password cambiata. Le altre sessioni aperte con il tuo account sono state chiuse.", "Password changed. Your account's other open sessions have been closed."},
	"pw.link":         {"Invia un link per reimpostare la password", "Send a link to reset the password"},
	"pw.link.sent":    {"Link per reimpostare la password inviato per e-mail a %s; vale una volta sola, fino al %s.", "A link to reset the password was e-mailed to %s; it works once, until %s."},
	"pw.link.shown":   {"Link per reimpostare la password di %s, mostrato solo ora: consegnalo di persona. Vale una volta sola, fino al %s.", "Link to reset the password of %s, shown only now: hand it over in person. It works once, until %s."},
	"pw.link.failed":  {"L'e-mail a %s non è partita: consegna di persona questo link, mostrato solo ora. Vale una volta sola, fino al %s.", "The e-mail to %s could not be sent: hand over this link, shown only now. It works once, until %s."},
	"pw.reset.title":  {"Reimposta la password", "Reset your password"},
	"pw.reset.for":    {"Scegli la nuova password per", "Choose the new password for"},
	"pw.reset.submit": {"Imposta la password", "Set the password"},
	"pw.reset.done":   {"Password impostata. Ora puoi accedere.", "Password set. You can now sign in."},
	"pw.mail.subject": {"Redazione: reimposta la tua password", "Redazione: reset your password"},
	"pw.mail.body": {"Gentile %s,\n\n%s ti ha inviato un link per scegliere una nuova password di Redazione:\n\n%s\n\nIl link vale una volta sola, fino al %s. Se non lo aspettavi, avvisa l'amministratore.\n",
		"Dear %s,\n\n%s sent you a link to choose a new Redazione password:\n\n%s\n\nThe link works once, until %s. If you did not expect it, tell the administrator.\n"},
}
