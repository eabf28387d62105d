package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// "Il mio account": a token made there is shown once, listed with its last
// use, and refused (401) once revoked there.
func TestTokensPage(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		u := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		b := e.login(u)
		code, page := b.post("/me/tokens", url.Values{"name": {"cruscotto"}, "days": {"90"}, "read_only": {"on"}})
		m := regexp.MustCompile(`id="created-token">(rdz_[^<]+)<`).FindStringSubmatch(page)
		if code != http.StatusOK || m == nil {
			t.Fatalf("create: %d, no token shown:\n%s", code, page)
		}
		tok := m[1]
		if code := e.apiGet(tok, "/api/v1/conversations", nil); code != http.StatusOK {
			t.Fatalf("GET with the new token: %d", code)
		}
		_, page = b.get("/me/tokens")
		if strings.Contains(page, tok) || !strings.Contains(page, "cruscotto") || !strings.Contains(page, "Sola lettura") {
			t.Errorf("list shows the token again or misses it:\n%s", page)
		}
		id := regexp.MustCompile(`action="/me/tokens/(\d+)/revoke"`).FindStringSubmatch(page)
		used := regexp.MustCompile(`class="last-used"><time`).MatchString(page)
		if id == nil || !used {
			t.Fatalf("no revoke button or no last use:\n%s", page)
		}
		other := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		if code, _ := e.login(other).post("/me/tokens/"+id[1]+"/revoke", url.Values{}); code != http.StatusNotFound {
			t.Errorf("another user revoking the token: %d, want 404", code)
		}
		if code, _ := b.post("/me/tokens/"+id[1]+"/revoke", url.Values{}); code != http.StatusOK {
			t.Fatalf("revoke: %d", code)
		}
		if code := e.apiGet(tok, "/api/v1/conversations", nil); code != http.StatusUnauthorized {
			t.Errorf("GET with a revoked token: %d, want 401", code)
		}
		if _, page = b.get("/me/tokens"); !strings.Contains(page, "Revocato") {
			t.Errorf("the list does not say revoked:\n%s", page)
		}
	})
}
