package email

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// OAuth 2.0 for mailboxes that no longer take passwords (Microsoft 365,
// Google Workspace): with oauth_token_url set, IMAP and SMTP sign in with
// SASL XOAUTH2, the user of imap_url / smtp_url and an access token from
// the token endpoint, either for the application itself (client
// credentials: Microsoft's IMAP.AccessAsApp and SMTP.SendAsApp) or on the
// mailbox owner's behalf (oauth_refresh_token). Tokens are kept until they
// are about to expire, shared by the channel's reader and sender.
const (
	SettingOAuthTokenURL     = "oauth_token_url"
	SettingOAuthClientID     = "oauth_client_id"
	SettingOAuthClientSecret = "oauth_client_secret"
	SettingOAuthRefreshToken = "oauth_refresh_token"
	SettingOAuthScope        = "oauth_scope"
)

// TokenClient fetches access tokens.
var TokenClient = &http.Client{Timeout: 30 * time.Second}

var tokenSources sync.Map // key of the settings → oauth2.TokenSource

// usesOAuth reports whether the channel signs in with OAuth 2.0.
func usesOAuth(settings map[string]string) bool {
	return strings.TrimSpace(settings[SettingOAuthTokenURL]) != ""
}

// tokenSource returns the channel's token source, one per set of OAuth
// settings, so that tokens are reused until they expire.
func tokenSource(settings map[string]string) oauth2.TokenSource {
	h := sha256.New()
	for _, k := range []string{SettingOAuthTokenURL, SettingOAuthClientID, SettingOAuthClientSecret, SettingOAuthRefreshToken, SettingOAuthScope} {
		h.Write([]byte(settings[k] + "\x00"))
	}
	key := hex.EncodeToString(h.Sum(nil))
	if ts, ok := tokenSources.Load(key); ok {
		return ts.(oauth2.TokenSource)
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, TokenClient)
	scopes := strings.Fields(strings.ReplaceAll(settings[SettingOAuthScope], ",", " "))
	endpoint := oauth2.Endpoint{TokenURL: strings.TrimSpace(settings[SettingOAuthTokenURL])}
	var ts oauth2.TokenSource
	if rt := settings[SettingOAuthRefreshToken]; rt != "" {
		cfg := &oauth2.Config{ClientID: settings[SettingOAuthClientID], ClientSecret: settings[SettingOAuthClientSecret], Endpoint: endpoint, Scopes: scopes}
		ts = cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: rt})
	} else {
		cfg := &clientcredentials.Config{ClientID: settings[SettingOAuthClientID], ClientSecret: settings[SettingOAuthClientSecret],
			TokenURL: endpoint.TokenURL, Scopes: scopes}
		ts = oauth2.ReuseTokenSource(nil, cfg.TokenSource(ctx))
	}
	actual, _ := tokenSources.LoadOrStore(key, ts)
	return actual.(oauth2.TokenSource)
}

// accessToken gets a token for the channel, or says why there is none.
func accessToken(settings map[string]string) (string, error) {
	tok, err := tokenSource(settings).Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			reason := re.ErrorCode
			if re.ErrorDescription != "" {
				reason += ": " + re.ErrorDescription
			}
			if reason == "" {
				reason = re.Response.Status
			}
			return "", fmt.Errorf("token OAuth non ottenuto da %s (%s)", settings[SettingOAuthTokenURL], reason)
		}
		return "", fmt.Errorf("token OAuth non ottenuto da %s: %w", settings[SettingOAuthTokenURL], err)
	}
	return tok.AccessToken, nil
}

// login signs in to the server with XOAUTH2 through auth (the IMAP or
// SMTP client's), with a fresh token.
func (srv *server) xoauth2Login(auth func(c xoauth2) error) error {
	tok, err := accessToken(srv.settings)
	if err != nil {
		return err
	}
	var refusal string
	if err := auth(xoauth2{user: srv.user, token: tok, refusal: &refusal}); err != nil {
		if refusal != "" {
			return fmt.Errorf("%w (%s)", err, refusal)
		}
		return err
	}
	return nil
}

// xoauth2 is the SASL XOAUTH2 mechanism (Google's and Microsoft's): the
// user and the bearer token in one initial response. On a refusal the
// server sends a JSON error as a challenge and waits for an empty answer.
type xoauth2 struct {
	user, token string
	refusal     *string
}

func (x xoauth2) Start() (string, []byte, error) {
	return "XOAUTH2", []byte("user=" + x.user + "\x01auth=Bearer " + x.token + "\x01\x01"), nil
}

func (x xoauth2) Next(challenge []byte) ([]byte, error) {
	if x.refusal != nil {
		*x.refusal = strings.TrimSpace(string(challenge))
	}
	return []byte{}, nil
}
