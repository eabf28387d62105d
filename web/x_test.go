package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/channel/x/xtest"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// xAccount adds an X channel on the fake, as `redazione channel add x` does.
func (e *env) xAccount(fake *xtest.Server, extra map[string]string) *redazione.Channel {
	settings := map[string]string{"client_id": "CLIENT", "client_secret": "SECRET", "api_base_url": fake.URL, "auth_base_url": fake.URL}
	for k, v := range extra {
		settings[k] = v
	}
	return e.account(redazione.ChannelX, "Account X del Comune", settings)
}

// signInX signs the account in from its page, through the fake's
// authorize page and back, as the administrator's browser does.
func signInX(t *testing.T, admin *browser, ch *redazione.Channel) {
	t.Helper()
	code, page := admin.post(fmt.Sprintf("/admin/channels/%d/x/accedi", ch.ID), url.Values{})
	if code != 200 || !strings.Contains(page, "Account X collegato") || !strings.Contains(page, "@ComuneEsempio") {
		t.Fatalf("sign-in round trip: %d\n%s", code, page)
	}
}

// An administrator signs the X account in (OAuth 2.0 with PKCE, the state
// tied to their session); the tokens are kept sealed; a post then goes
// through the whole safe publishing: X's own length rule, a second
// person's approval, the undo window, crisis mode, the hash-chained log,
// the published link; and an electoral period stops it. On SQLite and
// PostgreSQL.
func TestXSignInAndSafePublishing(t *testing.T) {
	t.Parallel()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			e := start(t, testdb.Open(t, d))
			fake := xtest.New("CLIENT", "SECRET")
			defer fake.Close()
			ch := e.xAccount(fake, map[string]string{"publish_approval": "on"})
			admin := e.login(e.newUser(e.ente, redazione.RoleAdmin))
			if _, page := admin.get("/admin/channels"); !strings.Contains(page, fmt.Sprintf(`href="/admin/channels/%d/x"`, ch.ID)) {
				t.Fatal("the channels page does not link the X channel's page")
			}
			if _, page := admin.get(fmt.Sprintf("/admin/channels/%d/x", ch.ID)); !strings.Contains(page, "Nessun account collegato") ||
				!strings.Contains(page, e.srv.URL+"/admin/x/callback") {
				t.Fatal("the page of an X channel not signed in")
			}
			signInX(t, admin, ch)
			stored, err := e.db.Channel(t.Context(), ch.ID)
			if err != nil || stored.Settings["user_id"] != "2244994945" || stored.Settings["refresh_token"] == "" || stored.Settings["access_token"] == "" {
				t.Fatalf("stored settings: %v", err)
			}
			var raw string
			e.db.WriteDB().QueryRowContext(t.Context(), fmt.Sprintf("SELECT settings FROM channels WHERE id = %d", ch.ID)).Scan(&raw)
			if raw == "" || strings.Contains(raw, stored.Settings["access_token"]) || strings.Contains(raw, stored.Settings["refresh_token"]) {
				t.Error("the tokens are not sealed at rest")
			}
			if _, page := admin.get("/admin/channels"); strings.Contains(page, stored.Settings["refresh_token"]) || strings.Contains(page, stored.Settings["access_token"]) {
				t.Error("the channels page shows a token")
			}

			coord := e.login(e.newUser(e.ente, redazione.RoleCoordinator))
			op := e.login(e.newUser(e.ente, redazione.RoleOperator, e.desks[3].ID))
			desk := fmt.Sprint(e.desks[3].ID)
			form := func(text string) url.Values {
				return url.Values{"channel": {fmt.Sprint(ch.ID)}, "desk": {desk}, "action": {"submit"}, "text": {text}}
			}
			// X counts as X does: 141 ideograms weigh 282.
			if code, page := op.post("/pubblicazioni", form(strings.Repeat("の", 141))); code != 422 || !strings.Contains(page, "282") || !strings.Contains(page, "280") {
				t.Errorf("a post too long for X: %d", code)
			}
			text := "Allerta meteo arancione: domani scuole chiuse. Aggiornamenti su https://www.comune.esempio.it/protezione-civile/allerta-meteo-arancione-dicembre"
			if code, page := op.post("/pubblicazioni", form(text)); code != 200 || strings.Contains(page, "ne accetta al massimo") {
				t.Fatalf("a post that fits X: %d", code)
			}
			posts, _ := e.db.Posts(t.Context(), redazione.SystemActor(e.ente.ID), time.Time{}, time.Now().AddDate(1, 0, 0))
			var post *store.Post
			for _, p := range posts {
				if p.ChannelID == ch.ID {
					post = p
				}
			}
			if post == nil || post.Status != store.PostPending {
				t.Fatalf("the post waits for a second person: %+v", post)
			}
			if code, page := coord.post(fmt.Sprintf("/pubblicazioni/%d/approva", post.ID), url.Values{}); code != 200 || !strings.Contains(page, ">programmata<") {
				t.Fatalf("approval: %d", code)
			}
			if n, _ := e.app.Inbox.PublishDue(t.Context()); n != 0 || len(fake.Posts()) != 0 {
				t.Fatal("published inside the undo window")
			}
			// Crisis: the post waits; when it ends, it goes, once.
			if code, _ := coord.post("/crisi", url.Values{"on": {"true"}, "reason": {"Esondazione del torrente"}}); code != 200 {
				t.Fatalf("crisis on: %d", code)
			}
			e.db.SetNow(func() time.Time { return time.Now().Add(2 * time.Minute) })
			defer e.db.SetNow(time.Now)
			if n, _ := e.app.Inbox.PublishDue(t.Context()); n != 0 || len(fake.Posts()) != 0 {
				t.Fatal("published during a crisis")
			}
			coord.post("/crisi", url.Values{"on": {"false"}})
			if n, err := e.app.Inbox.PublishDue(t.Context()); n != 1 || err != nil {
				t.Fatalf("published %d, %v", n, err)
			}
			if n, _ := e.app.Inbox.PublishDue(t.Context()); n != 0 || len(fake.Posts()) != 1 || fake.Posts()[0].Text != text {
				t.Fatalf("posted on X: %+v", fake.Posts())
			}
			link := "https://x.com/ComuneEsempio/status/" + fake.Posts()[0].ID
			if _, page := op.get(fmt.Sprintf("/pubblicazioni/%d", post.ID)); !strings.Contains(page, ">pubblicata<") || !strings.Contains(page, `href="`+link+`"`) ||
				!strings.Contains(page, "Catena integra") {
				t.Error("the published post does not show its link on X and an intact log")
			}
			// An electoral period stops a post that does not say why it is
			// impersonal and indispensable.
			admin.electionsToday()
			if code, page := op.post("/pubblicazioni", form("Inaugurato il nuovo parco!")); code != 422 || !strings.Contains(page, "periodo elettorale") {
				t.Errorf("a post in the electoral period: %d", code)
			}
		})
	}
}

// The sign-in refuses, in Italian and changing nothing: a denial on X, an
// answer whose state is not the session's, one that comes to another
// administrator's session, an expired code.
func TestXSignInRefusals(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	fake := xtest.New("CLIENT", "SECRET")
	defer fake.Close()
	ch := e.xAccount(fake, nil)
	admin := e.login(e.newUser(e.ente, redazione.RoleAdmin))
	unchanged := func(what string) {
		t.Helper()
		if c, _ := e.db.Channel(t.Context(), ch.ID); c.Settings["refresh_token"] != "" {
			t.Errorf("%s: the channel got tokens", what)
		}
	}
	fake.Deny(true)
	if code, page := admin.post(fmt.Sprintf("/admin/channels/%d/x/accedi", ch.ID), url.Values{}); code != 400 || !strings.Contains(page, "è stato negato l&#39;accesso") {
		t.Errorf("denied: %d", code)
	}
	unchanged("denied")
	fake.Deny(false)
	// A forged answer: no sign-in under way in this browser.
	if code, page := admin.get("/admin/x/callback?state=FORGED&code=code-1"); code != 400 || !strings.Contains(page, "non corrisponde a un accesso avviato da te") {
		t.Errorf("forged state: %d", code)
	}
	unchanged("forged")
	// Another administrator's session: the cookie of a sign-in started by
	// the first, carried to the second's browser.
	other := e.login(e.newUser(e.ente, redazione.RoleAdmin))
	noFollow := *admin.c
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noFollow.PostForm(e.srv.URL+fmt.Sprintf("/admin/channels/%d/x/accedi", ch.ID), url.Values{"csrf": {admin.csrf}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	u, _ := url.Parse(e.srv.URL + "/admin/x/callback")
	for _, c := range admin.c.Jar.Cookies(u) {
		if c.Name == "redazione_x" {
			other.c.Jar.SetCookies(u, []*http.Cookie{c})
		}
	}
	back, err := noFollow.Get(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	back.Body.Close()
	loc, _ := url.Parse(back.Header.Get("Location"))
	if code, page := other.get(loc.RequestURI()); code != 400 || !strings.Contains(page, "non corrisponde a un accesso avviato da te") {
		t.Errorf("another session: %d", code)
	}
	unchanged("another session")
	// An expired code.
	fake.CodeTTL(-time.Second)
	if code, page := admin.post(fmt.Sprintf("/admin/channels/%d/x/accedi", ch.ID), url.Values{}); code != 400 || !strings.Contains(page, "scaduto o già usato") {
		t.Errorf("expired code: %d", code)
	}
	unchanged("expired")
}

// With read_mentions=on, the account's mentions become public
// conversations; an operator's answer goes out as a reply in the thread.
func TestXMentionsIntoTheInbox(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite), func(c *app.Config) { c.SweepEvery = 100 * time.Millisecond })
	fake := xtest.New("CLIENT", "SECRET")
	defer fake.Close()
	mention := fake.Mention("111", "Maria Rossi", "mariarossi", "@ComuneEsempio c'è una buca enorme in via Roma 12")
	ch := e.xAccount(fake, map[string]string{"read_mentions": "on", "poll_interval": "100ms"})
	signInX(t, e.login(e.newUser(e.ente, redazione.RoleAdmin)), ch)
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[3].ID)
	tok := e.token(op)
	if !e.waitCount(tok, 1, 10*time.Second) {
		t.Fatal("the mention did not reach the inbox")
	}
	var l struct {
		Conversations []struct {
			ID     int64 `json:"id"`
			Public bool  `json:"public"`
		} `json:"conversations"`
	}
	e.apiGet(tok, "/api/v1/conversations", &l)
	if len(l.Conversations) != 1 || !l.Conversations[0].Public {
		t.Fatalf("conversations %+v", l.Conversations)
	}
	conv := l.Conversations[0].ID
	b := e.login(op)
	if _, page := b.get(fmt.Sprintf("/conversations/%d", conv)); !strings.Contains(page, "c&#39;è una buca enorme in via Roma 12") || !strings.Contains(page, "Maria Rossi (@mariarossi)") {
		t.Error("the conversation does not show the mention and its author")
	}
	_, body := b.post(fmt.Sprintf("/conversations/%d/messages", conv), url.Values{"text": {"Grazie, segnalato all'ufficio strade."}, "kind": {"reply"}})
	if st, why := e.waitDelivery(tok, conv, msgIDRe(body), "sent", 10*time.Second); st != "sent" {
		t.Fatalf("delivery %q (%s)", st, why)
	}
	posts := fake.Posts()
	if len(posts) != 1 || posts[0].ReplyTo != mention || posts[0].Text != "Grazie, segnalato all'ufficio strade." {
		t.Fatalf("posted %+v", posts)
	}
	if since, _ := e.db.XSinceID(t.Context(), ch.ID); since != mention {
		t.Errorf("since_id kept: %q", since)
	}
}

// A post with an image goes to X with its alternative text; an alternative
// text longer than X keeps is refused when the post is written, not when
// it goes.
func TestXPostWithImage(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	fake := xtest.New("CLIENT", "SECRET")
	defer fake.Close()
	ch := e.xAccount(fake, nil)
	signInX(t, e.login(e.newUser(e.ente, redazione.RoleAdmin)), ch)
	cb := e.login(e.newUser(e.ente, redazione.RoleCoordinator))
	form := func(alt string) url.Values {
		return url.Values{"channel": {fmt.Sprint(ch.ID)}, "desk": {fmt.Sprint(e.desks[0].ID)}, "action": {"submit"}, "text": {"Inaugurata la nuova piazza"}, "alt_text": {alt}}
	}
	if code, page := cb.postMultipart("/pubblicazioni", form(strings.Repeat("La piazza rinnovata. ", 50)), "image", "piazza.png", pngPixel); code != 422 ||
		!strings.Contains(page, "X ne accetta al massimo 1000") {
		t.Errorf("a 1050-character alternative text: %d", code)
	}
	alt := "La piazza del Municipio rinnovata, con le nuove panchine e gli alberi"
	if code, page := cb.postMultipart("/pubblicazioni", form(alt), "image", "piazza.png", pngPixel); code != 200 || !strings.Contains(page, "Parte alle") {
		t.Fatalf("post with image: %d", code)
	}
	posts, _ := e.db.Posts(t.Context(), redazione.SystemActor(e.ente.ID), time.Time{}, time.Now().AddDate(1, 0, 0))
	for _, p := range posts {
		if p.Status == store.PostDraft {
			e.db.CancelPost(t.Context(), redazione.SystemActor(e.ente.ID), p.ID)
		}
	}
	e.db.SetNow(func() time.Time { return time.Now().Add(2 * time.Minute) })
	defer e.db.SetNow(time.Now)
	if n, err := e.app.Inbox.PublishDue(t.Context()); n != 1 || err != nil {
		t.Fatalf("published %d, %v", n, err)
	}
	p := fake.Posts()
	if len(p) != 1 || len(p[0].Media) != 1 {
		t.Fatalf("posted %+v", p)
	}
	if m := fake.Uploaded(p[0].Media[0]); m == nil || m.Alt != alt || m.ContentType != "image/png" || m.Size != len(pngPixel) {
		t.Errorf("the image on X: %+v", m)
	}
}

// X's rate limit: the post is not hammered (one request), and its page says
// when to try again.
func TestXPostRateLimited(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	fake := xtest.New("CLIENT", "SECRET")
	defer fake.Close()
	ch := e.xAccount(fake, nil)
	signInX(t, e.login(e.newUser(e.ente, redazione.RoleAdmin)), ch)
	cb := e.login(e.newUser(e.ente, redazione.RoleCoordinator))
	if code, _ := cb.post("/pubblicazioni", url.Values{"channel": {fmt.Sprint(ch.ID)}, "desk": {fmt.Sprint(e.desks[0].ID)}, "action": {"submit"},
		"text": {"Chiusura straordinaria degli uffici venerdì pomeriggio."}}); code != 200 {
		t.Fatalf("post: %d", code)
	}
	reset := time.Now().Add(15 * time.Minute)
	fake.RateLimit(10, reset)
	before := len(fake.Calls())
	e.db.SetNow(func() time.Time { return time.Now().Add(2 * time.Minute) })
	defer e.db.SetNow(time.Now)
	if n, _ := e.app.Inbox.PublishDue(t.Context()); n != 0 {
		t.Fatal("published past a 429")
	}
	if calls := fake.Calls()[before:]; len(calls) != 1 {
		t.Errorf("X asked %d times: %v", len(calls), calls)
	}
	posts, _ := e.db.Posts(t.Context(), redazione.SystemActor(e.ente.ID), time.Time{}, time.Now().AddDate(1, 0, 0))
	rome, _ := time.LoadLocation("Europe/Rome")
	if _, page := cb.get(fmt.Sprintf("/pubblicazioni/%d", posts[0].ID)); !strings.Contains(page, "riprova dopo le "+reset.In(rome).Format("15:04")) {
		t.Error("the post's page does not say when to try again")
	}
}
