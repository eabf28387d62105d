package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// An operator sees only their desks' conversations, and nobody sees another
// ente's: not in the list, not by URL, not through the API, not by search.
func TestPermissionsAcrossDesksAndEntes(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		ctx := context.Background()
		deskA, deskB := e.desks[0], e.desks[1]
		chB := e.newChannel(e.ente, redazione.ChannelAPI, deskB.ID, "")
		mine := e.ingest(e.api, "a1", "c1", "Segnalo una buca in via Mazzini, molto pericolosa")
		theirs := e.ingest(chB, "b1", "c2", "Richiesta di intervista al sindaco sulla buca di via Dante")

		other := e.newEnte("comune-b", "Comune di Beta")
		desksO, _ := db.Desks(ctx, other.ID)
		chO := e.newChannel(other, redazione.ChannelAPI, desksO[0].ID, "")
		foreign := e.ingest(chO, "o1", "c3", "Una buca enorme davanti al municipio di Beta")

		op := e.newUser(e.ente, redazione.RoleOperator, deskA.ID)
		b := e.login(op)
		tok := e.token(op)

		// the inbox
		_, inbox := b.get("/inbox?view=all&status=any")
		if !strings.Contains(inbox, "via Mazzini") {
			t.Errorf("the operator does not see their own desk's conversation")
		}
		if strings.Contains(inbox, "intervista") || strings.Contains(inbox, "municipio di Beta") {
			t.Errorf("the operator's inbox shows another desk's or ente's conversation")
		}
		// by URL: not found, so existence is not revealed
		for _, id := range []int64{theirs, foreign} {
			if code, page := b.get(fmt.Sprintf("/conversations/%d", id)); code != http.StatusNotFound || strings.Contains(page, "buca") {
				t.Errorf("GET /conversations/%d: %d, want 404 without its text", id, code)
			}
			if code := e.apiGet(tok, fmt.Sprintf("/api/v1/conversations/%d", id), nil); code != http.StatusNotFound {
				t.Errorf("API conversation %d: %d, want 404", id, code)
			}
			// nor can they act on it
			if code, _ := b.post(fmt.Sprintf("/conversations/%d/messages", id), url.Values{"text": {"risposta"}, "kind": {"reply"}}); code != http.StatusNotFound {
				t.Errorf("reply to conversation %d: %d, want 404", id, code)
			}
			if code, _ := b.post(fmt.Sprintf("/conversations/%d/status", id), url.Values{"status": {"resolved"}}); code != http.StatusNotFound {
				t.Errorf("status of conversation %d: %d, want 404", id, code)
			}
		}
		if code, _ := b.get(fmt.Sprintf("/conversations/%d", mine)); code != 200 {
			t.Errorf("own conversation: %d", code)
		}
		// the API list
		var l apiList
		e.apiGet(tok, "/api/v1/conversations?status=any", &l)
		if len(l.Conversations) != 1 || l.Conversations[0].ID != mine {
			t.Errorf("API list for the operator = %+v, want only %d", l.Conversations, mine)
		}
		// search: "buca" is in all three; "pericoloso" finds "pericolosa"
		_, res := b.get("/search?q=pericoloso")
		if !strings.Contains(res, "<mark>pericolosa</mark>") {
			t.Errorf("stemmed search does not find the operator's own message, highlighted")
		}
		_, res = b.get("/search?q=buca")
		if !strings.Contains(res, "via Mazzini") {
			t.Errorf("search does not find the operator's own message")
		}
		if strings.Contains(res, "intervista") || strings.Contains(res, "Beta") {
			t.Errorf("search reveals another desk's or ente's message")
		}
		_, res = b.get("/search?q=c3")
		if strings.Contains(res, "Cittadino c3") {
			t.Errorf("contact search reveals another ente's contact")
		}

		// a coordinator sees every desk of the ente, and still not the other ente
		co := e.newUser(e.ente, redazione.RoleCoordinator)
		cb := e.login(co)
		_, inbox = cb.get("/inbox?view=all&status=any")
		if !strings.Contains(inbox, "via Mazzini") || !strings.Contains(inbox, "intervista") || strings.Contains(inbox, "municipio di Beta") {
			t.Errorf("coordinator's inbox: want both desks and not the other ente")
		}
		if code, _ := cb.get(fmt.Sprintf("/conversations/%d", foreign)); code != http.StatusNotFound {
			t.Errorf("coordinator opened another ente's conversation: %d", code)
		}
		// another ente's administrator cannot see ours either
		adminO := e.newUser(other, redazione.RoleAdmin)
		ob := e.login(adminO)
		if code, _ := ob.get(fmt.Sprintf("/conversations/%d", mine)); code != http.StatusNotFound {
			t.Errorf("other ente's admin opened our conversation: %d", code)
		}
		_, res = ob.get("/search?q=buca")
		if strings.Contains(res, "Mazzini") || !strings.Contains(res, "municipio") {
			t.Errorf("other ente's admin search crosses entes or misses its own")
		}
	})
}

// An analyst reads but cannot change anything; only admins reach admin pages.
func TestRolesLimitActions(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	conv := e.ingest(e.api, "a1", "c1", "Domanda sulla TARI")
	an := e.newUser(e.ente, redazione.RoleAnalyst)
	b := e.login(an)
	if code, page := b.get(fmt.Sprintf("/conversations/%d", conv)); code != 200 || strings.Contains(page, `id="reply-text"`) {
		t.Errorf("analyst: %d, composer shown=%v; want to read without a composer", code, strings.Contains(page, `id="reply-text"`))
	}
	for path, form := range map[string]url.Values{
		"/messages": {"text": {"risposta"}, "kind": {"reply"}},
		"/status":   {"status": {"resolved"}},
		"/assign":   {"assignee": {"0"}},
		"/tags":     {"tag": {"tari"}},
	} {
		if code, _ := b.post(fmt.Sprintf("/conversations/%d%s", conv, path), form); code != http.StatusForbidden {
			t.Errorf("analyst POST %s: %d, want 403", path, code)
		}
	}
	if code, _ := b.get("/admin/users"); code != http.StatusForbidden {
		t.Errorf("analyst on /admin/users: %d, want 403", code)
	}
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	if code, _ := e.login(op).get("/admin/channels"); code != http.StatusForbidden {
		t.Errorf("operator on /admin/channels: %d, want 403", code)
	}
}

// Forms need the session's CSRF token and the same origin.
func TestCSRFAndLogin(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	conv := e.ingest(e.api, "a1", "c1", "Domanda")
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	b := e.login(op)
	if code, _ := b.post(fmt.Sprintf("/conversations/%d/status", conv), url.Values{"status": {"resolved"}, "csrf": {"sbagliato"}}); code != http.StatusForbidden {
		t.Errorf("wrong CSRF token: %d, want 403", code)
	}
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/conversations/%d/status", e.srv.URL, conv), strings.NewReader(url.Values{"status": {"resolved"}, "csrf": {b.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, err := b.c.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: %v %v, want 403", resp.StatusCode, err)
	}
	if _, page := b.get(fmt.Sprintf("/conversations/%d", conv)); !strings.Contains(page, `status-open`) {
		t.Errorf("a refused request changed the status")
	}

	// wrong passwords: an Italian message, then a wait even for the right
	// one, answered like a wrong password (the store's clock stands still, so
	// the wait does not end during the test)
	now := time.Now()
	e.db.SetNow(func() time.Time { return now })
	u := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	c := &http.Client{}
	try := func(pw string) (int, string, string) {
		resp, err := c.PostForm(e.srv.URL+"/login", url.Values{"email": {u.Email}, "password": {pw}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header.Get("Retry-After")
	}
	code, page, _ := try("sbagliata-davvero")
	if code != http.StatusUnauthorized || !strings.Contains(page, "E-mail o password non corretti.") {
		t.Errorf("wrong password: %d, want 401 with an Italian message", code)
	}
	for i := 1; i < store.MaxFailedLogins; i++ {
		try("sbagliata-davvero")
	}
	if code, page, retry := try(testPassword); code != http.StatusUnauthorized || !strings.Contains(page, "E-mail o password non corretti.") || retry != "1" {
		t.Errorf("right password during the wait: %d, Retry-After %q, want 401 with the message of a wrong password and Retry-After 1", code, retry)
	}
	if resp, err := c.Get(e.srv.URL + "/inbox"); err == nil && resp.Request.URL.Path != "/login" {
		t.Errorf("no session after a refused login, yet /inbox answered at %s", resp.Request.URL.Path)
	}
}
