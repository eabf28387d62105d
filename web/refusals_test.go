package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// postFrom posts a form as the page's script does (htmx, or app.js for a
// plain form), with the given header, and returns the answer.
func (b *browser) postFrom(path string, form url.Values, header string) *http.Response {
	b.e.t.Helper()
	form.Set("csrf", b.csrf)
	req, _ := http.NewRequest("POST", b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.e.srv.URL)
	req.Header.Set(header, map[string]string{"HX-Request": "true", "X-Redazione-Form": "1"}[header])
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	b.e.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// A refused action tells the page why, and which field, so the page can
// show the reason next to the form: for htmx forms and for plain forms sent
// by the page's script alike; a plain form without the script gets a page.
func TestRefusalsTellThePageWhy(t *testing.T) {
	e := start(t, testdb.Open(t, store.SQLite))
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	b := e.login(op)
	conv := e.ingest(e.api, "r1", "c1", "Buongiorno")
	path := fmt.Sprintf("/conversations/%d/messages", conv)

	for _, h := range []string{"HX-Request", "X-Redazione-Form"} {
		resp := b.postFrom(path, url.Values{"kind": {"reply"}, "text": {"   "}}, h)
		msg, _ := url.PathUnescape(resp.Header.Get("X-Redazione-Error"))
		if resp.StatusCode != 400 || msg != "il messaggio è vuoto" || resp.Header.Get("X-Redazione-Field") != "text" {
			t.Errorf("%s: an empty reply: %d %q field %q", h, resp.StatusCode, msg, resp.Header.Get("X-Redazione-Field"))
		}
		resp = b.postFrom(path, url.Values{"kind": {"reply"}, "text": {strings.Repeat("a", redazione.MaxTextRunes+1)}}, h)
		if msg, _ := url.PathUnescape(resp.Header.Get("X-Redazione-Error")); resp.StatusCode != 400 || msg != "il messaggio supera 20000 caratteri" {
			t.Errorf("%s: a reply over the limit: %d %q", h, resp.StatusCode, msg)
		}
	}
	// An expired form, before any handler runs.
	b.csrf = "scaduto"
	resp := b.postFrom(fmt.Sprintf("/conversations/%d/tags", conv), url.Values{"tag": {"x"}}, "HX-Request")
	if msg, _ := url.PathUnescape(resp.Header.Get("X-Redazione-Error")); resp.StatusCode != 403 || msg != "Modulo scaduto: ricarica la pagina e riprova." {
		t.Errorf("an expired form: %d %q", resp.StatusCode, msg)
	}
	// Without the script, the reason is on the page the browser shows.
	b = e.login(op)
	code, page := b.post(path, url.Values{"kind": {"reply"}, "text": {"   "}})
	if code != 400 || !strings.Contains(page, "il messaggio è vuoto") || !strings.Contains(page, `role="alert"`) {
		t.Errorf("a plain post: %d, no reason on the page", code)
	}
	// Nothing was stored by any of these.
	msgs, err := e.db.Messages(t.Context(), redazione.ActorOf(op), conv, 100)
	if err != nil || len(msgs) != 1 {
		t.Errorf("messages after the refusals: %d, %v", len(msgs), err)
	}
}
