package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/redazione/redazione"
)

// SSOProvider is an ente's OpenID Connect identity provider, for single
// sign-on. Each ente of the installation has at most one.
type SSOProvider struct {
	EnteID   int64
	EnteSlug string // read only: filled by SSOProviders
	EnteName string // read only: filled by SSOProviders
	// Name is what the login page's button says: "Accedi con <Name>".
	Name     string
	Issuer   string
	ClientID string
	// ClientSecret is sealed at rest; it is never shown nor logged.
	ClientSecret string
	// AllowedDomains are the e-mail domains that may sign in; none: any
	// (only when CreateUsers is off).
	AllowedDomains []string
	// CreateUsers makes a user, with the least role and no desk, at the
	// first sign-in of an address with no account.
	CreateUsers bool
	// PasswordLogin lets the ente's users also sign in with a password.
	PasswordLogin bool
	UpdatedAt     time.Time
}

// DisplayName is the provider's name for the login page: its Name, or
// else the issuer's host.
func (p *SSOProvider) DisplayName() string {
	if p.Name != "" {
		return p.Name
	}
	if u, err := url.Parse(p.Issuer); err == nil && u.Host != "" {
		return u.Host
	}
	return p.Issuer
}

// DomainAllowed tells whether an e-mail address may sign in with p.
func (p *SSOProvider) DomainAllowed(email string) bool {
	if len(p.AllowedDomains) == 0 {
		return true
	}
	_, domain, ok := strings.Cut(strings.ToLower(email), "@")
	return ok && slices.Contains(p.AllowedDomains, domain)
}

const ssoColumns = "p.ente_id, e.slug, e.name, p.name, p.issuer, p.client_id, p.client_secret, p.allowed_domains, p.create_users, p.password_login, p.updated_at"

func (db *DB) scanSSOProvider(row interface{ Scan(...any) error }) (*SSOProvider, error) {
	var p SSOProvider
	var domains string
	var updated int64
	if err := row.Scan(&p.EnteID, &p.EnteSlug, &p.EnteName, &p.Name, &p.Issuer, &p.ClientID, &p.ClientSecret, &domains, &p.CreateUsers, &p.PasswordLogin, &updated); err != nil {
		return nil, err
	}
	p.AllowedDomains, p.UpdatedAt = strings.Fields(domains), tm(updated)
	if db.sealer == nil {
		return nil, errors.New("the single sign-on secret is sealed and no master key is set")
	}
	plain, err := db.sealer.Open(p.ClientSecret)
	if err != nil {
		return nil, fmt.Errorf("ente %d single sign-on secret: %w", p.EnteID, err)
	}
	p.ClientSecret = string(plain)
	return &p, nil
}

// SSOProvider returns the identity provider of an ente; ENOTFOUND when
// it has none.
func (db *DB) SSOProvider(ctx context.Context, enteID int64) (*SSOProvider, error) {
	p, err := db.scanSSOProvider(db.reader().row(ctx, "SELECT "+ssoColumns+" FROM sso_providers p JOIN entes e ON e.id = p.ente_id WHERE p.ente_id = ?", enteID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, redazione.Errorf(redazione.ENOTFOUND, "l'accesso con l'account dell'ente non è configurato")
	}
	if err != nil {
		return nil, fmt.Errorf("sso provider: %w", err)
	}
	return p, nil
}

// SSOProviders lists the identity providers of every ente, by ente id,
// for the login page.
func (db *DB) SSOProviders(ctx context.Context) ([]SSOProvider, error) {
	rows, err := db.reader().query(ctx, "SELECT "+ssoColumns+" FROM sso_providers p JOIN entes e ON e.id = p.ente_id ORDER BY e.name, e.id")
	if err != nil {
		return nil, fmt.Errorf("sso providers: %w", err)
	}
	defer rows.Close()
	var out []SSOProvider
	for rows.Next() {
		p, err := db.scanSSOProvider(rows)
		if err != nil {
			return nil, fmt.Errorf("sso providers: %w", err)
		}
		out = append(out, *p)
	}
	return out, rows.Err()
}

var domainRe = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$`)

// checkIssuer accepts an https URL, or http on this machine (a provider
// for tests or a local Keycloak).
func checkIssuer(issuer string) error {
	u, err := url.Parse(issuer)
	if issuer == "" || err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return redazione.FieldError("issuer", "scrivi l'indirizzo dell'emittente (issuer), per esempio https://login.microsoftonline.com/ID-TENANT/v2.0")
	}
	if u.Scheme == "https" {
		return nil
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); u.Scheme == "http" && (host == "localhost" || ip != nil && ip.IsLoopback()) {
		return nil
	}
	return redazione.FieldError("issuer", "l'emittente deve essere un indirizzo https")
}

// SetSSOProvider connects (or changes) the identity provider of a's ente.
// An empty ClientSecret keeps the one stored. The secret is sealed; the
// audit trail records the change without it.
func (db *DB) SetSSOProvider(ctx context.Context, a redazione.Actor, p SSOProvider) error {
	if !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "solo un amministratore può configurare l'accesso con l'account dell'ente")
	}
	p.Name, p.Issuer, p.ClientID = strings.TrimSpace(p.Name), strings.TrimRight(strings.TrimSpace(p.Issuer), "/"), strings.TrimSpace(p.ClientID)
	if err := checkIssuer(p.Issuer); err != nil {
		return err
	}
	if p.ClientID == "" {
		return redazione.FieldError("client_id", "manca l'identificativo del client (client id)")
	}
	if len(p.Name) > 60 {
		return redazione.FieldError("name", "il nome del servizio è troppo lungo (al più 60 caratteri)")
	}
	var domains []string
	for _, d := range p.AllowedDomains {
		d = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(d)), "@")
		if d == "" {
			continue
		}
		if !domainRe.MatchString(d) {
			return redazione.FieldError("domains", "dominio non valido: %q (scrivi per esempio comune.example.it)", d)
		}
		if !slices.Contains(domains, d) {
			domains = append(domains, d)
		}
	}
	if p.CreateUsers && len(domains) == 0 {
		return redazione.FieldError("domains", "per creare gli utenti al primo accesso indica almeno un dominio e-mail ammesso")
	}
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		secret := strings.TrimSpace(p.ClientSecret)
		var stored string
		err := tx.row(ctx, "SELECT client_secret FROM sso_providers WHERE ente_id = ?", a.EnteID).Scan(&stored)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sso provider: %w", err)
		}
		if !p.PasswordLogin && a.UserID != 0 {
			// Whoever turns passwords off must have signed in with the
			// provider: otherwise a wrong setting locks the office out.
			var n int
			if err := tx.row(ctx, "SELECT COUNT(*) FROM sso_links WHERE ente_id = ? AND issuer = ? AND user_id = ?", a.EnteID, p.Issuer, a.UserID).Scan(&n); err != nil {
				return fmt.Errorf("sso provider: %w", err)
			}
			if n == 0 {
				return redazione.FieldError("password_login", "prima di disattivare l'accesso con password accedi tu stesso con il servizio dell'ente, per provarlo")
			}
		}
		if secret == "" && stored == "" {
			return redazione.FieldError("client_secret", "manca il segreto del client (client secret)")
		}
		if secret != "" {
			if db.sealer == nil {
				return errors.New("no master key to seal the single sign-on secret (REDAZIONE_SECRET_KEY)")
			}
			if stored, err = db.sealer.Seal([]byte(secret)); err != nil {
				return err
			}
		}
		_, err = tx.exec(ctx, "DELETE FROM sso_providers WHERE ente_id = ?", a.EnteID)
		if err == nil {
			_, err = tx.exec(ctx, "INSERT INTO sso_providers (ente_id, name, issuer, client_id, client_secret, allowed_domains, create_users, password_login, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
				a.EnteID, p.Name, p.Issuer, p.ClientID, stored, strings.Join(domains, " "), p.CreateUsers, p.PasswordLogin, ms(now))
		}
		if err != nil {
			return fmt.Errorf("set sso provider: %w", err)
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "sso.set", Target: p.Issuer,
			Detail: fmt.Sprintf("client_id=%s domains=%s create_users=%v password_login=%v secret_changed=%v", p.ClientID, strings.Join(domains, ","), p.CreateUsers, p.PasswordLogin, secret != "")})
	})
}

// DeleteSSOProvider disconnects the identity provider of a's ente: its
// users sign in with a password again. The links of accounts are kept,
// for when the same provider is connected again.
func (db *DB) DeleteSSOProvider(ctx context.Context, a redazione.Actor) error {
	if !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "solo un amministratore può configurare l'accesso con l'account dell'ente")
	}
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		var issuer string
		err := tx.row(ctx, "SELECT issuer FROM sso_providers WHERE ente_id = ?", a.EnteID).Scan(&issuer)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("sso off: %w", err)
		}
		if _, err := tx.exec(ctx, "DELETE FROM sso_providers WHERE ente_id = ?", a.EnteID); err != nil {
			return fmt.Errorf("sso off: %w", err)
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "sso.off", Target: issuer})
	})
}

// SSOIdentity is who an identity provider says signed in, read from an ID
// token that was verified (signature, issuer, audience, expiry, nonce).
type SSOIdentity struct {
	Subject       string
	Email         string
	EmailVerified bool
}

// SSOSignIn finds the user of p's ente that id is, and records the
// sign-in from remote (login.sso). A known issuer and subject is that
// user; otherwise the verified e-mail finds the ente's user, and the link
// is recorded (sso.link), so that later sign-ins match on issuer and
// subject; with no such user and CreateUsers on, a user is made with the
// least role (operator) and no desk. Refused, and recorded as
// login.sso.failed: an unverified e-mail, a domain not allowed, a disabled
// user, an address of another ente, or no user when CreateUsers is off.
func (db *DB) SSOSignIn(ctx context.Context, p *SSOProvider, id SSOIdentity, remote string) (*redazione.User, error) {
	email := strings.ToLower(strings.TrimSpace(id.Email))
	refuse := func(reason string, err error) (*redazione.User, error) {
		if aerr := db.Audit(ctx, redazione.AuditEntry{EnteID: p.EnteID, Action: "login.sso.failed", Target: email, Detail: reason + " " + remote}); aerr != nil {
			return nil, aerr
		}
		return nil, err
	}
	if id.Subject == "" {
		return refuse("no-subject", redazione.Errorf(redazione.EUNAUTHORIZED, "il servizio di accesso dell'ente non ha indicato chi sei: riprova"))
	}
	if !id.EmailVerified || email == "" {
		return refuse("email-unverified", redazione.Errorf(redazione.EFORBIDDEN, "il servizio di accesso dell'ente non conferma il tuo indirizzo e-mail (email_verified): chiedi all'amministratore"))
	}
	if _, err := NormalizeEmail(email); err != nil {
		return refuse("email-invalid", redazione.Errorf(redazione.EFORBIDDEN, "il servizio di accesso dell'ente ha indicato un indirizzo e-mail non valido"))
	}
	if !p.DomainAllowed(email) {
		return refuse("domain", redazione.Errorf(redazione.EFORBIDDEN, "gli indirizzi @%s non sono ammessi per questo ente: accedi con l'indirizzo dell'ente (%s)",
			email[strings.LastIndex(email, "@")+1:], "@"+strings.Join(p.AllowedDomains, ", @")))
	}
	now := db.now()
	var u *redazione.User
	var why string
	err := db.inTx(ctx, func(tx conn) error {
		var err error
		u, err = scanUser(tx.row(ctx, "SELECT "+prefixed("u.", userColumns)+" FROM sso_links l JOIN users u ON u.id = l.user_id WHERE l.ente_id = ? AND l.issuer = ? AND l.subject = ?",
			p.EnteID, p.Issuer, id.Subject))
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sso link: %w", err)
		}
		if errors.Is(err, sql.ErrNoRows) {
			u, err = scanUser(tx.row(ctx, "SELECT "+userColumns+" FROM users WHERE email = ?", email))
			switch {
			case errors.Is(err, sql.ErrNoRows) && p.CreateUsers:
				u = &redazione.User{EnteID: p.EnteID, Email: email, Name: strings.Split(email, "@")[0], Role: redazione.RoleOperator, Lang: "it", CreatedAt: now.UTC()}
				if u.ID, err = tx.insert(ctx, "INSERT INTO users (ente_id, email, name, role, password_hash, lang, created_at) VALUES (?, ?, ?, ?, '', ?, ?)",
					u.EnteID, u.Email, u.Name, string(u.Role), u.Lang, ms(u.CreatedAt)); err != nil {
					return fmt.Errorf("sso user: %w", err)
				}
				if err := appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: p.EnteID, Action: "user.create", Target: email, Detail: string(u.Role) + " sso"}); err != nil {
					return err
				}
			case errors.Is(err, sql.ErrNoRows):
				why = "no-user"
				return redazione.Errorf(redazione.EFORBIDDEN, "nessun utente di questo ente ha l'indirizzo %s: chiedi all'amministratore di crearlo", email)
			case err != nil:
				return fmt.Errorf("sso user: %w", err)
			case u.EnteID != p.EnteID:
				why = "other-ente"
				return redazione.Errorf(redazione.EFORBIDDEN, "l'indirizzo %s è di un utente di un altro ente", email)
			}
			if u.Disabled {
				why = "disabled"
				return redazione.Errorf(redazione.EFORBIDDEN, "il tuo utente è disattivato: chiedi all'amministratore")
			}
			if _, err := tx.exec(ctx, "INSERT INTO sso_links (ente_id, issuer, subject, user_id, created_at) VALUES (?, ?, ?, ?, ?)",
				p.EnteID, p.Issuer, id.Subject, u.ID, ms(now)); err != nil {
				return fmt.Errorf("sso link: %w", err)
			}
			if err := appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: p.EnteID, ActorID: u.ID, Action: "sso.link", Target: u.Email, Detail: p.Issuer + " " + id.Subject}); err != nil {
				return err
			}
		}
		if u.Disabled {
			why = "disabled"
			return redazione.Errorf(redazione.EFORBIDDEN, "il tuo utente è disattivato: chiedi all'amministratore")
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: p.EnteID, ActorID: u.ID, Action: "login.sso", Target: u.Email, Detail: remote})
	})
	if why != "" {
		return refuse(why, err)
	}
	if err != nil {
		return nil, err
	}
	return u, db.loadDesks(ctx, u)
}

// prefixed puts a table's alias before each of a list of columns.
func prefixed(alias, cols string) string {
	return alias + strings.ReplaceAll(cols, ", ", ", "+alias)
}
