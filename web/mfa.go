package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html/template"
	"image/png"
	"net/http"
	"strconv"

	"github.com/pquerna/otp"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/store"
)

// "Accesso e sicurezza" (/me/sicurezza): one's own second factor. A TOTP
// app (QR code made here, the secret in text too, confirmed by a first
// code), passkeys (webauthn.js), ten recovery codes shown once. A
// session that must enrol a factor first reaches only this page.

var _ = addCatalog(mfaCatalog)

// mfaReads is what the page of one's second factor reads (*store.DB has it).
type mfaReads interface {
	Factors(ctx context.Context, userID int64) (store.Factors, error)
	MFAPolicy(ctx context.Context, enteID int64) (redazione.MFAPolicy, error)
}

func (s *Server) mfaDB() mfaReads { return s.DB }

// securityView is the data of the page.
type securityView struct {
	Factors  store.Factors
	Required bool // the ente's policy requires a factor of this user
	// TOTPQR and TOTPSecret: a TOTP being set up (its QR code as a data
	// URL, and its secret in text).
	TOTPQR     template.URL
	TOTPSecret string
	// Recovery: recovery codes just made, shown once.
	Recovery []string
	// Notice says what was done; RecoveryLeft after signing in with a
	// recovery code.
	Notice       string
	UsedRecovery bool
	Name         string // the passkey name typed
}

func (s *Server) securityPage(w http.ResponseWriter, r *http.Request, u *session) {
	v := &securityView{}
	switch r.URL.Query().Get("fatto") {
	case "totp-rimosso":
		v.Notice = translate(langOf(r), "mfa.totp.removed")
	case "passkey-rimossa":
		v.Notice = translate(langOf(r), "mfa.passkey.removed")
	}
	v.UsedRecovery = r.URL.Query().Get("recupero") == "1"
	s.renderSecurity(w, r, u, v, http.StatusOK, nil)
}

// renderSecurity draws the page with what v already says, and the factors
// as they are now.
func (s *Server) renderSecurity(w http.ResponseWriter, r *http.Request, u *session, v *securityView, status int, formErr error) {
	lang := langOf(r)
	p := s.page(r, u, translate(lang, "mfa.title"), "security")
	var err error
	if v.Factors, err = s.mfaDB().Factors(r.Context(), u.User.ID); err != nil {
		s.fail(w, r, p, err)
		return
	}
	policy, err := s.mfaDB().MFAPolicy(r.Context(), u.User.EnteID)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	v.Required = policy.Requires(u.User)
	if v.Factors.TOTPPending {
		key, err := s.Sessions.PendingTOTP(r.Context(), u.User)
		if err != nil {
			s.fail(w, r, p, err)
			return
		}
		if v.TOTPQR, err = qrDataURL(key); err != nil {
			s.fail(w, r, p, err)
			return
		}
		v.TOTPSecret = key.Secret()
	}
	p.Data = v
	s.renderForm(w, r, "me_security", p, status, formErr)
}

// qrDataURL draws the key's otpauth:// address as a QR code, here (no
// outside service sees the secret), as a PNG data URL.
func qrDataURL(key *otp.Key) (template.URL, error) {
	img, err := key.Image(240, 240)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return "", err
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())), nil
}

// startTOTP makes a new TOTP secret; the page then shows it until a first
// code confirms it.
func (s *Server) startTOTP(w http.ResponseWriter, r *http.Request, u *session) {
	if _, err := s.Sessions.NewTOTP(r.Context(), u.User); err != nil {
		s.renderSecurity(w, r, u, &securityView{}, 0, err)
		return
	}
	http.Redirect(w, r, "/me/sicurezza#totp", http.StatusSeeOther)
}

func (s *Server) confirmTOTP(w http.ResponseWriter, r *http.Request, u *session) {
	codes, err := s.Sessions.ConfirmTOTP(r.Context(), u.User, r.PostFormValue("code"))
	if err != nil {
		s.renderSecurity(w, r, u, &securityView{}, 0, err)
		return
	}
	s.enrolledPage(w, r, u, translate(langOf(r), "mfa.totp.done"), codes)
}

// enrolledPage shows what an enrolment did, with the recovery codes of a
// first factor, once; a session that could reach only this page now
// reaches everything.
func (s *Server) enrolledPage(w http.ResponseWriter, r *http.Request, u *session, notice string, codes []string) {
	u.EnrolOnly = false
	s.renderSecurity(w, r, u, &securityView{Notice: notice, Recovery: codes}, http.StatusOK, nil)
}

func (s *Server) removeTOTP(w http.ResponseWriter, r *http.Request, u *session) {
	if err := s.Sessions.RemoveTOTP(r.Context(), u.User); err != nil {
		s.renderSecurity(w, r, u, &securityView{}, 0, err)
		return
	}
	http.Redirect(w, r, "/me/sicurezza?fatto=totp-rimosso", http.StatusSeeOther)
}

func (s *Server) regenerateRecovery(w http.ResponseWriter, r *http.Request, u *session) {
	codes, err := s.Sessions.RegenerateRecoveryCodes(r.Context(), u.User)
	if err != nil {
		s.renderSecurity(w, r, u, &securityView{}, 0, err)
		return
	}
	s.renderSecurity(w, r, u, &securityView{Notice: translate(langOf(r), "mfa.recovery.new"), Recovery: codes}, http.StatusOK, nil)
}

// sessionHash is the hash of the token of the request's session, which
// binds a passkey ceremony to it.
func sessionHash(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	return auth.HashToken(c.Value)
}

// beginPasskey starts registering a passkey: the options for the browser,
// as JSON (webauthn.js); its name is checked first.
func (s *Server) beginPasskey(w http.ResponseWriter, r *http.Request, u *session) {
	if _, err := auth.PasskeyName(r.PostFormValue("name")); err != nil {
		s.renderSecurity(w, r, u, &securityView{Name: r.PostFormValue("name")}, 0, err)
		return
	}
	opts, err := s.Sessions.BeginPasskeyRegistration(r.Context(), u.User, sessionHash(r), s.baseURL(r))
	if err != nil {
		s.renderSecurity(w, r, u, &securityView{}, 0, err)
		return
	}
	writeRawJSON(w, opts)
}

// finishPasskey keeps the passkey the browser made (the form's
// "credential", JSON) and shows the page, with the recovery codes of a
// first factor.
func (s *Server) finishPasskey(w http.ResponseWriter, r *http.Request, u *session) {
	name := r.PostFormValue("name")
	codes, err := s.Sessions.FinishPasskeyRegistration(r.Context(), u.User, sessionHash(r), s.baseURL(r), name, []byte(r.PostFormValue("credential")))
	if err != nil {
		s.renderSecurity(w, r, u, &securityView{Name: name}, 0, err)
		return
	}
	s.enrolledPage(w, r, u, fmt.Sprintf(translate(langOf(r), "mfa.passkey.done"), name), codes)
}

func (s *Server) removePasskey(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := s.Sessions.RemovePasskey(r.Context(), u.User, id); err != nil {
		s.renderSecurity(w, r, u, &securityView{}, 0, err)
		return
	}
	http.Redirect(w, r, "/me/sicurezza?fatto=passkey-rimossa", http.StatusSeeOther)
}

// writeRawJSON writes JSON already encoded.
func writeRawJSON(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

var mfaCatalog = map[string][2]string{
	"nav.security":           {"Accesso e sicurezza", "Sign-in and security"},
	"mfa.title":              {"Accesso e sicurezza", "Sign-in and security"},
	"mfa.intro":              {"Un secondo fattore protegge il tuo account anche se qualcuno scopre la password: dopo la password ti chiediamo un codice dell'app di autenticazione o una passkey.", "A second factor protects your account even if someone learns your password: after the password we ask for a code from your authenticator app or a passkey."},
	"mfa.required":           {"Il tuo ente richiede un secondo fattore di accesso: configura un'app di autenticazione o una passkey per continuare.", "Your organisation requires a second factor: set up an authenticator app or a passkey to continue."},
	"mfa.continue":           {"Continua", "Continue"},
	"mfa.totp":               {"App di autenticazione (TOTP)", "Authenticator app (TOTP)"},
	"mfa.totp.on":            {"Configurata: ti chiediamo un codice a sei cifre dopo la password.", "Set up: we ask for a six-digit code after your password."},
	"mfa.totp.off":           {"Non configurata. Funziona con le app di autenticazione più diffuse (per esempio FreeOTP, Aegis, Google Authenticator, Microsoft Authenticator).", "Not set up. Works with the common authenticator apps (for example FreeOTP, Aegis, Google Authenticator, Microsoft Authenticator)."},
	"mfa.totp.start":         {"Configura l'app di autenticazione", "Set up an authenticator app"},
	"mfa.totp.scan":          {"Inquadra il codice QR con l'app, oppure inserisci a mano la chiave qui sotto; poi scrivi il codice a sei cifre che l'app mostra.", "Scan the QR code with the app, or type the key below by hand; then enter the six-digit code the app shows."},
	"mfa.totp.qr":            {"Codice QR per configurare l'app di autenticazione", "QR code to set up the authenticator app"},
	"mfa.totp.secret":        {"Chiave da inserire a mano", "Key to type by hand"},
	"mfa.totp.code":          {"Codice a sei cifre", "Six-digit code"},
	"mfa.totp.confirm":       {"Conferma", "Confirm"},
	"mfa.totp.restart":       {"Genera un'altra chiave", "Make another key"},
	"mfa.totp.remove":        {"Rimuovi l'app di autenticazione", "Remove the authenticator app"},
	"mfa.totp.done":          {"App di autenticazione configurata.", "Authenticator app set up."},
	"mfa.totp.removed":       {"App di autenticazione rimossa.", "Authenticator app removed."},
	"mfa.passkeys":           {"Passkey", "Passkeys"},
	"mfa.passkeys.intro":     {"Una passkey è una chiave del dispositivo (impronta, volto, PIN o chiave di sicurezza USB): non si può copiare né indovinare.", "A passkey is a key kept by your device (fingerprint, face, PIN or a USB security key): it cannot be copied or guessed."},
	"mfa.passkeys.none":      {"Nessuna passkey registrata.", "No passkey registered."},
	"mfa.passkey.name":       {"Nome della passkey", "Passkey name"},
	"mfa.passkey.name.tip":   {"Per riconoscerla, per esempio: portatile dell'ufficio.", "To recognise it, for example: office laptop."},
	"mfa.passkey.add":        {"Registra una passkey", "Register a passkey"},
	"mfa.passkey.remove":     {"Rimuovi", "Remove"},
	"mfa.passkey.done":       {"Passkey «%s» registrata.", "Passkey “%s” registered."},
	"mfa.passkey.removed":    {"Passkey rimossa.", "Passkey removed."},
	"mfa.passkey.created":    {"Registrata il", "Registered on"},
	"mfa.passkey.used":       {"Ultimo uso", "Last used"},
	"mfa.passkey.never":      {"mai", "never"},
	"mfa.passkey.nojs":       {"Per registrare una passkey serve un browser con JavaScript e WebAuthn.", "Registering a passkey needs a browser with JavaScript and WebAuthn."},
	"mfa.recovery":           {"Codici di recupero", "Recovery codes"},
	"mfa.recovery.left":      {"Codici di recupero ancora validi: %d su 10. Ognuno vale una volta sola, se perdi il telefono o la passkey.", "Recovery codes still valid: %d of 10. Each works once, if you lose your phone or passkey."},
	"mfa.recovery.none":      {"I codici di recupero arrivano con il primo secondo fattore.", "Recovery codes come with your first second factor."},
	"mfa.recovery.shown":     {"Ecco i tuoi codici di recupero. Sono mostrati solo ora: stampali o conservali in un posto sicuro. Ognuno vale una volta sola.", "Here are your recovery codes. They are shown only now: print them or keep them somewhere safe. Each works once."},
	"mfa.recovery.regen":     {"Genera nuovi codici di recupero", "Make new recovery codes"},
	"mfa.recovery.new":       {"Nuovi codici di recupero generati: i precedenti non valgono più.", "New recovery codes made: the old ones no longer work."},
	"mfa.recovery.used":      {"Hai usato un codice di recupero. Se hai perso il telefono o la passkey, configura di nuovo il secondo fattore e genera nuovi codici.", "You used a recovery code. If you lost your phone or passkey, set up your second factor again and make new recovery codes."},
	"mfa.step.title":         {"Verifica in due passaggi", "Two-step verification"},
	"mfa.step.intro":         {"Password corretta. Ora conferma che sei tu.", "Password accepted. Now confirm it is you."},
	"mfa.step.passkey":       {"Usa una passkey", "Use a passkey"},
	"mfa.step.code":          {"Codice dell'app di autenticazione", "Code from your authenticator app"},
	"mfa.step.verify":        {"Verifica", "Verify"},
	"mfa.step.recovery":      {"Non hai il telefono o la passkey? Usa un codice di recupero", "No phone or passkey at hand? Use a recovery code"},
	"mfa.step.recovery.code": {"Codice di recupero", "Recovery code"},
	"mfa.step.cancel":        {"Annulla e torna all'accesso", "Cancel and go back to sign-in"},
	"mfa.step.recovery.left": {"Hai usato un codice di recupero: te ne restano %d.", "You used a recovery code: %d left."},
	"mfa.admin.title":        {"Amministrazione: accesso e sicurezza", "Administration: sign-in and security"},
	"mfa.admin.nav":          {"Accesso e sicurezza", "Sign-in and security"},
	"mfa.admin.required":     {"Chi deve usare un secondo fattore", "Who must use a second factor"},
	"mfa.admin.none":         {"Non obbligatorio (ognuno può attivarlo)", "Not required (anyone may set one up)"},
	"mfa.admin.privileged":   {"Obbligatorio per amministratori e coordinatori", "Required for administrators and coordinators"},
	"mfa.admin.all":          {"Obbligatorio per tutti", "Required for everyone"},
	"mfa.admin.required.tip": {"Chi non ha ancora un secondo fattore lo configura al prossimo accesso, prima di ogni altra cosa.", "Whoever has no second factor yet sets one up at their next sign-in, before anything else."},
	"mfa.admin.sso":          {"Con l'accesso unico (single sign-on) vale il secondo fattore del fornitore di identità", "Single sign-on relies on the identity provider's own second factor"},
	"mfa.admin.saved":        {"Politica di accesso salvata.", "Sign-in policy saved."},
	"mfa.admin.reset":        {"Azzera il secondo fattore", "Reset second factor"},
	"mfa.admin.reset.done":   {"Secondo fattore di %s azzerato: le sue sessioni sono state chiuse e gli è stato notificato.", "Second factor of %s reset: their sessions were ended and they were told."},
	"mfa.admin.has":          {"Secondo fattore attivo", "Second factor on"},
	"mfa.mail.subject":       {"Redazione: il tuo secondo fattore è stato azzerato", "Redazione: your second factor was reset"},
	"mfa.mail.body": {"Gentile %s,\n\n%s ha azzerato il secondo fattore del tuo account Redazione (app di autenticazione, passkey e codici di recupero) e ha chiuso le tue sessioni aperte.\n\nAl prossimo accesso potrai configurarlo di nuovo in «Accesso e sicurezza». Se non lo avevi chiesto, avvisa subito l'amministratore.\n",
		"Dear %s,\n\n%s reset the second factor of your Redazione account (authenticator app, passkeys and recovery codes) and ended your open sessions.\n\nAt your next sign-in you can set it up again in “Sign-in and security”. If you did not ask for this, tell the administrator at once.\n"},
}
