package email_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel/email"
	"github.com/redazione/redazione/channel/email/mailtest"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// tokenEndpoint is an OAuth 2.0 token endpoint (RFC 6749 §4.4 client
// credentials, §6 refresh) for one application, as Microsoft's and
// Google's answer: {"access_token", "token_type", "expires_in"}, or
// {"error", "error_description"} with 400/401.
type tokenEndpoint struct {
	*httptest.Server
	mu       sync.Mutex
	requests []url.Values
	issued   map[string]bool
}

func newTokenEndpoint(t *testing.T) *tokenEndpoint {
	te := &tokenEndpoint{issued: map[string]bool{}}
	te.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		te.mu.Lock()
		defer te.mu.Unlock()
		te.requests = append(te.requests, r.PostForm)
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		w.Header().Set("Content-Type", "application/json")
		grant := r.PostForm.Get("grant_type")
		switch {
		case id != "app-redazione" || (secret != "segreto-app" && grant != "refresh_token"):
			w.WriteHeader(401)
			w.Write([]byte(`{"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."}`))
			return
		case grant == "refresh_token" && r.PostForm.Get("refresh_token") != "rt-casella":
			w.WriteHeader(400)
			w.Write([]byte(`{"error": "invalid_grant", "error_description": "The refresh token has expired."}`))
			return
		case grant != "client_credentials" && grant != "refresh_token":
			w.WriteHeader(400)
			w.Write([]byte(`{"error": "unsupported_grant_type"}`))
			return
		}
		tok := fmt.Sprintf("tok-%d", len(te.requests))
		te.issued[tok] = true
		json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3599})
	}))
	t.Cleanup(te.Close)
	return te
}

func (te *tokenEndpoint) valid(tok string) bool {
	te.mu.Lock()
	defer te.mu.Unlock()
	return te.issued[tok]
}

func (te *tokenEndpoint) calls() []url.Values {
	te.mu.Lock()
	defer te.mu.Unlock()
	return append([]url.Values(nil), te.requests...)
}

// withoutPassword is a server URL with its user and no password.
func withoutPassword(raw string) string {
	u, _ := url.Parse(raw)
	u.User = url.User(u.User.Username())
	return u.String()
}

// A mailbox that takes no passwords (Microsoft 365, Gmail): the channel
// signs in to IMAP and SMTP with XOAUTH2 and a token for the application,
// fetched once and shared; mail arrives and replies go out.
func TestEmailOAuthClientCredentials(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		te := newTokenEndpoint(t)
		o := newOffice(t, db, mailtest.IMAPOptions{TLS: mailtest.Implicit, ValidToken: te.valid}, mailtest.StartTLS, map[string]string{
			email.SettingOAuthTokenURL: te.URL + "/tenant/oauth2/v2.0/token", email.SettingOAuthClientID: "app-redazione",
			email.SettingOAuthClientSecret: "segreto-app", email.SettingOAuthScope: "https://outlook.office365.com/.default",
		})
		settings := map[string]string{}
		for k, v := range o.ch.Settings {
			settings[k] = v
		}
		settings[email.SettingIMAP], settings[email.SettingSMTP] = withoutPassword(o.imap.URL()), withoutPassword(o.smtp.URL())
		if err := db.UpdateChannelSettings(t.Context(), o.sys, o.ch.ID, settings); err != nil {
			t.Fatal(err)
		}
		o.imap.Deliver(t, sample(t, "citizen_plain.eml"))
		c := o.waitConversations(1)[0]
		r1 := o.reply(c.ID, "Gentile Lucia, abbiamo segnalato la buca.")
		r2 := o.reply(c.ID, "Le scriveremo appena sarà riparata.")
		o.sent(2)
		waitFor(t, "delivery", func() bool {
			return o.message(r1.ID).Delivery == redazione.DeliverySent && o.message(r2.ID).Delivery == redazione.DeliverySent
		})
		calls := te.calls()
		if len(calls) == 0 || calls[0].Get("grant_type") != "client_credentials" || calls[0].Get("scope") != "https://outlook.office365.com/.default" {
			t.Fatalf("token requests %v", calls)
		}
		// one token, kept until it expires, for the reader and both replies
		// (the first settings, with the password, may have taken one more)
		if len(calls) > 2 {
			t.Errorf("%d token requests for one mailbox read and two replies, want the token reused", len(calls))
		}
	})
}

// The mailbox owner's refresh token instead of the application's
// credentials; a refused client or an expired refresh token is the
// channel's error, with the endpoint's reason and no secret.
func TestEmailOAuthRefreshTokenAndRefusals(t *testing.T) {
	t.Parallel()
	te := newTokenEndpoint(t)
	o := newOffice(t, testdb.Open(t, store.SQLite), mailtest.IMAPOptions{TLS: mailtest.Plain, ValidToken: te.valid}, mailtest.Plain, nil)
	set := func(extra map[string]string) {
		t.Helper()
		settings := map[string]string{
			email.SettingIMAP: withoutPassword(o.imap.URL()), email.SettingSMTP: withoutPassword(o.smtp.URL()),
			email.SettingAddress: o.ch.Settings[email.SettingAddress], email.SettingOAuthTokenURL: te.URL + "/token",
			email.SettingOAuthClientID: "app-redazione", email.SettingOAuthScope: "https://mail.google.com/",
		}
		for k, v := range extra {
			settings[k] = v
		}
		if err := o.db.UpdateChannelSettings(t.Context(), o.sys, o.ch.ID, settings); err != nil {
			t.Fatal(err)
		}
	}
	lastError := func(want string) {
		t.Helper()
		waitFor(t, want, func() bool {
			ch, _ := o.db.Channel(context.Background(), o.ch.ID)
			return strings.Contains(ch.LastError, want)
		})
		ch, _ := o.db.Channel(context.Background(), o.ch.ID)
		if strings.Contains(ch.LastError, "sbagliato") || strings.Contains(ch.LastError, "rt-scaduto") {
			t.Errorf("the channel's error shows a secret: %q", ch.LastError)
		}
	}
	set(map[string]string{email.SettingOAuthClientSecret: "segreto-sbagliato"})
	lastError("invalid_client: AADSTS7000215")
	set(map[string]string{email.SettingOAuthRefreshToken: "rt-scaduto"})
	lastError("invalid_grant: The refresh token has expired.")

	set(map[string]string{email.SettingOAuthRefreshToken: "rt-casella", email.SettingOAuthClientSecret: "segreto-app"})
	o.imap.Deliver(t, sample(t, "citizen_plain.eml"))
	c := o.waitConversations(1)[0]
	r := o.reply(c.ID, "Gentile Lucia, grazie della segnalazione.")
	o.sent(1)
	waitFor(t, "delivery", func() bool { return o.message(r.ID).Delivery == redazione.DeliverySent })
	var refreshed bool
	for _, c := range te.calls() {
		refreshed = refreshed || (c.Get("grant_type") == "refresh_token" && c.Get("refresh_token") == "rt-casella")
	}
	if !refreshed {
		t.Errorf("no refresh-token grant in %v", te.calls())
	}
}

// OAuth settings are checked when saved.
func TestEmailOAuthSettings(t *testing.T) {
	t.Parallel()
	base := map[string]string{email.SettingIMAP: "imaps://urp%40comune.example.it@outlook.office365.com/INBOX",
		email.SettingSMTP: "smtp://urp%40comune.example.it@smtp.office365.com:587", email.SettingAddress: "urp@comune.example.it"}
	for name, c := range map[string]struct {
		extra map[string]string
		field string
	}{
		"client credentials":        {map[string]string{"oauth_token_url": "https://login.microsoftonline.com/t/oauth2/v2.0/token", "oauth_client_id": "a", "oauth_client_secret": "s"}, ""},
		"refresh token":             {map[string]string{"oauth_token_url": "https://oauth2.googleapis.com/token", "oauth_client_id": "a", "oauth_refresh_token": "r"}, ""},
		"no client id":              {map[string]string{"oauth_token_url": "https://oauth2.googleapis.com/token", "oauth_client_secret": "s"}, "oauth_client_id"},
		"no secret":                 {map[string]string{"oauth_token_url": "https://oauth2.googleapis.com/token", "oauth_client_id": "a"}, "oauth_client_secret"},
		"no token url":              {map[string]string{"oauth_client_id": "a", "oauth_client_secret": "s"}, "oauth_token_url"},
		"token url not http":        {map[string]string{"oauth_token_url": "ftp://x/token", "oauth_client_id": "a", "oauth_client_secret": "s"}, "oauth_token_url"},
		"token url in clear":        {map[string]string{"oauth_token_url": "http://login.example.it/token", "oauth_client_id": "a", "oauth_client_secret": "s"}, "oauth_token_url"},
		"token url on this machine": {map[string]string{"oauth_token_url": "http://127.0.0.1:8081/token", "oauth_client_id": "a", "oauth_client_secret": "s"}, ""},
	} {
		s := map[string]string{}
		for k, v := range base {
			s[k] = v
		}
		for k, v := range c.extra {
			s[k] = v
		}
		err := email.CheckSettings(s)
		var de *redazione.Error
		if c.field == "" && err != nil || c.field != "" && (!errors.As(err, &de) || de.Field != c.field) {
			t.Errorf("%s: %v; want field %q", name, err, c.field)
		}
	}
}
