package web_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// provider runs a real OpenID provider over HTTP in the test process,
// with its own signing key; opts change it before it starts.
func provider(t *testing.T, opts ...func(*mockoidc.MockOIDC)) *mockoidc.MockOIDC {
	t.Helper()
	kp, err := mockoidc.RandomKeypair(2048)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mockoidc.NewServer(kp.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range opts {
		o(m)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	return m
}

// connect makes m the identity provider of en, allowing en's test domain.
func (e *env) connect(en *redazione.Ente, m *mockoidc.MockOIDC, edit ...func(*store.SSOProvider)) {
	e.t.Helper()
	p := store.SSOProvider{Name: "Entra ID " + en.Slug, Issuer: m.Issuer(), ClientID: m.ClientID, ClientSecret: m.ClientSecret,
		AllowedDomains: []string{en.Slug + ".example.it"}, PasswordLogin: true}
	for _, f := range edit {
		f(&p)
	}
	if err := e.db.SetSSOProvider(context.Background(), redazione.SystemActor(en.ID), p); err != nil {
		e.t.Fatal(err)
	}
}

// account is who the provider says signs in.
func account(sub, email string) *mockoidc.MockUser {
	return &mockoidc.MockUser{Subject: sub, Email: email, EmailVerified: true}
}

// claimsUser lets a test change the ID token's claims before they are
// signed.
type claimsUser struct {
	*mockoidc.MockUser
	edit func(*mockoidc.IDTokenClaims)
}

func (u claimsUser) Claims(scope []string, c *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	u.edit(c)
	return u.MockUser.Claims(scope, c)
}

// ssoSignIn clicks "Accedi con …" of en's button on a new browser, and
// follows the redirects through the provider and back; it returns the
// browser, the last answer's status, where it ended and the page.
func (e *env) ssoSignIn(slug string) (*browser, int, string, string) {
	e.t.Helper()
	b := &browser{e: e, c: newJarClient()}
	resp, err := b.c.Get(e.srv.URL + "/login/sso/" + slug + "?next=" + url.QueryEscape("/notifications"))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return b, resp.StatusCode, resp.Request.URL.Path, html.UnescapeString(string(body))
}

// The sign-ins of issue 12: a good one links the existing user and opens
// the page asked for; every wrong answer of a provider is refused on the
// login page with a message a person understands, and no session starts.
func TestSSOSignIn(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := start(t, db)
		m := provider(t)
		e.connect(e.ente, m)
		u := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)

		_, page := (&browser{e: e, c: newJarClient()}).get("/login")
		if !strings.Contains(page, `href="/login/sso/comune-a?next=%2finbox"`) || !strings.Contains(page, "Accedi con Entra ID comune-a") || !strings.Contains(page, `name="password"`) {
			t.Fatalf("the login page has no button for the ente's provider beside the password form:\n%s", page)
		}

		m.QueueUser(account("sub-anna", u.Email))
		b, code, path, page := e.ssoSignIn("comune-a")
		if code != 200 || path != "/notifications" {
			t.Fatalf("a good sign-in: %d at %s\n%s", code, path, page)
		}
		if code, page := b.get("/inbox"); code != 200 || !strings.Contains(page, u.Name) {
			t.Errorf("the inbox after signing in: %d", code)
		}
		// Later sign-ins match on issuer and subject, whatever the e-mail.
		m.QueueUser(account("sub-anna", "anna.nuova@comune-a.example.it"))
		if _, code, path, _ := e.ssoSignIn("comune-a"); code != 200 || path != "/notifications" {
			t.Errorf("a second sign-in of the linked account: %d at %s", code, path)
		}
		log, _ := db.AuditLog(ctx, redazione.SystemActor(e.ente.ID), 50)
		links, logins := 0, 0
		for _, a := range log {
			switch a.Action {
			case "sso.link":
				links++
				if a.Target != u.Email || !strings.Contains(a.Detail, "sub-anna") {
					t.Errorf("sso.link audited as %+v", a)
				}
			case "login.sso":
				logins++
				if a.Detail != "127.0.0.1" || a.ActorID != u.ID {
					t.Errorf("login.sso audited as %+v", a)
				}
			}
		}
		if links != 1 || logins != 2 {
			t.Errorf("audited %d links and %d sign-ins, want 1 and 2", links, logins)
		}

		// A wrong state: the provider's answer is not this browser's.
		nf := &http.Client{Jar: newJarClient().Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := nf.Get(e.srv.URL + "/login/sso/comune-a")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		authURL, _ := url.Parse(resp.Header.Get("Location"))
		q := authURL.Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" || q.Get("scope") != "openid email profile" {
			t.Errorf("the authorization request lacks PKCE, nonce, state or scopes: %s", authURL)
		}
		var cookie *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == "redazione_sso" {
				cookie = c
			}
		}
		if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.MaxAge <= 0 || cookie.MaxAge > 900 {
			t.Errorf("the sign-in's cookie: %+v", cookie)
		}
		m.QueueUser(account("sub-anna", u.Email))
		resp, err = nf.Get(authURL.String())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		back, _ := url.Parse(resp.Header.Get("Location"))
		bq := back.Query()
		bq.Set("state", "uno-stato-falso")
		back.RawQuery = bq.Encode()
		resp, err = nf.Get(back.String())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 401 || !strings.Contains(html.UnescapeString(string(body)), "non viene da questo browser") || resp.Header.Get("X-Redazione-Error") == "" {
			t.Errorf("a wrong state: %d\n%s", resp.StatusCode, body)
		}
		for _, c := range resp.Cookies() {
			if c.Name == "redazione_session" && c.Value != "" {
				t.Error("a wrong state started a session")
			}
		}

		for _, tc := range []struct {
			name string
			user mockoidc.User
			code int
			want string
		}{
			{"a wrong nonce", claimsUser{account("sub-anna", u.Email), func(c *mockoidc.IDTokenClaims) { c.Nonce = "un-altro-nonce" }}, 401, "non è stato confermato"},
			{"an expired token", claimsUser{account("sub-anna", u.Email), func(c *mockoidc.IDTokenClaims) {
				c.IssuedAt, c.NotBefore, c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-2*time.Hour)), jwt.NewNumericDate(time.Now().Add(-2*time.Hour)), jwt.NewNumericDate(time.Now().Add(-time.Hour))
			}}, 401, "è scaduto"},
			{"a token for another client", claimsUser{account("sub-anna", u.Email), func(c *mockoidc.IDTokenClaims) { c.Audience = jwt.ClaimStrings{"un-altro-client"} }}, 401, "non è stato confermato"},
			{"a domain not allowed", account("sub-gmail", "anna@gmail.com"), 403, "gli indirizzi @gmail.com non sono ammessi"},
			{"an unverified e-mail", &mockoidc.MockUser{Subject: "sub-nv", Email: u.Email}, 403, "non conferma il tuo indirizzo"},
			{"an address with no user", account("sub-new", "nuovo@comune-a.example.it"), 403, "nessun utente di questo ente"},
		} {
			m.QueueUser(tc.user)
			_, code, path, page := e.ssoSignIn("comune-a")
			if code != tc.code || path != "/login/sso/callback" || !strings.Contains(page, tc.want) || !strings.Contains(page, `name="password"`) {
				t.Errorf("%s: %d at %s, want %d saying %q beside the password form\n%s", tc.name, code, path, tc.code, tc.want, page)
			}
		}
		if _, err := db.UserByEmail(ctx, "nuovo@comune-a.example.it"); err == nil {
			t.Error("a user was created with create-users off")
		}

		// A disabled user is refused, linked or not.
		u.Disabled = true
		if err := db.UpdateUser(ctx, redazione.SystemActor(e.ente.ID), u); err != nil {
			t.Fatal(err)
		}
		m.QueueUser(account("sub-anna", u.Email))
		if _, code, path, page := e.ssoSignIn("comune-a"); code != 403 || path == "/notifications" || !strings.Contains(page, "disattivato") {
			t.Errorf("a disabled user: %d at %s", code, path)
		}
		log, _ = db.AuditLog(ctx, redazione.SystemActor(e.ente.ID), 100)
		failed := map[string]bool{}
		for _, a := range log {
			if a.Action == "login.sso.failed" {
				failed[strings.Fields(a.Detail)[0]] = strings.HasSuffix(a.Detail, " 127.0.0.1")
			}
		}
		for _, why := range []string{"domain", "email-unverified", "no-user", "disabled"} {
			if !failed[why] {
				t.Errorf("no login.sso.failed %s with the address in the audit trail: %v", why, failed)
			}
		}
	})
}

// A token signed by a key that is not the provider's is refused.
func TestSSOBadSignature(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		other, err := mockoidc.RandomKeypair(2048)
		if err != nil {
			t.Fatal(err)
		}
		// The provider publishes a key, and signs with another.
		m := provider(t, func(m *mockoidc.MockOIDC) {
			m.AddMiddleware(func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == mockoidc.JWKSEndpoint {
						b, _ := other.JWKS()
						w.Header().Set("Content-Type", "application/json")
						w.Write(b)
						return
					}
					next.ServeHTTP(w, r)
				})
			})
		})
		e.connect(e.ente, m)
		u := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		m.QueueUser(account("sub-1", u.Email))
		if _, code, path, page := e.ssoSignIn("comune-a"); code != 401 || path == "/notifications" || !strings.Contains(page, "non è stato confermato") {
			t.Errorf("a badly signed token: %d at %s\n%s", code, path, page)
		}
	})
}

// With create-users on, the first sign-in of an allowed address makes a
// user with the least role and no desk, who sees no conversation.
func TestSSOCreatesUsers(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := start(t, db)
		m := provider(t)
		e.connect(e.ente, m, func(p *store.SSOProvider) { p.CreateUsers = true })
		m.QueueUser(account("sub-new", "Nuova.Collega@comune-a.example.it"))
		b, code, path, _ := e.ssoSignIn("comune-a")
		if code != 200 || path != "/notifications" {
			t.Fatalf("the first sign-in with create-users on: %d at %s", code, path)
		}
		u, err := db.UserByEmail(ctx, "nuova.collega@comune-a.example.it")
		if err != nil || u.Role != redazione.RoleOperator || len(u.DeskIDs) != 0 || u.EnteID != e.ente.ID {
			t.Fatalf("the user made: %+v, %v", u, err)
		}
		if code, _ := b.get("/admin/users"); code != 403 {
			t.Errorf("the new user opens the administration: %d", code)
		}
		if code, _ := e.loginWith(u.Email, ""); code == 200 {
			t.Error("the new user signs in with an empty password")
		}
		// Still refused: another domain, create-users or not.
		m.QueueUser(account("sub-x", "x@altro.example.it"))
		if _, code, _, _ := e.ssoSignIn("comune-a"); code != 403 {
			t.Errorf("a domain not allowed with create-users on: %d", code)
		}
		log, _ := db.AuditLog(ctx, redazione.SystemActor(e.ente.ID), 20)
		var created bool
		for _, a := range log {
			created = created || a.Action == "user.create" && a.Target == u.Email && strings.Contains(a.Detail, "sso")
		}
		if !created {
			t.Error("the creation is not in the audit trail")
		}
	})
}

// A provider that does not answer: the login page says so, and the
// password still signs in.
func TestSSOProviderDown(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		m := provider(t)
		e.connect(e.ente, m)
		m.Shutdown()
		u := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		_, code, _, page := e.ssoSignIn("comune-a")
		if code != 502 || !strings.Contains(page, "servizio di accesso dell'ente non risponde") || !strings.Contains(page, `name="password"`) {
			t.Errorf("a provider that is down: %d\n%s", code, page)
		}
		e.login(u)

		// A provider that answers, but not at this issuer: said apart.
		other := provider(t)
		e.connect(e.ente, other, func(p *store.SSOProvider) { p.Issuer += "/un-altro-realm" })
		if _, code, _, page := e.ssoSignIn("comune-a"); code != 502 || !strings.Contains(page, "non è configurato bene") {
			t.Errorf("a wrong issuer: %d\n%s", code, page)
		}

		// Every address may ask a burst, then one a second: each request
		// calls the provider.
		nf := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		busy := 0
		for i := 0; i < 45; i++ {
			resp, err := nf.Get(e.srv.URL + "/login/sso/comune-a")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode == 429 {
				busy++
			}
		}
		if busy == 0 || busy > 45-38 { // two went on the sign-ins above
			t.Errorf("%d of 45 quick requests answered 429, want the few over the burst", busy)
		}
	})
}

// A provider that accepts the connection and never answers: the wait is
// bounded, and the login page says the provider does not answer.
func TestSSOProviderHangs(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite), func(c *app.Config) { c.SSOTimeout = 300 * time.Millisecond })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	held := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		close(held)
		for c := range held {
			c.Close()
		}
	})
	if err := e.db.SetSSOProvider(context.Background(), redazione.SystemActor(e.ente.ID), store.SSOProvider{Issuer: "http://" + ln.Addr().String(),
		ClientID: "redazione", ClientSecret: "segreto", PasswordLogin: true}); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	_, code, _, page := e.ssoSignIn("comune-a")
	if code != 502 || !strings.Contains(page, "servizio di accesso dell'ente non risponde") {
		t.Errorf("a provider that never answers: %d\n%s", code, page)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("the login page waited %v for a provider that never answers", d)
	}
}

// Two enti on one installation each sign in with their own provider; an
// account of one is refused by the other's.
func TestSSOTwoEnti(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		beta := e.newEnte("comune-b", "Comune di Beta")
		ma, mb := provider(t), provider(t)
		e.connect(e.ente, ma)
		e.connect(beta, mb)
		ua, ub := e.newUser(e.ente, redazione.RoleOperator), e.newUser(beta, redazione.RoleOperator)

		_, page := (&browser{e: e, c: newJarClient()}).get("/login")
		if !strings.Contains(page, "Entra ID comune-a") || !strings.Contains(page, "Entra ID comune-b") || !strings.Contains(page, "Comune di Beta") {
			t.Errorf("the shared login page lacks an ente's button:\n%s", page)
		}
		_, page = (&browser{e: e, c: newJarClient()}).get("/login?ente=comune-b")
		if strings.Contains(page, "Entra ID comune-a") || !strings.Contains(page, "Entra ID comune-b") {
			t.Errorf("/login?ente=comune-b shows another ente's button:\n%s", page)
		}

		mb.QueueUser(account("b-1", ub.Email))
		b, code, path, _ := e.ssoSignIn("comune-b")
		if code != 200 || path != "/notifications" {
			t.Fatalf("signing in to Beta with Beta's provider: %d at %s", code, path)
		}
		if _, page := b.get("/inbox"); !strings.Contains(page, ub.Name) {
			t.Error("signed in as someone else")
		}
		// Alfa's provider vouches for a Beta address: refused.
		ma.QueueUser(account("a-9", ub.Email))
		if _, code, path, _ := e.ssoSignIn("comune-a"); code != 403 || path == "/notifications" {
			t.Errorf("Beta's user through Alfa's provider: %d at %s", code, path)
		}
		ma.QueueUser(account("a-1", ua.Email))
		if _, code, path, _ := e.ssoSignIn("comune-a"); code != 200 || path != "/notifications" {
			t.Errorf("signing in to Alfa with Alfa's provider: %d at %s", code, path)
		}
	})
}

// The administration page: the provider is set there, the secret never
// shown and sealed at rest; password login is turned off only by an
// administrator who has signed in with the provider, and then the
// password is refused, with why.
func TestSSOAdminPage(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := start(t, db)
		m := provider(t)
		admin := e.newUser(e.ente, redazione.RoleAdmin)
		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		b := e.login(admin)
		code, page := b.get("/admin/sso")
		if code != 200 || !strings.Contains(page, e.srv.URL+"/login/sso/callback") {
			t.Fatalf("the page does not show the redirect URL to register: %d", code)
		}
		form := url.Values{"name": {"Entra ID"}, "issuer": {m.Issuer()}, "client_id": {m.ClientID}, "client_secret": {m.ClientSecret},
			"domains": {"comune-a.example.it, @Comune-A.example.it"}, "password_login": {"on"}}
		code, page = b.post("/admin/sso", form)
		if code != 200 || !strings.Contains(page, "Modifiche salvate") || strings.Contains(page, m.ClientSecret) || !strings.Contains(page, `value="comune-a.example.it"`) {
			t.Fatalf("saving the provider: %d\n%s", code, page)
		}
		var stored string
		if err := db.WriteDB().QueryRowContext(ctx, "SELECT client_secret FROM sso_providers WHERE ente_id = "+fmt.Sprint(e.ente.ID)).Scan(&stored); err != nil || stored == m.ClientSecret || !strings.HasPrefix(stored, "v1:") {
			t.Errorf("the client secret is stored as %q (%v), not sealed", stored, err)
		}
		for _, tc := range []struct {
			edit  func(url.Values)
			field string
			want  string
		}{
			{func(v url.Values) { v.Set("issuer", "http://idp.example.it") }, "issuer", "https"},
			{func(v url.Values) { v.Set("client_id", " ") }, "client_id", "client id"},
			{func(v url.Values) { v.Set("domains", "non un dominio") }, "domains", "dominio non valido"},
			{func(v url.Values) { v.Set("domains", ""); v.Set("create_users", "on") }, "domains", "almeno un dominio"},
			{func(v url.Values) { v.Del("password_login") }, "password_login", "accedi tu stesso"},
		} {
			v := url.Values{}
			for k, vs := range form {
				v[k] = vs
			}
			v.Del("client_secret") // kept
			tc.edit(v)
			v.Set("csrf", b.csrf)
			req, _ := http.NewRequest("POST", e.srv.URL+"/admin/sso", strings.NewReader(v.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Redazione-Form", "1")
			resp, err := b.c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			msg, _ := url.PathUnescape(resp.Header.Get("X-Redazione-Error"))
			if resp.StatusCode != 400 || resp.Header.Get("X-Redazione-Field") != tc.field || !strings.Contains(msg, tc.want) {
				t.Errorf("%v: %d field %q %q, want 400 on %s saying %q\n%s", v, resp.StatusCode, resp.Header.Get("X-Redazione-Field"), msg, tc.field, tc.want, body)
			}
		}
		// The administrator signs in with the provider, then turns
		// passwords off.
		m.QueueUser(account("sub-admin", admin.Email))
		if _, code, path, _ := e.ssoSignIn("comune-a"); code != 200 || path != "/notifications" {
			t.Fatalf("the administrator's sign-in: %d at %s", code, path)
		}
		off := url.Values{}
		for k, vs := range form {
			off[k] = vs
		}
		off.Del("password_login")
		off.Del("client_secret")
		if code, page := b.post("/admin/sso", off); code != 200 || !strings.Contains(page, "Modifiche salvate") {
			t.Fatalf("turning password login off: %d\n%s", code, page)
		}
		p, err := db.SSOProvider(ctx, e.ente.ID)
		if err != nil || p.PasswordLogin || p.ClientSecret != m.ClientSecret {
			t.Fatalf("after the change: %+v, %v", p, err)
		}
		resp, err := newJarClient().PostForm(e.srv.URL+"/login", url.Values{"email": {op.Email}, "password": {testPassword}})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 403 || resp.Request.URL.Path != "/login" || !strings.Contains(html.UnescapeString(string(body)), "l'accesso con password è disattivato") {
			t.Errorf("a password sign-in with passwords off: %d at %s", resp.StatusCode, resp.Request.URL)
		}
		if _, page := (&browser{e: e, c: newJarClient()}).get("/login?ente=comune-a"); strings.Contains(page, `name="password"`) || !strings.Contains(page, "Accedi con Entra ID") {
			t.Errorf("the ente's login page still offers the password:\n%s", page)
		}
		// Disconnected: passwords work again.
		if code, page := b.post("/admin/sso/off", url.Values{}); code != 200 || !strings.Contains(page, "scollegato") {
			t.Fatalf("disconnecting: %d", code)
		}
		e.login(op)
		log, _ := db.AuditLog(ctx, redazione.SystemActor(e.ente.ID), 50)
		seen := map[string]bool{}
		for _, a := range log {
			seen[a.Action] = true
			if strings.Contains(a.Detail, m.ClientSecret) {
				t.Errorf("the secret is in the audit trail: %+v", a)
			}
		}
		if !seen["sso.set"] || !seen["sso.off"] {
			t.Errorf("the changes are not in the audit trail: %v", seen)
		}
	})
}
