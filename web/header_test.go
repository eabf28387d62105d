package web_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// The header names the user once ("Amministratore", not "Amministratore
// Amministratore" when the name is the role's), and the menu leads to
// Reperibilità, marked as the current page there.
func TestHeaderNamesTheUserOnceAndLeadsToOnCall(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	hash, err := auth.HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	admin := &redazione.User{Email: "admin@comune-a.example.it", Name: "Amministratore", Role: redazione.RoleAdmin, PasswordHash: hash}
	if err := e.db.CreateUser(context.Background(), redazione.SystemActor(e.ente.ID), admin); err != nil {
		t.Fatal(err)
	}
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	_, page := e.login(admin).get("/inbox")
	user := regexp.MustCompile(`(?s)<a class="header-user[^>]*>(.*?)</a>`).FindStringSubmatch(page)
	if user == nil {
		t.Fatal("no user in the header")
	}
	text := regexp.MustCompile(`<[^>]+>`).ReplaceAllString(user[1], " ")
	if n := strings.Count(text, "Amministratore"); n != 1 {
		t.Errorf("the header says %q: the name and the role are the same word, shown %d times", strings.Join(strings.Fields(text), " "), n)
	}
	_, page = e.login(op).get("/inbox")
	if !strings.Contains(page, `<small>Operatore</small>`) && !strings.Contains(page, `>Operatore<`) {
		t.Error("an operator's role is no longer shown beside a name that differs from it")
	}
	_, page = e.login(op).get("/reperibilita")
	if !regexp.MustCompile(`<a class="nav-link" href="/reperibilita" aria-current="page"><span>Reperibilità</span></a>`).MatchString(page) {
		t.Error("the menu does not lead to Reperibilità, or does not mark it as the current page")
	}
	if strings.Contains(page, `href="/pubblicazioni" aria-current="page"`) {
		t.Error("on Reperibilità the menu marks Pubblicazioni as the current page")
	}
}
