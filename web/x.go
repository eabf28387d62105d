package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/oauth2"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/channel/x"
)

// xReads is what the X sign-in pages read (*store.DB has it).
type xReads interface {
	Channel(ctx context.Context, id int64) (*redazione.Channel, error)
}

func (s *Server) xDB() xReads { return s.DB }

const (
	xCookie       = "redazione_x"
	xCallbackPath = "/admin/x/callback"
	xFlowTTL      = 10 * time.Minute
)

// xFlow is what the cookie of an X sign-in under way holds, between the
// redirect to X and its answer: the state binds X's answer to this
// browser and, with Session, to the administrator's session (a digest of
// its CSRF token, which changes with every session); the verifier binds
// the code to this sign-in (PKCE). HttpOnly, SameSite=Lax, limited to the
// callback, ten minutes.
type xFlow struct {
	State    string `json:"s"`
	Verifier string `json:"v"`
	Channel  int64  `json:"c"`
	User     int64  `json:"u"`
	Session  string `json:"k"`
	Expires  int64  `json:"t"`
}

func sessionTag(u *session) string {
	h := sha256.Sum256([]byte("x-sign-in\x00" + u.CSRF))
	return hex.EncodeToString(h[:])
}

// xView is the data of an X channel's page.
type xView struct {
	Channel     *redazione.Channel
	CallbackURL string
	Username    string
	SignedIn    bool
	Mentions    bool
}

// xChannel finds an X channel of the administrator's ente.
func (s *Server) xChannel(r *http.Request, u *session, id int64) (*redazione.Channel, error) {
	c, err := s.xDB().Channel(r.Context(), id)
	if err != nil || c.EnteID != u.Actor.EnteID || c.Kind != redazione.ChannelX {
		return nil, redazione.Errorf(redazione.ENOTFOUND, "canale X non trovato")
	}
	return c, nil
}

// xPage shows an X channel: the account signed in, or the button to sign
// it in, and the callback address to register with X.
func (s *Server) xPage(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	flash := ""
	if r.URL.Query().Get("x") == "collegato" {
		flash = translate(langOf(r), "x.signed_in")
	}
	s.renderX(w, r, u, id, flash, http.StatusOK, nil)
}

func (s *Server) renderX(w http.ResponseWriter, r *http.Request, u *session, id int64, flash string, status int, formErr error) {
	p := s.page(r, u, translate(langOf(r), "x.title"), "admin")
	c, err := s.xChannel(r, u, id)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	p.Flash = flash
	p.Data = &xView{Channel: c, CallbackURL: s.baseURL(r) + xCallbackPath, Username: c.Settings[x.SettingUsername],
		SignedIn: c.Settings[x.SettingRefreshToken] != "", Mentions: c.Settings["read_mentions"] == "on"}
	s.renderForm(w, r, "admin_x", p, status, formErr)
}

// xSignIn sends the administrator's browser to X to let Redazione use the
// account.
func (s *Server) xSignIn(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	c, err := s.xChannel(r, u, id)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	if c.Settings["client_id"] == "" || c.Settings["client_secret"] == "" {
		s.renderX(w, r, u, id, "", 0, redazione.FieldError("client_id", "mancano client_id e client_secret dell'app X: impostali in Amministrazione › Canali"))
		return
	}
	f := xFlow{State: auth.NewToken(""), Verifier: oauth2.GenerateVerifier(), Channel: c.ID, User: u.User.ID, Session: sessionTag(u),
		Expires: time.Now().Add(xFlowTTL).Unix()}
	b, _ := json.Marshal(f)
	http.SetCookie(w, &http.Cookie{Name: xCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: xCallbackPath, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.Config.SecureCookies || r.TLS != nil, MaxAge: int(xFlowTTL.Seconds())})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, x.AuthCodeURL(c, s.baseURL(r)+xCallbackPath, f.State, f.Verifier), http.StatusSeeOther)
}

// xCallback takes X's answer: the state must be the one of this browser's
// and this session's sign-in; the code is traded for the tokens (with the
// verifier), which are sealed in the channel's settings with the account's
// id and name.
func (s *Server) xCallback(w http.ResponseWriter, r *http.Request, u *session) {
	c, err := r.Cookie(xCookie)
	// The cookie serves one answer only.
	http.SetCookie(w, &http.Cookie{Name: xCookie, Value: "", Path: xCallbackPath, MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.Config.SecureCookies || r.TLS != nil})
	var f xFlow
	if err == nil {
		var b []byte
		if b, err = base64.RawURLEncoding.DecodeString(c.Value); err == nil {
			err = json.Unmarshal(b, &f)
		}
	}
	q := r.URL.Query()
	if err != nil || f.State == "" || f.User != u.User.ID || subtle.ConstantTimeCompare([]byte(f.Session), []byte(sessionTag(u))) != 1 ||
		subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.State)) != 1 {
		s.xRefused(w, r, u, f.Channel, "x.err.state")
		return
	}
	if time.Now().Unix() > f.Expires {
		s.xRefused(w, r, u, f.Channel, "x.err.expired")
		return
	}
	if e := q.Get("error"); e != "" {
		s.Log.Info("x sign-in refused", "error", e, "channel", f.Channel)
		key := "x.err.denied"
		if e != "access_denied" {
			key = "x.err.refused"
		}
		s.xRefused(w, r, u, f.Channel, key)
		return
	}
	ch, err := s.xChannel(r, u, f.Channel)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	acc, err := x.Exchange(ctx, nil, ch, s.baseURL(r)+xCallbackPath, q.Get("code"), f.Verifier)
	if err != nil {
		s.renderX(w, r, u, ch.ID, "", 0, err)
		return
	}
	settings := maps.Clone(ch.Settings)
	maps.Copy(settings, acc.Settings())
	if err := s.Settings.UpdateChannelSettings(r.Context(), u.Actor, ch.ID, settings); err != nil {
		s.renderX(w, r, u, ch.ID, "", 0, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/channels/%d/x?x=collegato", ch.ID), http.StatusSeeOther)
}

// xRefused shows why the sign-in did not happen, on the channel's page when
// it is known.
func (s *Server) xRefused(w http.ResponseWriter, r *http.Request, u *session, id int64, key string) {
	err := redazione.Errorf(redazione.EINVALID, "%s", translate(langOf(r), key))
	if id == 0 {
		s.fail(w, r, s.page(r, u, translate(langOf(r), "x.title"), "admin"), err)
		return
	}
	s.renderX(w, r, u, id, "", 0, err)
}

var xCatalog = map[string][2]string{
	"kind.x":                {"X (Twitter)", "X (Twitter)"},
	"set.client_id":         {"Client ID dell'app X (OAuth 2.0)", "The X app's client ID (OAuth 2.0)"},
	"set.client_secret":     {"Client secret dell'app X", "The X app's client secret"},
	"set.read_mentions":     {"Leggi le menzioni (serve un accesso alle API che lo consenta)", "Read mentions (the API access must allow it)"},
	"set.read_mentions.on":  {"sì, nella posta in arrivo", "yes, into the inbox"},
	"set.read_mentions.off": {"no, solo pubblicazione", "no, publishing only"},
	"set.auth_base_url":     {"Indirizzo della pagina di accesso (auth_base_url)", "Sign-in page address (auth_base_url)"},
	"x.title":               {"Account X", "X account"},
	"x.help":                {"Redazione pubblica sull'account X dell'ente, e ne legge le menzioni se l'accesso alle API dell'ente lo consente. Un amministratore collega l'account accedendo con X: Redazione conserva i token cifrati e li rinnova da sé.", "Redazione posts on the ente's X account, and reads its mentions if the ente's API access allows it. An administrator links the account by signing in with X: Redazione keeps the tokens encrypted and renews them itself."},
	"x.callback":            {"Indirizzo di callback da registrare nell'app su developer.x.com", "Callback address to register in the app on developer.x.com"},
	"x.account":             {"Account collegato", "Linked account"},
	"x.none":                {"Nessun account collegato: non si può ancora pubblicare.", "No account linked: posting is not possible yet."},
	"x.mentions.on":         {"Le menzioni arrivano nella posta in arrivo come conversazioni pubbliche; le risposte escono nel thread.", "Mentions reach the inbox as public conversations; answers go out in the thread."},
	"x.mentions.off":        {"Le menzioni non vengono lette (impostazione read_mentions).", "Mentions are not read (setting read_mentions)."},
	"x.sign_in":             {"Accedi con X", "Sign in with X"},
	"x.sign_in.again":       {"Accedi di nuovo con X", "Sign in with X again"},
	"x.back":                {"Torna ai canali", "Back to the channels"},
	"x.page":                {"Account X: accesso", "X account: sign-in"},
	"x.signed_in":           {"Account X collegato: ora si può pubblicare.", "X account linked: posting is now possible."},
	"x.err.state":           {"La risposta di X non corrisponde a un accesso avviato da te in questa sessione: riprova da Amministrazione › Canali.", "X's answer does not match a sign-in you started in this session: try again from Administration › Channels."},
	"x.err.expired":         {"L'accesso con X è scaduto (dieci minuti): riprova.", "The sign-in with X expired (ten minutes): try again."},
	"x.err.denied":          {"Su X è stato negato l'accesso all'account: Redazione non può pubblicare finché non lo concedi.", "Access to the account was denied on X: Redazione cannot post until you grant it."},
	"x.err.refused":         {"X non ha concesso l'accesso: controlla client ID e indirizzo di callback dell'app, poi riprova.", "X did not grant access: check the app's client ID and callback address, then try again."},
}

var _ = addCatalog(xCatalog)
