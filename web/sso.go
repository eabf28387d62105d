package web

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/store"
)

// Single sign-on with the ente's own identity provider (OpenID Connect):
// the authorization code flow with PKCE (S256), a state and a nonce kept
// in a short-lived cookie, the ID token verified against the provider's
// keys. Several enti on one installation each have their own provider:
// the login page shows a button per ente that has one, and
// /login?ente=SLUG only that ente's.

// ssoReads is what single sign-on reads (*store.DB has it); it writes
// through settings.Service (the provider) and auth.Sessions (sign-in).
type ssoReads interface {
	EnteBySlug(ctx context.Context, slug string) (*redazione.Ente, error)
	SSOProvider(ctx context.Context, enteID int64) (*store.SSOProvider, error)
	SSOProviders(ctx context.Context) ([]store.SSOProvider, error)
}

func (s *Server) ssoDB() ssoReads { return s.DB }

var _ = addCatalog(ssoCatalog)

const (
	ssoCookie = "redazione_sso"
	// ssoFlowTTL is how long a sign-in at the provider may take.
	ssoFlowTTL = 10 * time.Minute
	// ssoTimeout bounds each call to a provider (discovery, keys, token)
	// unless Config.SSOTimeout says otherwise.
	ssoTimeout = 10 * time.Second
	// ssoCallbackPath is the redirect URL registered with the provider.
	ssoCallbackPath = "/login/sso/callback"
)

// ssoButton is one "Accedi con …" of the login page.
type ssoButton struct {
	Slug, Ente, Provider string
}

// loginView is what the login page shows.
type loginView struct {
	Next, Email string
	// Buttons are the enti's providers; Ente, when the page was asked for
	// one ente (?ente=SLUG), names it.
	Buttons []ssoButton
	Ente    string
	// Password shows the password form: off when the page is for an ente
	// whose users sign in only with its provider.
	Password bool
}

// loginData fills the login page: the password form and a button per
// ente that has a provider, or only the asked ente's.
func (s *Server) loginData(r *http.Request, next, email string) *loginView {
	v := &loginView{Next: next, Email: email, Password: true}
	ps, err := s.ssoDB().SSOProviders(r.Context())
	if err != nil {
		s.Log.Error("login page: single sign-on providers", "err", err)
		return v
	}
	slug := r.URL.Query().Get("ente")
	for _, p := range ps {
		if slug != "" && p.EnteSlug != slug {
			continue
		}
		if slug != "" {
			v.Ente, v.Password = p.EnteName, p.PasswordLogin
		}
		v.Buttons = append(v.Buttons, ssoButton{Slug: p.EnteSlug, Ente: p.EnteName, Provider: p.DisplayName()})
	}
	return v
}

// passwordHash is the hash a password sign-in of u checks: a user made at
// the first single sign-on has none, and is checked against dummyHash, to
// take the same time, and refused.
func passwordHash(u *redazione.User) string {
	if u.PasswordHash == "" {
		return dummyHash
	}
	return u.PasswordHash
}

// passwordLoginAllowed tells whether the users of an ente may sign in with
// a password: yes unless its provider says otherwise.
func (s *Server) passwordLoginAllowed(ctx context.Context, enteID int64) bool {
	p, err := s.ssoDB().SSOProvider(ctx, enteID)
	return err != nil || p.PasswordLogin
}

// ssoFlow is what the cookie of a sign-in under way holds, between the
// redirect to the provider and its answer. The cookie is HttpOnly,
// SameSite=Lax, limited to /login/sso and lasts ssoFlowTTL: the state
// binds the provider's answer to this browser, the nonce the ID token to
// this sign-in, the verifier the code to this browser (PKCE).
type ssoFlow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Ente     int64  `json:"e"`
	Next     string `json:"x"`
	Expires  int64  `json:"t"`
}

// ssoContext bounds the calls to a provider made for one request: none
// waits longer than Config.SSOTimeout.
func (s *Server) ssoContext(r *http.Request) (context.Context, context.CancelFunc) {
	c := &http.Client{Timeout: s.Config.SSOTimeout}
	return context.WithTimeout(oidc.ClientContext(r.Context(), c), s.Config.SSOTimeout)
}

// ssoUnreachable is what the login page says when the provider does not
// answer; password login still works.
type ssoUnreachable struct{ err error }

func (e ssoUnreachable) Error() string { return "identity provider unreachable: " + e.err.Error() }

// ssoMisconfigured is a provider that answers, but not as the issuer set
// in Redazione: a wrong issuer URL, or one that names another issuer.
type ssoMisconfigured struct{ err error }

func (e ssoMisconfigured) Error() string { return "identity provider misconfigured: " + e.err.Error() }

// discoveryError tells a provider that does not answer (no connection, a
// timeout, a 5xx from its proxy) from one that answers something else.
func discoveryError(err error) error {
	var ue *url.Error
	msg := err.Error()
	if errors.As(err, &ue) || errors.Is(err, context.DeadlineExceeded) || len(msg) > 3 && msg[0] == '5' && msg[3] == ' ' {
		return ssoUnreachable{err}
	}
	return ssoMisconfigured{err}
}

// oidcConfig discovers p's endpoints and keys and returns the OAuth 2.0
// configuration and the ID token's verifier.
func (s *Server) oidcConfig(ctx context.Context, r *http.Request, p *store.SSOProvider) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	provider, err := oidc.NewProvider(ctx, p.Issuer)
	if err != nil {
		return nil, nil, discoveryError(err)
	}
	cfg := &oauth2.Config{
		ClientID: p.ClientID, ClientSecret: p.ClientSecret, Endpoint: provider.Endpoint(),
		RedirectURL: s.baseURL(r) + ssoCallbackPath, Scopes: []string{oidc.ScopeOpenID, "email", "profile"},
	}
	return cfg, provider.Verifier(&oidc.Config{ClientID: p.ClientID}), nil
}

// ssoStart sends the browser to the ente's provider.
func (s *Server) ssoStart(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if !s.ssoAllowed(w, r, next) {
		return
	}
	en, err := s.ssoDB().EnteBySlug(r.Context(), r.PathValue("ente"))
	var p *store.SSOProvider
	if err == nil {
		p, err = s.ssoDB().SSOProvider(r.Context(), en.ID)
	}
	if err != nil {
		s.ssoRefused(w, r, next, redazione.Errorf(redazione.ENOTFOUND, "questo ente non ha configurato l'accesso con il proprio account"))
		return
	}
	ctx, cancel := s.ssoContext(r)
	defer cancel()
	cfg, _, err := s.oidcConfig(ctx, r, p)
	if err != nil {
		s.ssoRefused(w, r, next, err)
		return
	}
	f := ssoFlow{State: auth.NewToken(""), Nonce: auth.NewToken(""), Verifier: oauth2.GenerateVerifier(), Ente: p.EnteID, Next: next,
		Expires: time.Now().Add(ssoFlowTTL).Unix()}
	b, _ := json.Marshal(f)
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/login/sso", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.Config.SecureCookies || r.TLS != nil, MaxAge: int(ssoFlowTTL.Seconds())})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, cfg.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)), http.StatusSeeOther)
}

// ssoCallback takes the provider's answer: the code is exchanged for
// tokens (with the PKCE verifier), the ID token verified (signature
// against the provider's keys, issuer, audience, expiry, then the nonce),
// and the user it names signed in.
func (s *Server) ssoCallback(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(ssoCookie)
	// The cookie serves one answer only.
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: "", Path: "/login/sso", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.Config.SecureCookies || r.TLS != nil})
	var f ssoFlow
	if err == nil {
		var b []byte
		if b, err = base64.RawURLEncoding.DecodeString(c.Value); err == nil {
			err = json.Unmarshal(b, &f)
		}
	}
	q := r.URL.Query()
	if err != nil || f.State == "" || time.Now().Unix() > f.Expires ||
		subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.State)) != 1 {
		s.ssoRefused(w, r, "/inbox", redazione.Errorf(redazione.EUNAUTHORIZED, "l'accesso con l'account dell'ente è scaduto o non viene da questo browser: riprova"))
		return
	}
	next := safeNext(f.Next)
	if !s.ssoAllowed(w, r, next) {
		return
	}
	if e := q.Get("error"); e != "" {
		s.Log.Info("single sign-on refused by the provider", "error", e, "remote", clientIP(r))
		s.ssoRefused(w, r, next, redazione.Errorf(redazione.EUNAUTHORIZED, "il servizio di accesso dell'ente non ha concesso l'accesso: riprova o chiedi all'amministratore"))
		return
	}
	p, err := s.ssoDB().SSOProvider(r.Context(), f.Ente)
	if err != nil {
		s.ssoRefused(w, r, next, redazione.Errorf(redazione.ENOTFOUND, "questo ente non ha configurato l'accesso con il proprio account"))
		return
	}
	ctx, cancel := s.ssoContext(r)
	defer cancel()
	cfg, verifier, err := s.oidcConfig(ctx, r, p)
	if err != nil {
		s.ssoRefused(w, r, next, err)
		return
	}
	tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(f.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) {
			err = ssoUnreachable{err}
		}
		s.ssoRefused(w, r, next, err)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := verifier.Verify(ctx, raw)
	if err == nil && subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		err = errors.New("the ID token's nonce is not this sign-in's")
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified any    `json:"email_verified"`
		// Entra ID says instead that the domain's owner verified it.
		DomainOwnerVerified any `json:"xms_edov"`
	}
	if err == nil {
		err = idt.Claims(&claims)
	}
	if err != nil {
		s.ssoRefused(w, r, next, err)
		return
	}
	// Some providers send the claims as strings.
	verified := claims.EmailVerified == true || claims.EmailVerified == "true" || claims.DomainOwnerVerified == true || claims.DomainOwnerVerified == "true"
	u, err := s.Sessions.SignInSSO(r.Context(), p, store.SSOIdentity{Subject: idt.Subject, Email: claims.Email, EmailVerified: verified}, clientIP(r))
	if err != nil {
		s.ssoRefused(w, r, next, err)
		return
	}
	s.signedIn(w, r, u, "sso", next)
}

// ssoAllowed answers 429 when the client's address has asked too often:
// every request of single sign-on calls the provider.
func (s *Server) ssoAllowed(w http.ResponseWriter, r *http.Request, next string) bool {
	if s.ssoLimit.allow(clientIP(r)) {
		return true
	}
	w.Header().Set("Retry-After", "5")
	s.ssoRefused(w, r, next, redazione.Errorf(redazione.ETOOMANY, "%s", translate(langOf(r), "login.busy")))
	return false
}

// ssoRefused shows the login page with why single sign-on did not work,
// beside the password form.
func (s *Server) ssoRefused(w http.ResponseWriter, r *http.Request, next string, err error) {
	p := &page{Lang: langOf(r)}
	p.Title = p.T("login.title")
	p.Data = s.loginData(r, next, "")
	var down ssoUnreachable
	var wrong ssoMisconfigured
	var expired *oidc.TokenExpiredError
	var de *redazione.Error
	switch {
	case errors.As(err, &down):
		s.Log.Warn("single sign-on: the provider does not answer", "err", down.err, "remote", clientIP(r))
		err = redazione.Errorf(redazione.EINTERNAL, "%s", p.T("sso.down"))
		refused(w, err)
		p.Error = redazione.ErrorMessage(err)
		s.render(w, r, http.StatusBadGateway, "login", "", p)
		return
	case errors.As(err, &wrong):
		s.Log.Error("single sign-on: the provider's discovery does not match its issuer", "err", wrong.err, "remote", clientIP(r))
		err = redazione.Errorf(redazione.EINTERNAL, "%s", p.T("sso.misconfigured"))
		refused(w, err)
		p.Error = redazione.ErrorMessage(err)
		s.render(w, r, http.StatusBadGateway, "login", "", p)
		return
	case errors.As(err, &expired):
		s.Log.Info("single sign-on: expired ID token", "remote", clientIP(r))
		err = redazione.Errorf(redazione.EUNAUTHORIZED, "l'accesso con l'account dell'ente è scaduto: riprova")
	case errors.As(err, &de):
	default:
		// A token badly signed, for another client or issuer, with another
		// nonce, or a code the provider refused: said once, logged here.
		s.Log.Warn("single sign-on: ID token refused", "err", err, "remote", clientIP(r))
		err = redazione.Errorf(redazione.EUNAUTHORIZED, "l'accesso con l'account dell'ente non è stato confermato: riprova")
	}
	s.renderForm(w, r, "login", p, 0, err)
}

// ssoView is what the administration's single sign-on page shows; the
// client secret never leaves the server.
type ssoView struct {
	Set         bool
	P           store.SSOProvider
	Domains     string
	RedirectURL string
	// LoginURL is the ente's own login page, to give its staff.
	LoginURL string
}

func (s *Server) ssoPage(w http.ResponseWriter, r *http.Request, u *session) {
	s.renderSSO(w, r, u, nil, "", http.StatusOK, nil)
}

// renderSSO shows the page; form, when a save was refused, is what was
// typed.
func (s *Server) renderSSO(w http.ResponseWriter, r *http.Request, u *session, form *store.SSOProvider, flash string, status int, formErr error) {
	p := s.page(r, u, translate(langOf(r), "admin.sso"), "admin")
	v := &ssoView{RedirectURL: s.baseURL(r) + ssoCallbackPath, LoginURL: ssoLoginURL(s.baseURL(r), u.Ente.Slug), P: store.SSOProvider{PasswordLogin: true}}
	cur, err := s.ssoDB().SSOProvider(r.Context(), u.Actor.EnteID)
	switch {
	case err == nil:
		v.Set, v.P = true, *cur
	case redazione.ErrorCode(err) != redazione.ENOTFOUND:
		s.fail(w, r, p, err)
		return
	}
	if form != nil {
		v.P = *form
	}
	v.P.ClientSecret = ""
	v.Domains = strings.Join(v.P.AllowedDomains, " ")
	p.Data, p.Flash = v, flash
	s.renderForm(w, r, "admin_sso", p, status, formErr)
}

func (s *Server) saveSSO(w http.ResponseWriter, r *http.Request, u *session) {
	p := store.SSOProvider{
		Name: r.PostFormValue("name"), Issuer: r.PostFormValue("issuer"), ClientID: r.PostFormValue("client_id"),
		ClientSecret:   r.PostFormValue("client_secret"),
		AllowedDomains: strings.FieldsFunc(r.PostFormValue("domains"), func(c rune) bool { return c == ',' || c == ';' || c == ' ' || c == '\n' || c == '\r' || c == '\t' }),
		CreateUsers:    r.PostFormValue("create_users") == "on", PasswordLogin: r.PostFormValue("password_login") == "on",
	}
	if err := s.Settings.SetSSO(r.Context(), u.Actor, p); err != nil {
		s.renderSSO(w, r, u, &p, "", 0, err)
		return
	}
	s.renderSSO(w, r, u, nil, translate(langOf(r), "admin.saved"), http.StatusOK, nil)
}

func (s *Server) ssoOff(w http.ResponseWriter, r *http.Request, u *session) {
	if err := s.Settings.SSOOff(r.Context(), u.Actor); err != nil {
		s.renderSSO(w, r, u, nil, "", 0, err)
		return
	}
	s.renderSSO(w, r, u, nil, translate(langOf(r), "sso.disabled"), http.StatusOK, nil)
}

// ssoLoginURL is the login page of one ente, to give its staff.
func ssoLoginURL(base, slug string) string {
	return base + "/login?ente=" + url.QueryEscape(slug)
}

var ssoCatalog = map[string][2]string{
	"nav.sso":               {"Accesso con l'account dell'ente", "Sign-in with the ente's account"},
	"admin.sso":             {"Accesso con l'account dell'ente (single sign-on)", "Sign-in with the ente's account (single sign-on)"},
	"sso.help":              {"Collega il servizio di identità dell'ente (Microsoft Entra ID, Google Workspace, Keycloak o un altro fornitore OpenID Connect): il personale accede con il proprio account dell'ente.", "Connect the ente's identity provider (Microsoft Entra ID, Google Workspace, Keycloak or another OpenID Connect provider): staff sign in with their ente account."},
	"sso.redirect":          {"Indirizzo di ritorno da registrare presso il fornitore (redirect URI)", "Redirect URI to register with the provider"},
	"sso.login.url":         {"Pagina di accesso del vostro ente", "Your ente's sign-in page"},
	"sso.name":              {"Nome mostrato sul pulsante «Accedi con …»", "Name on the “Sign in with …” button"},
	"sso.issuer":            {"Emittente (issuer URL)", "Issuer URL"},
	"sso.issuer.help":       {"Per esempio https://login.microsoftonline.com/ID-TENANT/v2.0, https://accounts.google.com o https://keycloak.example.it/realms/comune.", "For example https://login.microsoftonline.com/TENANT-ID/v2.0, https://accounts.google.com or https://keycloak.example.it/realms/comune."},
	"sso.client_id":         {"Identificativo del client (client id)", "Client id"},
	"sso.client_secret":     {"Segreto del client (client secret)", "Client secret"},
	"sso.client_secret.set": {"Un segreto è già salvato (cifrato): lascia vuoto per tenerlo.", "A secret is stored (sealed): leave empty to keep it."},
	"sso.domains":           {"Domini e-mail ammessi (separati da spazi)", "Allowed e-mail domains (separated by spaces)"},
	"sso.domains.help":      {"Per esempio comune.example.it. Vuoto: qualsiasi dominio, ma solo per utenti già creati.", "For example comune.example.it. Empty: any domain, for users already created only."},
	"sso.create_users":      {"Crea l'utente al primo accesso (ruolo operatore, senza area)", "Create the user at first sign-in (operator role, no desk)"},
	"sso.password_login":    {"Consenti anche l'accesso con password", "Also allow sign-in with a password"},
	"sso.password_login.help": {"Per disattivarlo accedi prima tu con il servizio dell'ente. Se il servizio non risponde, da riga di comando: redazione sso off.",
		"To turn it off, first sign in yourself with the ente's provider. If the provider is down, on the command line: redazione sso off."},
	"sso.off":           {"Scollega il servizio di accesso", "Disconnect the provider"},
	"sso.off.help":      {"Il personale tornerà ad accedere con la password.", "Staff will sign in with a password again."},
	"sso.disabled":      {"Servizio di accesso scollegato: si accede con la password.", "Provider disconnected: sign in with a password."},
	"sso.with":          {"Accedi con", "Sign in with"},
	"sso.or":            {"oppure con la password", "or with a password"},
	"sso.down":          {"Il servizio di accesso dell'ente non risponde: riprova più tardi o accedi con la password.", "The ente's sign-in service does not answer: try again later or sign in with a password."},
	"sso.misconfigured": {"Il servizio di accesso dell'ente non è configurato bene (l'emittente non corrisponde): avvisa l'amministratore, o accedi con la password.", "The ente's sign-in service is misconfigured (the issuer does not match): tell the administrator, or sign in with a password."},
	"sso.password.off":  {"Per il tuo ente l'accesso con password è disattivato: usa il pulsante «Accedi con …» del tuo ente.", "Your ente has turned password sign-in off: use your ente's “Sign in with …” button."},
	"sso.all":           {"Tutti i modi di accesso", "All the ways to sign in"},
}
