package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/store"
)

// The second factor (docs/MFA.md): TOTP (RFC 6238: 30-second steps, six
// digits, SHA-1, which every authenticator app reads), passkeys
// (WebAuthn) and ten single-use recovery codes. The store keeps them;
// the checks are here.

const (
	totpPeriod = 30
	// totpSkew is how many steps before and after now a code may be
	// from, for clocks a little off.
	totpSkew = 1
	// RecoveryCodes is how many recovery codes a user gets.
	RecoveryCodes = 10
	// MaxPasskeyName is the longest name of a passkey, in characters.
	MaxPasskeyName = 60
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// totpIssuer names Redazione in authenticator apps.
const totpIssuer = "Redazione"

// NewTOTP makes a new TOTP secret for u, kept sealed until its first
// code confirms it (ConfirmTOTP), and returns it as a key (for the QR
// code and the secret in text).
func (s *Sessions) NewTOTP(ctx context.Context, u *redazione.User) (*otp.Key, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: u.Email, Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, err
	}
	if err := s.DB.SetTOTPSecret(ctx, u, key.Secret()); err != nil {
		return nil, err
	}
	return key, nil
}

// PendingTOTP returns the TOTP key of u made by NewTOTP and not yet
// confirmed, to show it again.
func (s *Sessions) PendingTOTP(ctx context.Context, u *redazione.User) (*otp.Key, error) {
	secret, confirmed, _, err := s.DB.TOTPSecret(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if confirmed {
		return nil, redazione.Errorf(redazione.ECONFLICT, "l'app di autenticazione è già configurata")
	}
	return totpKey(u, secret)
}

func totpKey(u *redazione.User, secret string) (*otp.Key, error) {
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", totpIssuer)
	v.Set("period", "30")
	v.Set("digits", "6")
	v.Set("algorithm", "SHA1")
	return otp.NewKeyFromURL((&url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + totpIssuer + ":" + u.Email, RawQuery: v.Encode()}).String())
}

// totpStep returns the time step, within totpSkew of now and later than
// last, whose code is code.
func totpStep(secret, code string, now time.Time, last int64) (int64, bool) {
	code = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, code)
	if len(code) != 6 {
		return 0, false
	}
	step := now.Unix() / totpPeriod
	for s := step - totpSkew; s <= step+totpSkew; s++ {
		if s <= last {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// ConfirmTOTP confirms u's new TOTP with its first valid code. For a
// first factor it returns the new recovery codes, shown once.
func (s *Sessions) ConfirmTOTP(ctx context.Context, u *redazione.User, code string) ([]string, error) {
	secret, confirmed, last, err := s.DB.TOTPSecret(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if confirmed {
		return nil, redazione.Errorf(redazione.ECONFLICT, "l'app di autenticazione è già configurata")
	}
	step, ok := totpStep(secret, code, s.DB.Now(), last)
	if !ok {
		return nil, redazione.FieldError("code", "codice sbagliato: scrivi le sei cifre che l'app mostra ora")
	}
	codes, hashes := newRecoveryCodes()
	first, err := s.DB.ConfirmTOTP(ctx, u, step, hashes)
	if err != nil || !first {
		return nil, err
	}
	return codes, nil
}

// checkTOTP tells whether code is a valid code of u's TOTP never taken
// before, and takes it.
func (s *Sessions) checkTOTP(ctx context.Context, u *redazione.User, code string) (bool, error) {
	secret, confirmed, last, err := s.DB.TOTPSecret(ctx, u.ID)
	if redazione.ErrorCode(err) == redazione.ENOTFOUND {
		return false, nil
	}
	if err != nil || !confirmed {
		return false, err
	}
	step, ok := totpStep(secret, code, s.DB.Now(), last)
	if !ok {
		return false, nil
	}
	return s.DB.UseTOTPStep(ctx, u.ID, step)
}

// RemoveTOTP removes u's TOTP; refused when it is u's last factor and
// the ente's policy requires one.
func (s *Sessions) RemoveTOTP(ctx context.Context, u *redazione.User) error {
	if err := s.keepsRequired(ctx, u, "totp", 0); err != nil {
		return err
	}
	return s.DB.RemoveTOTP(ctx, u)
}

// RemovePasskey removes a passkey of u; refused when it is u's last
// factor and the ente's policy requires one.
func (s *Sessions) RemovePasskey(ctx context.Context, u *redazione.User, id int64) error {
	if err := s.keepsRequired(ctx, u, "passkey", id); err != nil {
		return err
	}
	return s.DB.RemovePasskey(ctx, u, id)
}

// keepsRequired refuses to remove u's last factor when the policy
// requires one.
func (s *Sessions) keepsRequired(ctx context.Context, u *redazione.User, kind string, id int64) error {
	p, err := s.DB.MFAPolicy(ctx, u.EnteID)
	if err != nil || !p.Requires(u) {
		return err
	}
	f, err := s.DB.Factors(ctx, u.ID)
	if err != nil {
		return err
	}
	left := len(f.Passkeys)
	if kind == "passkey" {
		for _, pk := range f.Passkeys {
			if pk.ID == id {
				left--
			}
		}
	}
	if kind != "totp" && f.TOTP {
		left++
	}
	if left == 0 {
		return redazione.Errorf(redazione.EINVALID, "il tuo ente richiede un secondo fattore: aggiungine un altro prima di rimuovere questo")
	}
	return nil
}

// recoveryAlphabet has no letters easily taken for others (0/o, 1/l/i).
const recoveryAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

// newRecoveryCodes makes RecoveryCodes codes (xxxx-xxxx-xxxx, about 59
// bits each) and their hashes.
func newRecoveryCodes() (codes, hashes []string) {
	for range RecoveryCodes {
		b := make([]byte, 12)
		rand.Read(b)
		var c strings.Builder
		for i, x := range b {
			if i > 0 && i%4 == 0 {
				c.WriteByte('-')
			}
			c.WriteByte(recoveryAlphabet[int(x)%len(recoveryAlphabet)])
		}
		codes = append(codes, c.String())
		hashes = append(hashes, recoveryHash(c.String()))
	}
	return codes, hashes
}

// recoveryHash is what is kept of a recovery code: the SHA-256 of the
// code without dashes or spaces, in lower case (a high-entropy code
// needs no slow hash).
func recoveryHash(code string) string {
	code = strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(code)))
	return HashToken("recovery:" + code)
}

// RegenerateRecoveryCodes gives u ten new recovery codes, shown once; the
// old ones stop working. Only a user with a factor has them.
func (s *Sessions) RegenerateRecoveryCodes(ctx context.Context, u *redazione.User) ([]string, error) {
	ok, err := s.DB.HasFactor(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, redazione.Errorf(redazione.EINVALID, "i codici di recupero servono con un secondo fattore: configura prima un'app di autenticazione o una passkey")
	}
	codes, hashes := newRecoveryCodes()
	return codes, s.DB.ReplaceRecoveryCodes(ctx, u, hashes)
}

// StartScoped opens a session for u with a scope (see
// store.CreateScopedSession).
func (s *Sessions) StartScoped(ctx context.Context, u *redazione.User, tokenHash, csrf, scope, userAgent, remote string) error {
	return s.DB.CreateScopedSession(ctx, u, tokenHash, csrf, scope, userAgent, remote)
}

// BeginSecondFactor keeps a pending login of u, whose first step (via
// "password" or "sso") passed from remote, and returns the token of its
// cookie. No session exists until the second factor passes.
func (s *Sessions) BeginSecondFactor(ctx context.Context, u *redazione.User, via, next, remote string) (string, error) {
	token := NewToken("")
	err := s.DB.CreatePendingLogin(ctx, u, store.PendingLogin{TokenHash: HashToken(token), Via: via, Next: next, CSRF: NewToken("")}, remote)
	return token, err
}

// CancelSecondFactor forgets a pending login.
func (s *Sessions) CancelSecondFactor(ctx context.Context, pendingHash string) error {
	return s.DB.DeletePendingLogin(ctx, pendingHash)
}

// SecondFactorResult is what passing the second factor tells the user.
type SecondFactorResult struct {
	// RecoveryUsed: a recovery code was spent; RecoveryLeft are left.
	RecoveryUsed bool
	RecoveryLeft int
}

// counted counts an attempt at u's second factor from remote before it is
// checked, as a password is (see CountAttempt): parallel guesses each see
// the ones before them, and too many wait a growing delay.
func (s *Sessions) counted(ctx context.Context, u *redazione.User, remote string) error {
	_, wait, err := s.DB.CountLoginAttempt(ctx, u, remote)
	if err != nil {
		return err
	}
	if !wait.IsZero() {
		return redazione.Errorf(redazione.ETOOMANY, "troppi tentativi sbagliati: riprova dopo le %s", wait.In(calendar.Rome).Format("15:04:05"))
	}
	return nil
}

// VerifySecondFactor checks a code of the pending login known by
// pendingHash, of user u, from remote: a TOTP code (method "totp") or a
// recovery code ("recovery"). Each attempt is counted before the check;
// a right one ends the pending login (the caller then opens the session).
func (s *Sessions) VerifySecondFactor(ctx context.Context, pendingHash string, u *redazione.User, method, code, remote string) (SecondFactorResult, error) {
	var res SecondFactorResult
	if err := s.counted(ctx, u, remote); err != nil {
		return res, err
	}
	ok := false
	var err error
	switch method {
	case "recovery":
		ok, res.RecoveryLeft, err = s.DB.UseRecoveryCode(ctx, u, recoveryHash(code), remote)
		res.RecoveryUsed = ok
	default:
		method = "totp"
		ok, err = s.checkTOTP(ctx, u, code)
	}
	if err != nil {
		return res, err
	}
	if !ok {
		if err := s.DB.RecordSecondFactorFailure(ctx, u, method, remote); err != nil {
			return res, err
		}
		if method == "recovery" {
			return res, redazione.FieldError("recovery", "codice di recupero sbagliato o già usato")
		}
		return res, redazione.FieldError("code", "codice sbagliato o già usato: scrivi le sei cifre che l'app mostra ora")
	}
	return res, s.DB.FinishPendingLogin(ctx, pendingHash, method, remote)
}

// Passkeys (WebAuthn). The relying party is the installation's public
// address (its host is the RP ID, its origin the only one accepted).

// passkeyUser is u as the WebAuthn library sees it.
type passkeyUser struct {
	u     *redazione.User
	creds []webauthn.Credential
}

// WebAuthnID is the user handle: the user's id, which names no one.
func (p passkeyUser) WebAuthnID() []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(p.u.ID))
}
func (p passkeyUser) WebAuthnName() string                       { return p.u.Email }
func (p passkeyUser) WebAuthnDisplayName() string                { return p.u.Name }
func (p passkeyUser) WebAuthnCredentials() []webauthn.Credential { return p.creds }

// relyingParty returns the WebAuthn relying party of origin (scheme and
// host of the public address).
func relyingParty(origin string) (*webauthn.WebAuthn, error) {
	o, err := url.Parse(origin)
	if err != nil || o.Hostname() == "" {
		return nil, errors.New("passkey: no public address to use as relying party")
	}
	return webauthn.New(&webauthn.Config{RPID: o.Hostname(), RPDisplayName: "Redazione", RPOrigins: []string{o.Scheme + "://" + o.Host}})
}

func (s *Sessions) passkeyUser(ctx context.Context, u *redazione.User) (passkeyUser, []store.Passkey, error) {
	pks, err := s.DB.Passkeys(ctx, u.ID)
	if err != nil {
		return passkeyUser{}, nil, err
	}
	pu := passkeyUser{u: u}
	for _, pk := range pks {
		var c webauthn.Credential
		if err := json.Unmarshal(pk.Credential, &c); err != nil {
			return pu, nil, err
		}
		pu.creds = append(pu.creds, c)
	}
	return pu, pks, nil
}

// PasskeyName checks the name of a new passkey.
func PasskeyName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", redazione.FieldError("name", "dai un nome alla passkey (per esempio: portatile dell'ufficio)")
	}
	if utf8.RuneCountInString(name) > MaxPasskeyName {
		return "", redazione.FieldError("name", "il nome della passkey supera %d caratteri", MaxPasskeyName)
	}
	return name, nil
}

// BeginPasskeyRegistration starts registering a passkey of u from a page
// at origin; the ceremony is kept bound to owner (the hash of the
// session's token). It returns the options for the browser, as JSON.
func (s *Sessions) BeginPasskeyRegistration(ctx context.Context, u *redazione.User, owner, origin string) ([]byte, error) {
	rp, err := relyingParty(origin)
	if err != nil {
		return nil, err
	}
	pu, _, err := s.passkeyUser(ctx, u)
	if err != nil {
		return nil, err
	}
	creation, sd, err := rp.BeginRegistration(pu,
		webauthn.WithExclusions(webauthn.Credentials(pu.creds).CredentialDescriptors()),
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementPreferred))
	if err != nil {
		return nil, err
	}
	return s.saveCeremony(ctx, owner, "register", u, sd, creation)
}

func (s *Sessions) saveCeremony(ctx context.Context, owner, kind string, u *redazione.User, sd *webauthn.SessionData, options any) ([]byte, error) {
	data, err := json.Marshal(sd)
	if err != nil {
		return nil, err
	}
	if err := s.DB.SaveCeremony(ctx, owner, kind, u.ID, data); err != nil {
		return nil, err
	}
	return json.Marshal(options)
}

func (s *Sessions) takeCeremony(ctx context.Context, owner, kind string, u *redazione.User) (webauthn.SessionData, error) {
	var sd webauthn.SessionData
	data, err := s.DB.TakeCeremony(ctx, owner, kind, u.ID)
	if err != nil {
		return sd, err
	}
	return sd, json.Unmarshal(data, &sd)
}

func badPasskey() error {
	return redazione.Errorf(redazione.EINVALID, "la passkey non è stata accettata: riprova")
}

// FinishPasskeyRegistration checks the browser's answer (response, JSON)
// to the ceremony begun by owner and keeps the passkey with its name. For
// a first factor it returns the new recovery codes, shown once.
func (s *Sessions) FinishPasskeyRegistration(ctx context.Context, u *redazione.User, owner, origin, name string, response []byte) ([]string, error) {
	name, err := PasskeyName(name)
	if err != nil {
		return nil, err
	}
	rp, err := relyingParty(origin)
	if err != nil {
		return nil, err
	}
	sd, err := s.takeCeremony(ctx, owner, "register", u)
	if err != nil {
		return nil, err
	}
	pu, _, err := s.passkeyUser(ctx, u)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBody(bytes.NewReader(response))
	if err != nil {
		return nil, badPasskey()
	}
	cred, err := rp.CreateCredential(pu, sd, parsed)
	if err != nil {
		return nil, badPasskey()
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return nil, err
	}
	codes, hashes := newRecoveryCodes()
	first, err := s.DB.AddPasskey(ctx, u, store.Passkey{Name: name, CredentialID: base64.RawURLEncoding.EncodeToString(cred.ID), Credential: raw}, hashes)
	if err != nil || !first {
		return nil, err
	}
	return codes, nil
}

// BeginPasskeyLogin starts the passkey step of the pending login owner
// (the hash of its token) of u; it returns the options for the browser.
func (s *Sessions) BeginPasskeyLogin(ctx context.Context, u *redazione.User, owner, origin string) ([]byte, error) {
	rp, err := relyingParty(origin)
	if err != nil {
		return nil, err
	}
	pu, _, err := s.passkeyUser(ctx, u)
	if err != nil {
		return nil, err
	}
	if len(pu.creds) == 0 {
		return nil, redazione.Errorf(redazione.EINVALID, "non hai passkey: usa l'app di autenticazione o un codice di recupero")
	}
	assertion, sd, err := rp.BeginLogin(pu)
	if err != nil {
		return nil, err
	}
	return s.saveCeremony(ctx, owner, "login", u, sd, assertion)
}

// FinishPasskeyLogin checks the browser's answer to the passkey step of
// the pending login owner, from remote: counted before the check like any
// attempt; a right one ends the pending login.
func (s *Sessions) FinishPasskeyLogin(ctx context.Context, u *redazione.User, owner, origin, remote string, response []byte) error {
	if err := s.counted(ctx, u, remote); err != nil {
		return err
	}
	ok, err := s.checkPasskey(ctx, u, owner, origin, response)
	if err != nil {
		return err
	}
	if !ok {
		if err := s.DB.RecordSecondFactorFailure(ctx, u, "passkey", remote); err != nil {
			return err
		}
		return badPasskey()
	}
	return s.DB.FinishPendingLogin(ctx, owner, "passkey", remote)
}

func (s *Sessions) checkPasskey(ctx context.Context, u *redazione.User, owner, origin string, response []byte) (bool, error) {
	rp, err := relyingParty(origin)
	if err != nil {
		return false, err
	}
	sd, err := s.takeCeremony(ctx, owner, "login", u)
	if err != nil {
		return false, err
	}
	pu, pks, err := s.passkeyUser(ctx, u)
	if err != nil {
		return false, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBody(bytes.NewReader(response))
	if err != nil {
		return false, nil
	}
	cred, err := rp.ValidateLogin(pu, sd, parsed)
	if err != nil || cred.Authenticator.CloneWarning {
		return false, nil
	}
	id := base64.RawURLEncoding.EncodeToString(cred.ID)
	for _, pk := range pks {
		if pk.CredentialID == id {
			raw, err := json.Marshal(cred)
			if err != nil {
				return false, err
			}
			return true, s.DB.TouchPasskey(ctx, pk.ID, raw)
		}
	}
	return false, nil
}
