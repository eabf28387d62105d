package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"time"

	"golang.org/x/time/rate"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/store"
)

// The second-factor step of signing in (/login/secondo-fattore): after
// the password (or single sign-on), a user with a factor has a pending
// login, known by an HttpOnly cookie and kept in the database for a few
// minutes; no session exists until a TOTP code, a passkey or a recovery
// code passes. Every attempt is counted before it is checked, as a
// password is (auth.Sessions.VerifySecondFactor), and by client address
// (loginGuard).

const (
	pendingCookie    = "redazione_pending"
	secondFactorPath = "/login/secondo-fattore"
)

// pendingReads is what the second-factor step reads (*store.DB has it).
type pendingReads interface {
	PendingLoginUser(ctx context.Context, tokenHash string) (*redazione.User, store.PendingLogin, error)
	Factors(ctx context.Context, userID int64) (store.Factors, error)
}

func (s *Server) pendingDB() pendingReads { return s.DB }

// pendingLogin is the pending login of a request.
type pendingLogin struct {
	User  *redazione.User
	Login store.PendingLogin
}

type pendingHandler func(w http.ResponseWriter, r *http.Request, pl *pendingLogin)

// pending wraps a handler of the second-factor step: it needs a live
// pending login, and every POST must come from this origin with the
// pending login's CSRF token. Without one it goes back to the login page.
func (s *Server) pending(h pendingHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		var pl *pendingLogin
		if c, err := r.Cookie(pendingCookie); err == nil && c.Value != "" {
			if u, l, err := s.pendingDB().PendingLoginUser(r.Context(), auth.HashToken(c.Value)); err == nil {
				pl = &pendingLogin{User: u, Login: l}
			}
		}
		if pl == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
				return
			}
			refuse(w, http.StatusUnauthorized, "Accesso scaduto: inserisci di nuovo e-mail e password.")
			return
		}
		if r.Method == http.MethodPost {
			if err := crossOrigin.Check(r); err != nil {
				refuse(w, http.StatusForbidden, "Richiesta da un'altra origine rifiutata.")
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			token := r.Header.Get("X-CSRF-Token")
			if token == "" {
				token = r.PostFormValue("csrf")
			}
			if subtle.ConstantTimeCompare([]byte(token), []byte(pl.Login.CSRF)) != 1 {
				refuse(w, http.StatusForbidden, "Modulo scaduto: ricarica la pagina e riprova.")
				return
			}
		}
		h(w, r, pl)
	}
}

// factorStepView is the data of the second-factor page.
type factorStepView struct {
	Factors store.Factors
	CSRF    string
}

func (s *Server) secondFactorPage(w http.ResponseWriter, r *http.Request, pl *pendingLogin) {
	s.renderFactorStep(w, r, pl, 0, nil)
}

func (s *Server) renderFactorStep(w http.ResponseWriter, r *http.Request, pl *pendingLogin, status int, formErr error) {
	p := &page{Lang: langOf(r)}
	p.Title = p.T("mfa.step.title")
	f, err := s.pendingDB().Factors(r.Context(), pl.User.ID)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	p.Data = &factorStepView{Factors: f, CSRF: pl.Login.CSRF}
	if status == 0 {
		status = http.StatusOK
	}
	s.renderForm(w, r, "login_factor", p, status, formErr)
}

// verifyCode checks a TOTP code (or, from the recovery form, a recovery
// code) and, when it passes, opens the session.
func (s *Server) verifyCode(method string) pendingHandler {
	return func(w http.ResponseWriter, r *http.Request, pl *pendingLogin) {
		ip := clientIP(r)
		res, ok := s.reserveFactorTry(w, r, pl, ip)
		if !ok {
			return
		}
		field := "code"
		if method == "recovery" {
			field = "recovery"
		}
		out, err := s.Sessions.VerifySecondFactor(r.Context(), pl.Login.TokenHash, pl.User, method, r.PostFormValue(field), ip)
		if err != nil {
			s.renderFactorStep(w, r, pl, 0, err)
			return
		}
		res.Cancel()
		next := pl.Login.Next
		if out.RecoveryUsed {
			next = "/me/sicurezza?recupero=1"
		}
		s.passedSecondFactor(w, r, pl, next)
	}
}

// reserveFactorTry takes, before a second factor is checked, one failure
// from the client address's allowance, as a password is (loginGuard); with
// none left it answers the step's page with the wait and reports false.
func (s *Server) reserveFactorTry(w http.ResponseWriter, r *http.Request, pl *pendingLogin, ip string) (*rate.Reservation, bool) {
	res, wait, ok := s.guard.reserve(ip, time.Now())
	if !ok {
		w.Header().Set("Retry-After", retryAfter(wait))
		s.renderFactorStep(w, r, pl, 0, redazione.Errorf(redazione.ETOOMANY, "%s", translate(langOf(r), "login.busy")))
	}
	return res, ok
}

// passedSecondFactor opens the session of a pending login whose second
// factor passed.
func (s *Server) passedSecondFactor(w http.ResponseWriter, r *http.Request, pl *pendingLogin, next string) {
	http.SetCookie(w, &http.Cookie{Name: pendingCookie, Value: "", Path: "/login", MaxAge: -1, HttpOnly: true})
	s.startSession(w, r, pl.User, "", next)
}

// beginPasskeyLogin starts the passkey step: the options for the browser.
func (s *Server) beginPasskeyLogin(w http.ResponseWriter, r *http.Request, pl *pendingLogin) {
	opts, err := s.Sessions.BeginPasskeyLogin(r.Context(), pl.User, pl.Login.TokenHash, s.baseURL(r))
	if err != nil {
		s.renderFactorStep(w, r, pl, 0, err)
		return
	}
	writeRawJSON(w, opts)
}

// finishPasskeyLogin checks the browser's answer and opens the session.
func (s *Server) finishPasskeyLogin(w http.ResponseWriter, r *http.Request, pl *pendingLogin) {
	ip := clientIP(r)
	res, ok := s.reserveFactorTry(w, r, pl, ip)
	if !ok {
		return
	}
	if err := s.Sessions.FinishPasskeyLogin(r.Context(), pl.User, pl.Login.TokenHash, s.baseURL(r), ip, []byte(r.PostFormValue("credential"))); err != nil {
		s.renderFactorStep(w, r, pl, 0, err)
		return
	}
	res.Cancel()
	s.passedSecondFactor(w, r, pl, pl.Login.Next)
}

// cancelSecondFactor forgets the pending login and goes back to the login
// page.
func (s *Server) cancelSecondFactor(w http.ResponseWriter, r *http.Request, pl *pendingLogin) {
	s.Sessions.CancelSecondFactor(r.Context(), pl.Login.TokenHash)
	http.SetCookie(w, &http.Cookie{Name: pendingCookie, Value: "", Path: "/login", MaxAge: -1, HttpOnly: true})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
