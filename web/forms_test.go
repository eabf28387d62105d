package web_test

import (
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// Every form holds its own button, as the browser parses the page: a form
// written where HTML allows none (between two table cells, say) is left
// empty by the parser, its button moved out of the table, and a refusal
// then shows far from the button that was pressed.
func TestFormsHoldTheirButtons(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	admin := e.newUser(e.ente, redazione.RoleAdmin)
	e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	b := e.login(admin)
	for _, path := range []string{"/admin/users", "/admin/sso", "/admin/sicurezza", "/me/sessioni", "/me/sicurezza", "/me/tokens", "/me/password", "/inbox"} {
		code, page := b.get(path)
		if code != 200 {
			t.Errorf("%s: %d", path, code)
			continue
		}
		doc, err := html.Parse(strings.NewReader(page))
		if err != nil {
			t.Fatal(err)
		}
		forms := 0
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode && n.Data == "form" && attr(n, "method") == "post" && attr(n, "id") == "" {
				forms++
				if !holdsButton(n) {
					t.Errorf("%s: the form posting to %s holds no button as the browser reads the page", path, attr(n, "action"))
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
		if forms == 0 && path != "/inbox" {
			t.Errorf("%s: no form found", path)
		}
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func holdsButton(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (c.Data == "button" || (c.Data == "input" && attr(c, "type") == "submit")) {
			return true
		}
		if holdsButton(c) {
			return true
		}
	}
	return false
}
