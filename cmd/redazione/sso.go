package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/settings"
	"github.com/redazione/redazione/store"
)

// Single sign-on of one ente (docs/SSO.md). The client secret is read from
// a file, sealed in the database, and never printed.

// redazione sso set --issuer URL --client-id ID --client-secret-file F [--allowed-domain D ...] [--create-users]
func ssoSet(fs *flag.FlagSet) func(context.Context, *adminSession) error {
	issuer := fs.String("issuer", "", "the provider's issuer URL")
	clientID := fs.String("client-id", "", "the client id registered with the provider")
	secretFile := fs.String("client-secret-file", "", "file holding the client secret (required the first time; omitted: kept)")
	var domains multi
	fs.Var(&domains, "allowed-domain", "e-mail domain that may sign in (repeatable; none: any, for existing users only)")
	createUsers := fs.Bool("create-users", false, "create a user (operator, no desk) at the first sign-in of an allowed address")
	name := fs.String("name", "", "the provider's name on the login page's button (default: the issuer's host)")
	password := fs.Bool("password-login", true, "also allow sign-in with a password (--password-login=false: single sign-on only)")
	return func(ctx context.Context, s *adminSession) error {
		var secret string
		if *secretFile != "" {
			b, err := os.ReadFile(*secretFile)
			if err != nil {
				return fmt.Errorf("--client-secret-file: %w", err)
			}
			secret = strings.TrimSpace(string(b))
			if secret == "" {
				return fmt.Errorf("--client-secret-file: %s is empty", *secretFile)
			}
		}
		p := store.SSOProvider{Name: *name, Issuer: *issuer, ClientID: *clientID, ClientSecret: secret, AllowedDomains: domains,
			CreateUsers: *createUsers, PasswordLogin: *password}
		if err := (&settings.Service{DB: s.db}).SetSSO(ctx, s.sys, p); err != nil {
			return err
		}
		return s.showSSO(ctx)
	}
}

// redazione sso show
func ssoShow(*flag.FlagSet) func(context.Context, *adminSession) error {
	return func(ctx context.Context, s *adminSession) error { return s.showSSO(ctx) }
}

// redazione sso off: the ente's users sign in with a password again (the
// way back when the provider is down or misconfigured).
func ssoOff(*flag.FlagSet) func(context.Context, *adminSession) error {
	return func(ctx context.Context, s *adminSession) error {
		if err := (&settings.Service{DB: s.db}).SSOOff(ctx, s.sys); err != nil {
			return err
		}
		return s.showSSO(ctx)
	}
}

// showSSO prints the ente's single sign-on as JSON, without the secret.
func (s *adminSession) showSSO(ctx context.Context) error {
	p, err := s.db.SSOProvider(ctx, s.ente.ID)
	if redazione.ErrorCode(err) == redazione.ENOTFOUND {
		return s.out.Encode(map[string]any{"ente": s.ente.Slug, "enabled": false, "password_login": true})
	}
	if err != nil {
		return err
	}
	domains := p.AllowedDomains
	if domains == nil {
		domains = []string{}
	}
	res := map[string]any{"ente": s.ente.Slug, "enabled": true, "name": p.DisplayName(), "issuer": p.Issuer, "client_id": p.ClientID,
		"client_secret_set": p.ClientSecret != "", "allowed_domains": domains, "create_users": p.CreateUsers, "password_login": p.PasswordLogin,
		"updated_at": p.UpdatedAt.UTC().Format(time.RFC3339)}
	if s.cfg.PublicURL != "" {
		base := strings.TrimRight(s.cfg.PublicURL, "/")
		res["redirect_url"] = base + "/login/sso/callback"
		res["login_url"] = base + "/login?ente=" + s.ente.Slug
	}
	return s.out.Encode(res)
}
