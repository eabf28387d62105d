package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// apiPost calls the JSON API with a bearer token and a JSON body, and
// returns the status and the decoded answer.
func (e *env) apiPost(token, path, body string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// tokenOf makes a personal API token of u, read-only or not.
func (e *env) tokenOf(u *redazione.User, readOnly bool) string {
	e.t.Helper()
	tok := auth.NewToken("rdz_")
	if _, err := e.db.CreateAPIToken(context.Background(), u, store.APIToken{Hash: auth.HashToken(tok), Name: "script", ReadOnly: readOnly}); err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// A script with a read-write token replies and resolves a conversation of
// its desk, as the web does; a read-only token is refused with 403 and a
// reason, an operator of another desk gets 404, a bad body 400 with the
// field, and nothing is written by any of them.
func TestAPIWrites(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		far := e.newUser(e.ente, redazione.RoleOperator, e.desks[1].ID)
		conv := e.ingest(e.api, "q1", "cit-1", "Quando apre l'anagrafe?")
		replies := fmt.Sprintf("/api/v1/conversations/%d/replies", conv)
		status := fmt.Sprintf("/api/v1/conversations/%d/status", conv)
		rw, ro := e.tokenOf(op, false), e.tokenOf(op, true)

		code, out := e.apiPost(ro, replies, `{"text": "Dalle 9."}`)
		if code != http.StatusForbidden || !strings.Contains(fmt.Sprint(out["error"]), "sola lettura") {
			t.Errorf("a read-only token replying: %d %v, want 403 saying it is read-only", code, out)
		}
		if code, out := e.apiPost(ro, status, `{"status": "resolved"}`); code != http.StatusForbidden {
			t.Errorf("a read-only token changing the status: %d %v, want 403", code, out)
		}
		if code, _ := e.apiPost(e.tokenOf(far, false), replies, `{"text": "Dalle 9."}`); code != http.StatusNotFound {
			t.Errorf("an operator of another desk replying: %d, want 404", code)
		}
		for body, field := range map[string]string{``: "body", `{"testo": "x"}`: "body", `{"text": 5}`: "body", `{"text": "   "}`: "text"} {
			if code, out := e.apiPost(rw, replies, body); code != http.StatusBadRequest || out["field"] != field || out["error"] == "" {
				t.Errorf("reply %q: %d %v, want 400 on field %s with a reason", body, code, out, field)
			}
		}
		if code, out := e.apiPost(rw, status, `{"status": "chiusa"}`); code != http.StatusBadRequest || out["field"] != "status" {
			t.Errorf("an unknown status: %d %v, want 400 on status", code, out)
		}
		var th apiThread
		e.apiGet(ro, fmt.Sprintf("/api/v1/conversations/%d", conv), &th)
		if len(th.Messages) != 1 {
			t.Fatalf("refused writes stored messages: %+v", th.Messages)
		}

		code, out = e.apiPost(rw, replies, `{"text": "Dalle 9 alle 12."}`)
		if code != http.StatusCreated || out["text"] != "Dalle 9 alle 12." || out["direction"] != "out" || out["id"] == nil {
			t.Fatalf("a read-write token replying: %d %v, want 201 with the message", code, out)
		}
		code, out = e.apiPost(rw, replies, `{"text": "Chiesto all'ufficio", "note": true}`)
		if code != http.StatusCreated {
			t.Fatalf("a note: %d %v", code, out)
		}
		code, out = e.apiPost(rw, status, `{"status": "resolved"}`)
		if code != http.StatusOK || out["status"] != "resolved" || out["id"] != float64(conv) {
			t.Fatalf("resolve: %d %v", code, out)
		}
		// What the operator sees in the browser.
		_, page := e.login(op).get(fmt.Sprintf("/conversations/%d", conv))
		if !strings.Contains(page, "Dalle 9 alle 12.") || !strings.Contains(page, "Chiesto all&#39;ufficio") {
			t.Errorf("the reply or the note written by the API is not in the conversation")
		}
		var list apiList
		e.apiGet(ro, "/api/v1/conversations?status=resolved", &list)
		if len(list.Conversations) != 1 || list.Conversations[0].ID != conv {
			t.Errorf("resolved conversations: %+v", list.Conversations)
		}
	})
}

// A token revoked through one process is refused (401) at once by another
// serving the same database: a revocation is read from the database on
// every request, never from a cache. On PostgreSQL the two are two
// servers, each with its own connections.
func TestAPITokenRevokedInAnotherProcess(t *testing.T) {
	t.Parallel()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			dbURL := testdb.URL(t, d)
			open := func() *store.DB {
				db, err := store.Open(context.Background(), dbURL, "")
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				return db
			}
			one := start(t, open())
			two := one.attach(t, open())
			op := one.newUser(one.ente, redazione.RoleOperator, one.desks[0].ID)
			conv := one.ingest(one.api, "q1", "cit-1", "Domanda")
			replies := fmt.Sprintf("/api/v1/conversations/%d/replies", conv)

			b := one.login(op)
			_, page := b.post("/me/tokens", url.Values{"name": {"integrazione"}, "days": {"30"}})
			m := regexp.MustCompile(`id="created-token">(rdz_[^<]+)<`).FindStringSubmatch(page)
			if m == nil {
				t.Fatalf("no token made:\n%s", page)
			}
			tok := m[1]
			for _, e := range []*env{one, two} {
				if code, out := e.apiPost(tok, replies, `{"text": "Risposta"}`); code != http.StatusCreated {
					t.Fatalf("the token before revoking it: %d %v", code, out)
				}
			}
			id := regexp.MustCompile(`action="/me/tokens/(\d+)/revoke"`).FindStringSubmatch(page)
			if code, _ := b.post("/me/tokens/"+id[1]+"/revoke", url.Values{}); code != http.StatusOK {
				t.Fatalf("revoke: %d", code)
			}
			if code, out := two.apiPost(tok, replies, `{"text": "Dopo la revoca"}`); code != http.StatusUnauthorized || !strings.Contains(fmt.Sprint(out["error"]), "revocato") {
				t.Errorf("the other process, with the revoked token: %d %v, want 401 at once", code, out)
			}
			if code := two.apiGet(tok, "/api/v1/conversations", nil); code != http.StatusUnauthorized {
				t.Errorf("the other process, reading with the revoked token: %d, want 401", code)
			}
			var th apiThread
			two.apiGet(two.tokenOf(op, true), fmt.Sprintf("/api/v1/conversations/%d", conv), &th)
			if len(th.Messages) != 3 {
				t.Errorf("%d messages, want the question and the two replies made before the revocation", len(th.Messages))
			}
		})
	}
}
