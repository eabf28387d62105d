package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/channel/appio"
	"github.com/redazione/redazione/channel/telegram"
	"github.com/redazione/redazione/channel/x"
	"github.com/redazione/redazione/jobs"
	"github.com/redazione/redazione/notify"
	"github.com/redazione/redazione/secrets"
	"github.com/redazione/redazione/store"
	"github.com/redazione/redazione/web"
)

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// subcommand is one administration command. It declares its own flags on
// fs and returns what it does once they are parsed.
type subcommand func(fs *flag.FlagSet) func(ctx context.Context, s *adminSession) error

// adminSession is what a subcommand runs with: the open database, where its
// JSON goes and, for the commands that work inside one ente, that ente.
type adminSession struct {
	cfg    config
	db     *store.DB
	out    *json.Encoder
	stdout io.Writer // for the commands that print text (audit verify)
	ente   *redazione.Ente
	sys    redazione.Actor // the system acting in ente
	slug   string          // --ente, for the commands that are not limited to one ente
}

// admin runs the user, token, channel, ente, audit and sso subcommands. Their
// output is JSON (one object, or one object per line for lists) for
// scripts; audit verify prints a line per ente and answers by its exit
// status.
func admin(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		return fmt.Errorf("missing subcommand: see redazione help")
	}
	verb := args[0] + " " + args[1]
	rest := args[2:]
	var cmd subcommand
	inEnte := true // takes --ente and runs inside that ente
	switch verb {
	case "user create":
		cmd = userCreate
	case "user list":
		cmd = userList
	case "user reset-factors":
		cmd = userResetFactors
	case "user disable":
		cmd = userDisable
	case "token create":
		cmd = tokenCreate
	case "token list":
		cmd = tokenList
	case "token revoke":
		cmd, inEnte = tokenRevoke, false
	case "channel add":
		if len(rest) == 0 {
			return fmt.Errorf("channel add needs a kind: api, webchat, telegram, whatsapp, messenger, instagram, mastodon, email or appio")
		}
		kind := redazione.ChannelKind(rest[0])
		verb += " " + rest[0]
		rest = rest[1:]
		if kind.Valid() {
			cmd = channelAdd(kind)
		}
	case "channel list":
		cmd = channelList
	case "ente create":
		cmd, inEnte = enteCreate, false
	case "ente list":
		cmd, inEnte = enteList, false
	case "audit verify":
		cmd, inEnte = auditVerify, false
	case "sso set":
		cmd = ssoSet
	case "sso show":
		cmd = ssoShow
	case "sso off":
		cmd = ssoOff
	}
	if cmd == nil {
		return fmt.Errorf("unknown command %q", verb)
	}

	fs := flag.NewFlagSet("redazione "+verb, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are returned, and printed once by main
	enteSlug := fs.String("ente", "", "ente slug")
	switch {
	case verb == "audit verify":
		fs.Lookup("ente").Usage = "ente slug (default: every ente)"
	case !inEnte:
		// Every command takes --ente (see the usage); the ente commands
		// are not limited to one, and ignore it.
		fs.Lookup("ente").Usage = "ignored: ente commands are not limited to one ente"
	}
	do := cmd(fs)
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fs.Usage()
			return nil
		}
		return fmt.Errorf("%s: %w", verb, err)
	}

	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	s := &adminSession{cfg: cfg, db: db, out: json.NewEncoder(stdout), stdout: stdout, slug: *enteSlug}
	if inEnte {
		if s.ente, err = pickEnte(ctx, db, *enteSlug); err != nil {
			return err
		}
		s.sys = redazione.SystemActor(s.ente.ID)
	}
	return do(ctx, s)
}

// pickEnte returns the ente named by slug, or the only one.
func pickEnte(ctx context.Context, db *store.DB, slug string) (*redazione.Ente, error) {
	if slug != "" {
		return db.EnteBySlug(ctx, slug)
	}
	entes, err := db.Entes(ctx)
	if err != nil {
		return nil, err
	}
	switch len(entes) {
	case 0:
		return nil, errors.New("no ente yet: run `redazione serve` once, or `redazione ente create`")
	case 1:
		return &entes[0], nil
	}
	return nil, errors.New("more than one ente: choose one with --ente SLUG")
}

// deskIDs reads --desk values (slugs or ids) as desk ids of the ente.
func (s *adminSession) deskIDs(ctx context.Context, desks []string) ([]int64, error) {
	var ids []int64
	for _, d := range desks {
		if id, err := strconv.ParseInt(d, 10, 64); err == nil {
			ids = append(ids, id)
			continue
		}
		desk, err := s.db.DeskBySlug(ctx, s.ente.ID, d)
		if err != nil {
			return nil, fmt.Errorf("desk %q not found", d)
		}
		ids = append(ids, desk.ID)
	}
	return ids, nil
}

// redazione ente create --slug S --name N
func enteCreate(fs *flag.FlagSet) func(context.Context, *adminSession) error {
	slug := fs.String("slug", "", "ente slug")
	name := fs.String("name", "", "name")
	return func(ctx context.Context, s *adminSession) error {
		e, err := s.db.CreateEnte(ctx, *slug, *name)
		if err != nil {
			return err
		}
		return s.out.Encode(map[string]any{"id": e.ID, "slug": e.Slug, "name": e.Name})
	}
}

// redazione ente list
func enteList(*flag.FlagSet) func(context.Context, *adminSession) error {
	return func(ctx context.Context, s *adminSession) error {
		entes, err := s.db.Entes(ctx)
		if err != nil {
			return err
		}
		for _, e := range entes {
			s.out.Encode(map[string]any{"id": e.ID, "slug": e.Slug, "name": e.Name})
		}
		return nil
	}
}

// redazione user create --email E --role ROLE [--name N] [--desk D ...] [--password-file F]
func userCreate(fs *flag.FlagSet) func(context.Context, *adminSession) error {
	email := fs.String("email", "", "e-mail")
	role := fs.String("role", "", "role: admin (or administrator), coordinator, operator or analyst")
	name := fs.String("name", "", "name")
	pwFile := fs.String("password-file", "", "file holding the password")
	var desks multi
	fs.Var(&desks, "desk", "desk slug, name or id (repeatable)")
	return func(ctx context.Context, s *adminSession) error {
		ids, err := s.deskIDs(ctx, desks)
		if err != nil {
			return err
		}
		password, generated := "", false
		if *pwFile != "" {
			b, err := os.ReadFile(*pwFile)
			if err != nil {
				return fmt.Errorf("password file: %w", err)
			}
			password = strings.TrimRight(string(b), "\r\n")
		} else {
			password, generated = auth.GeneratePassword(), true
		}
		if err := auth.CheckNewPassword(password); err != nil {
			return fmt.Errorf("password refused: %w", err)
		}
		hash, err := auth.HashPassword(password)
		if err != nil {
			return err
		}
		u := &redazione.User{Email: *email, Name: *name, Role: redazione.ParseRole(*role), DeskIDs: ids, PasswordHash: hash}
		if err := s.db.CreateUser(ctx, s.sys, u); err != nil {
			return err
		}
		res := map[string]any{"id": u.ID, "email": u.Email, "role": u.Role, "desks": ids}
		if generated {
			res["password"] = password
		}
		return s.out.Encode(res)
	}
}

// redazione user list
func userList(*flag.FlagSet) func(context.Context, *adminSession) error {
	return func(ctx context.Context, s *adminSession) error {
		users, err := s.db.Users(ctx, s.ente.ID)
		if err != nil {
			return err
		}
		for _, u := range users {
			s.out.Encode(map[string]any{"id": u.ID, "email": u.Email, "name": u.Name, "role": u.Role, "desks": u.DeskIDs, "disabled": u.Disabled})
		}
		return nil
	}
}

// redazione user reset-factors --email E
func userResetFactors(fs *flag.FlagSet) func(context.Context, *adminSession) error {
	email := fs.String("email", "", "user e-mail")
	return func(ctx context.Context, s *adminSession) error {
		if *email == "" {
			return fmt.Errorf("--email is required")
		}
		u, err := s.db.UserByEmail(ctx, *email)
		if err != nil || u.EnteID != s.ente.ID {
			return fmt.Errorf("user %q not found", *email)
		}
		if u, err = s.db.ResetFactors(ctx, s.sys, u.ID); err != nil {
			return err
		}
		mailed := false
		if s.cfg.SMTPURL != "" {
			m, err := notify.ParseSMTP(s.cfg.SMTPURL, s.cfg.SMTPFrom)
			if err != nil {
				return fmt.Errorf("REDAZIONE_SMTP_URL: %w", err)
			}
			body := fmt.Sprintf(web.ResetFactorsMail, u.Name, "L'amministratore")
			mailed = m.Send(ctx, []string{u.Email}, web.ResetFactorsSubject, body) == nil
		}
		return s.out.Encode(map[string]any{"id": u.ID, "email": u.Email, "factors_reset": true, "sessions_ended": true, "mailed": mailed})
	}
}

// redazione user disable --email E: the user can no longer sign in, their
// sessions end and their API tokens are revoked, in every process at once.
func userDisable(fs *flag.FlagSet) func(context.Context, *adminSession) error {
	email := fs.String("email", "", "e-mail of the user to disable")
	return func(ctx context.Context, s *adminSession) error {
		u, err := s.userByEmail(ctx, *email, "--email")
		if err != nil {
			return err
		}
		sessions, tokens, err := s.db.DisableUser(ctx, s.sys, u.ID, "")
		if err != nil {
			return err
		}
		return s.out.Encode(map[string]any{"id": u.ID, "email": u.Email, "disabled": true, "sessions_ended": sessions, "tokens_revoked": tokens})
	}
}

// redazione token create --user E [--name N] [--expires 90d] [--read-only]
func tokenCreate(fs *flag.FlagSet) func(context.Context, *adminSession) error {
	userEmail := fs.String("user", "", "user e-mail")
	name := fs.String("name", "", "name")
	expires := fs.String("expires", "365d", "lifetime: days (90d) or a Go duration (720h)")
	readOnly := fs.Bool("read-only", false, "the token only reads")
	return func(ctx context.Context, s *adminSession) error {
		ttl, err := parseLifetime(*expires)
		if err != nil {
			return fmt.Errorf("--expires: %w", err)
		}
		u, err := s.tokenUser(ctx, *userEmail)
		if err != nil {
			return err
		}
		token := auth.NewToken("rdz_")
		t := store.APIToken{Hash: auth.HashToken(token), Name: *name, ReadOnly: *readOnly, ExpiresAt: s.db.Now().Add(ttl)}
		id, err := s.db.CreateAPIToken(ctx, u, t)
		if err != nil {
			return err
		}
		t.ID, t.UserID, t.CreatedAt = id, u.ID, s.db.Now()
		res := tokenJSON(t, u.Email)
		res["token"] = token
		return s.out.Encode(res)
	}
}

// redazione token list --user E
func tokenList(fs *flag.FlagSet) func(context.Context, *adminSession) error {
	userEmail := fs.String("user", "", "user e-mail")
	return func(ctx context.Context, s *adminSession) error {
		u, err := s.tokenUser(ctx, *userEmail)
		if err != nil {
			return err
		}
		ts, err := s.db.APITokens(ctx, u.EnteID, u.ID)
		if err != nil {
			return err
		}
		for _, t := range ts {
			s.out.Encode(tokenJSON(t, u.Email))
		}
		return nil
	}
}

// redazione token revoke ID
func tokenRevoke(fs *flag.FlagSet) func(context.Context, *adminSession) error {
	return func(ctx context.Context, s *adminSession) error {
		if fs.NArg() != 1 {
			return fmt.Errorf("token revoke needs the token id (see token list)")
		}
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil {
			return fmt.Errorf("token revoke: %q is not a token id", fs.Arg(0))
		}
		t, err := s.db.APIToken(ctx, id)
		if err != nil {
			return fmt.Errorf("token %d not found", id)
		}
		if s.slug != "" {
			en, err := s.db.EnteBySlug(ctx, s.slug)
			if err != nil || en.ID != t.EnteID {
				return fmt.Errorf("token %d not found in ente %q", id, s.slug)
			}
		}
		if err := s.db.RevokeAPIToken(ctx, redazione.SystemActor(t.EnteID), id, 0); err != nil {
			return err
		}
		if t, err = s.db.APIToken(ctx, id); err != nil {
			return err
		}
		u, err := s.db.User(ctx, t.EnteID, t.UserID)
		if err != nil {
			return err
		}
		return s.out.Encode(tokenJSON(t, u.Email))
	}
}

// tokenUser returns the user of the ente with the e-mail.
func (s *adminSession) tokenUser(ctx context.Context, email string) (*redazione.User, error) {
	return s.userByEmail(ctx, email, "--user")
}

// userByEmail returns the user of the ente with the e-mail, given by flag.
func (s *adminSession) userByEmail(ctx context.Context, email, flag string) (*redazione.User, error) {
	if email == "" {
		return nil, fmt.Errorf("%s is required", flag)
	}
	u, err := s.db.UserByEmail(ctx, email)
	if err != nil || u.EnteID != s.ente.ID {
		return nil, fmt.Errorf("user %q not found", email)
	}
	return u, nil
}

// tokenJSON is what the token commands print of a token (never its hash).
func tokenJSON(t store.APIToken, email string) map[string]any {
	opt := func(at time.Time) any {
		if at.IsZero() {
			return nil
		}
		return at.UTC().Format(time.RFC3339)
	}
	return map[string]any{"id": t.ID, "user": email, "name": t.Name, "read_only": t.ReadOnly,
		"created_at": opt(t.CreatedAt), "expires_at": opt(t.ExpiresAt), "last_used_at": opt(t.LastUsedAt), "revoked_at": opt(t.RevokedAt)}
}

// parseLifetime reads 90d (days) or a Go duration (720h).
func parseLifetime(v string) (time.Duration, error) {
	var d time.Duration
	if n, ok := strings.CutSuffix(v, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil {
			return 0, fmt.Errorf("%q: use days (90d) or hours (720h)", v)
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return 0, fmt.Errorf("%q: use days (90d) or hours (720h)", v)
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q: must be positive", v)
	}
	return d, nil
}

// redazione channel add KIND --name NAME [--set key=value ...] [--desk D]
// (and --callback-url URL for the API channel)
func channelAdd(kind redazione.ChannelKind) subcommand {
	return func(fs *flag.FlagSet) func(context.Context, *adminSession) error {
		name := fs.String("name", "", "name")
		var callback *string
		if kind == redazione.ChannelAPI {
			callback = fs.String("callback-url", "", "callback URL")
		}
		var desks, sets multi
		fs.Var(&desks, "desk", "desk slug, name or id (repeatable)")
		fs.Var(&sets, "set", "key=value channel setting (repeatable)")
		return func(ctx context.Context, s *adminSession) error {
			ids, err := s.deskIDs(ctx, desks)
			if err != nil {
				return err
			}
			c := &redazione.Channel{Kind: kind, Name: *name, Secret: auth.NewToken("")}
			if callback != nil {
				c.CallbackURL = *callback
			}
			for _, kv := range sets {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || strings.TrimSpace(k) == "" {
					return fmt.Errorf("--set %q: use key=value", k)
				}
				if c.Settings == nil {
					c.Settings = map[string]string{}
				}
				c.Settings[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
			if err := channel.CheckSettings(c.Kind, c.Settings); err != nil {
				return fmt.Errorf("channel add %s: %s (--set key=value)", c.Kind, redazione.ErrorMessage(err))
			}
			if len(ids) > 0 {
				c.DeskID = ids[0]
			}
			if err := s.db.CreateChannel(ctx, s.sys, c); err != nil {
				return err
			}
			s.wakePollers(ctx, c)
			return s.out.Encode(s.addedChannel(ctx, c))
		}
	}
}

// wakePollers asks the running server (any node) to start polling a
// channel just added at once, not at its next sweep, through the job
// queue: this process runs none. Without a server, or before the first one
// created the queue's tables, nothing is asked: a server polls every
// channel when it starts.
func (s *adminSession) wakePollers(ctx context.Context, c *redazione.Channel) {
	if !channel.Polled(c.Kind) {
		return
	}
	if s.db.Dialect() == store.Postgres {
		jobs.WakePollersPostgres(ctx, s.db.URL(), c.ID, string(c.Kind))
		return
	}
	jobs.WakePollersSQLite(ctx, s.db.WriteDB(), c.ID, string(c.Kind))
}

// addedChannel is what `channel add` prints of a new channel: what to give
// the platform or the integration, its secrets only masked but for the ones
// to hand over.
func (s *adminSession) addedChannel(ctx context.Context, c *redazione.Channel) map[string]any {
	res := map[string]any{"id": c.ID, "kind": c.Kind, "name": c.Name, "desk_id": c.DeskID}
	switch c.Kind {
	case redazione.ChannelAPI:
		res["secret"] = c.Secret
		res["messages_url"] = fmt.Sprintf("/api/v1/channels/%d/messages", c.ID)
		res["callback_url"] = c.CallbackURL
	case redazione.ChannelWhatsApp, redazione.ChannelMessenger, redazione.ChannelInstagram:
		res["webhook_url"] = fmt.Sprintf("/hooks/meta/%d", c.ID)
		res["token"] = secrets.Mask(c.Settings["token"])
	case redazione.ChannelMastodon:
		res["token"] = secrets.Mask(c.Settings["token"])
		res["api_base_url"] = c.Settings["api_base_url"]
	case redazione.ChannelEmail:
		res["address"] = c.Settings["address"]
		res["imap_url"] = channel.Masked(c.Settings["imap_url"])
		res["smtp_url"] = channel.Masked(c.Settings["smtp_url"])
		res["pec"] = c.Settings["pec"] == "true"
		res["oauth"] = c.Settings["oauth_token_url"] != ""
	case redazione.ChannelAppIO:
		res["api_key"] = secrets.Mask(c.Settings["api_key"])
		res["service_name"] = c.Settings["service_name"]
		res["api_base_url"] = appio.DefaultBaseURL
		if u := c.Settings["api_base_url"]; u != "" {
			res["api_base_url"] = u
		}
	case redazione.ChannelX:
		// The account is signed in from the channel's page: the address
		// to register as the app's callback, and the page.
		res["client_id"] = c.Settings["client_id"]
		res["client_secret"] = secrets.Mask(c.Settings["client_secret"])
		res["api_base_url"], res["auth_base_url"] = x.DefaultAPIBaseURL, x.DefaultAuthBaseURL
		if u := c.Settings["api_base_url"]; u != "" {
			res["api_base_url"] = u
		}
		if u := c.Settings["auth_base_url"]; u != "" {
			res["auth_base_url"] = u
		}
		res["read_mentions"] = c.Settings["read_mentions"] == "on"
		res["callback_url"] = strings.TrimRight(s.cfg.PublicURL, "/") + "/admin/x/callback"
		res["sign_in_url"] = strings.TrimRight(s.cfg.PublicURL, "/") + fmt.Sprintf("/admin/channels/%d/x", c.ID)
	case redazione.ChannelBluesky:
		res["handle"] = strings.TrimPrefix(c.Settings["handle"], "@")
		res["app_password"] = secrets.Mask(c.Settings["app_password"])
		res["api_base_url"] = c.Settings["api_base_url"] // "": found from the handle
		res["direct_messages"] = c.Settings["direct_messages"] == "on"
	case redazione.ChannelTelegram:
		// Give both to setWebhook: url (behind the public address) and
		// secret_token. With a public https address, Redazione does.
		res["webhook_url"] = fmt.Sprintf("/hooks/telegram/%d", c.ID)
		res["secret"] = c.Secret
		res["token"] = secrets.Mask(c.Settings["token"])
		if path := channel.WebhookPath(c); path != "" && strings.HasPrefix(s.cfg.PublicURL, "https://") {
			res["webhook_registered"] = true
			if err := telegram.SetWebhook(ctx, nil, c, strings.TrimRight(s.cfg.PublicURL, "/")+path); err != nil {
				res["webhook_registered"], res["webhook_error"] = false, redazione.ErrorMessage(err)
			}
		}
	default:
		res["widget"] = fmt.Sprintf(`<script src="/widget.js" data-channel="%d" defer></script>`, c.ID)
	}
	return res
}

// redazione channel list
func channelList(*flag.FlagSet) func(context.Context, *adminSession) error {
	return func(ctx context.Context, s *adminSession) error {
		chans, err := s.db.Channels(ctx, s.ente.ID)
		if err != nil {
			return err
		}
		for _, c := range chans {
			masked := map[string]string{}
			for k, v := range c.Settings {
				if channel.IsSecret(c.Kind, k) {
					v = channel.Masked(v)
				}
				masked[k] = v
			}
			health := map[string]any{"last_event_at": nil, "last_error": c.LastError, "last_error_at": nil, "credentials_expire_at": nil}
			if !c.CredentialsExpireAt.IsZero() {
				health["credentials_expire_at"] = c.CredentialsExpireAt.UTC()
			}
			if !c.LastEventAt.IsZero() {
				health["last_event_at"] = c.LastEventAt.UTC()
			}
			if !c.LastErrorAt.IsZero() {
				health["last_error_at"] = c.LastErrorAt.UTC()
			}
			// the error is past: the channel worked again at this time
			health["last_error_cleared_at"] = nil
			if !c.LastErrorClearedAt.IsZero() {
				health["last_error_cleared_at"] = c.LastErrorClearedAt.UTC()
			}
			s.out.Encode(map[string]any{"id": c.ID, "kind": c.Kind, "name": c.Name, "desk_id": c.DeskID, "callback_url": c.CallbackURL,
				"disabled": c.Disabled, "settings": masked, "health": health})
		}
		return nil
	}
}

// errAuditBroken is audit verify's answer when a chain is not whole: the
// command exits with status 1.
var errAuditBroken = errors.New("audit trail: the chain is broken")

// redazione audit verify [--ente SLUG]
func auditVerify(*flag.FlagSet) func(context.Context, *adminSession) error {
	return func(ctx context.Context, s *adminSession) error {
		var entes []redazione.Ente
		if s.slug != "" {
			e, err := s.db.EnteBySlug(ctx, s.slug)
			if err != nil {
				return err
			}
			entes = append(entes, *e)
		} else {
			var err error
			if entes, err = s.db.Entes(ctx); err != nil {
				return err
			}
		}
		broken := false
		for _, e := range entes {
			total, at, err := s.db.VerifyAudit(ctx, e.ID)
			if err != nil {
				return err
			}
			if at != 0 {
				broken = true
				fmt.Fprintf(s.stdout, "catena interrotta alla voce %d (ente %s)\n", at, e.Slug)
			} else {
				fmt.Fprintf(s.stdout, "catena integra: %d voci (ente %s)\n", total, e.Slug)
			}
		}
		if broken {
			return errAuditBroken
		}
		return nil
	}
}
