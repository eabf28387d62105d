package x

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/jobs"
)

// The platform's addresses (docs.x.com, "OAuth 2.0 Authorization Code Flow
// with PKCE"): the settings api_base_url and auth_base_url replace them
// for tests and gateways.
const (
	DefaultAPIBaseURL  = "https://api.x.com"
	DefaultAuthBaseURL = "https://x.com"
	authorizePath      = "/i/oauth2/authorize"
	tokenPath          = "/2/oauth2/token"
)

// Scopes are what Redazione asks the account for: reading and writing
// posts, reading the account, a refresh token (offline.access), uploading
// images.
var Scopes = []string{"tweet.read", "tweet.write", "users.read", "offline.access", "media.write"}

// The settings the sign-in adds to the channel (access_token and
// refresh_token are secret by their name: channel.IsSecret).
const (
	SettingAccessToken  = "access_token"
	SettingRefreshToken = "refresh_token"
	SettingTokenExpiry  = "token_expiry"
	SettingUserID       = "user_id"
	SettingUsername     = "username"
)

func apiBase(ch *redazione.Channel) string {
	if b := strings.TrimRight(ch.Settings["api_base_url"], "/"); b != "" {
		return b
	}
	return DefaultAPIBaseURL
}

func authBase(ch *redazione.Channel) string {
	if b := strings.TrimRight(ch.Settings["auth_base_url"], "/"); b != "" {
		return b
	}
	return DefaultAuthBaseURL
}

// OAuthConfig is the channel's OAuth 2.0 client: a confidential one, whose
// id and secret go to the token endpoint in a Basic header.
func OAuthConfig(ch *redazione.Channel, redirectURL string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: ch.Settings["client_id"], ClientSecret: ch.Settings["client_secret"], RedirectURL: redirectURL, Scopes: Scopes,
		Endpoint: oauth2.Endpoint{AuthURL: authBase(ch) + authorizePath, TokenURL: apiBase(ch) + tokenPath, AuthStyle: oauth2.AuthStyleInHeader},
	}
}

// AuthCodeURL is where the administrator's browser goes to let Redazione
// use the account: state binds X's answer to their session, the verifier's
// challenge (S256) the code to this sign-in.
func AuthCodeURL(ch *redazione.Channel, redirectURL, state, verifier string) string {
	return OAuthConfig(ch, redirectURL).AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))
}

// Account is the account an administrator signed in, and its tokens.
type Account struct {
	UserID, Username, Name string
	Token                  *oauth2.Token
}

// Settings are the channel settings that keep the account.
func (a *Account) Settings() map[string]string {
	return map[string]string{SettingAccessToken: a.Token.AccessToken, SettingRefreshToken: a.Token.RefreshToken,
		SettingTokenExpiry: a.Token.Expiry.UTC().Format(time.RFC3339), SettingUserID: a.UserID, SettingUsername: a.Username}
}

// Exchange trades the code X gave back for the account's tokens (with the
// PKCE verifier), and reads which account it is (GET /2/users/me).
func Exchange(ctx context.Context, client *http.Client, ch *redazione.Channel, redirectURL, code, verifier string) (*Account, error) {
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	tok, err := OAuthConfig(ch, redirectURL).Exchange(context.WithValue(ctx, oauth2.HTTPClient, client), code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			if re.ErrorCode == "invalid_client" || re.Response != nil && re.Response.StatusCode == http.StatusUnauthorized {
				return nil, redazione.Errorf(redazione.EINVALID, "X non riconosce client_id e client_secret del canale: controllali nelle impostazioni")
			}
			return nil, redazione.Errorf(redazione.EINVALID, "X non ha accettato il codice di accesso (scaduto o già usato): ripeti l'accesso con X")
		}
		return nil, redazione.Errorf(redazione.EINVALID, "X non risponde: riprova fra qualche minuto")
	}
	if tok.RefreshToken == "" {
		return nil, redazione.Errorf(redazione.EINVALID, "X non ha dato il permesso di restare collegati (offline.access): ripeti l'accesso con X")
	}
	var me struct {
		Data struct{ ID, Name, Username string } `json:"data"`
	}
	if err := call(ctx, client, ch, tok.AccessToken, http.MethodGet, "/2/users/me", "", nil, &me); err != nil {
		return nil, err
	}
	if me.Data.ID == "" {
		return nil, redazione.Errorf(redazione.EINVALID, "X non ha detto quale account è collegato: riprova")
	}
	return &Account{UserID: me.Data.ID, Username: me.Data.Username, Name: me.Data.Name, Token: tok}, nil
}

// Store keeps the channel's tokens: it gives the channel as stored now
// (another process may have renewed them) and saves renewed ones
// (store.DB).
type Store interface {
	Channel(ctx context.Context, id int64) (*redazione.Channel, error)
	SaveChannelTokens(ctx context.Context, id int64, prevRefresh string, tokens map[string]string) error
}

// renewals serialises, in this process, the renewals of a channel's
// tokens: X spends a refresh token on its first use.
var renewals sync.Map // channel id → *sync.Mutex

// notSignedIn is the error of a channel no administrator has signed in.
var notSignedIn = jobs.Permanent{Err: errors.New("l'account X non è collegato: un amministratore deve accedere con X da Amministrazione › Canali")}

// accessToken returns a usable access token of the channel, renewing it
// when it expires within a minute, or when force is set (X said 401).
func accessToken(ctx context.Context, client *http.Client, st Store, ch *redazione.Channel, force bool) (string, error) {
	mu, _ := renewals.LoadOrStore(ch.ID, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	cur := ch
	if st != nil {
		c, err := st.Channel(ctx, ch.ID)
		if err != nil {
			return "", fmt.Errorf("il canale X non si legge: %w", err)
		}
		cur = c
	}
	s := cur.Settings
	expiry, _ := time.Parse(time.RFC3339, s[SettingTokenExpiry])
	if !force && s[SettingAccessToken] != "" && time.Until(expiry) > time.Minute {
		return s[SettingAccessToken], nil
	}
	rt := s[SettingRefreshToken]
	if rt == "" {
		if s[SettingAccessToken] != "" && !force {
			return s[SettingAccessToken], nil
		}
		return "", notSignedIn
	}
	cfg := OAuthConfig(cur, "")
	tok, err := cfg.TokenSource(context.WithValue(ctx, oauth2.HTTPClient, client), &oauth2.Token{RefreshToken: rt}).Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && (re.ErrorCode == "invalid_grant" || re.ErrorCode == "invalid_request" || re.ErrorCode == "invalid_client") {
			// Another node may have spent this refresh token a moment ago
			// (the renewals are serialised per process only): its tokens
			// are in the database then, and the account is still linked.
			if st != nil {
				if c, err := st.Channel(ctx, ch.ID); err == nil && c.Settings[SettingRefreshToken] != rt && c.Settings[SettingAccessToken] != "" {
					if exp, _ := time.Parse(time.RFC3339, c.Settings[SettingTokenExpiry]); time.Until(exp) > time.Minute {
						return c.Settings[SettingAccessToken], nil
					}
				}
			}
			return "", jobs.Permanent{Err: errors.New("X non rinnova più l'accesso dell'account: un amministratore deve accedere di nuovo con X da Amministrazione › Canali")}
		}
		return "", errors.New("X non ha rinnovato l'accesso dell'account: si riprova più tardi")
	}
	if tok.RefreshToken == "" {
		tok.RefreshToken = rt
	}
	renewed := map[string]string{SettingAccessToken: tok.AccessToken, SettingRefreshToken: tok.RefreshToken,
		SettingTokenExpiry: tok.Expiry.UTC().Format(time.RFC3339)}
	if st != nil {
		if err := st.SaveChannelTokens(ctx, ch.ID, rt, renewed); err != nil {
			// The new refresh token is the only valid one now: losing it
			// signs the account out.
			return "", fmt.Errorf("i token rinnovati di X non si salvano: %w", err)
		}
	}
	return tok.AccessToken, nil
}
