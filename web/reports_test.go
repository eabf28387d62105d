package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// The CSV by desk, operator, channel or tag (kept for scripts) counts the
// conversations, their times and ratings, and never hands a spreadsheet a
// formula.
func TestReportsCSVByGroup(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	wc := e.newChannel(e.ente, redazione.ChannelWebChat, e.desks[0].ID, "")
	wc.Name = "=SOMMA(1;2)" // a name a spreadsheet would run as a formula
	if err := e.db.UpdateChannel(t.Context(), redazione.SystemActor(e.ente.ID), wc); err != nil {
		t.Fatal(err)
	}
	co := e.newUser(e.ente, redazione.RoleCoordinator)
	b := e.login(co)
	tok := e.token(co)
	base := fmt.Sprintf("/widget/v1/%d", wc.ID)
	var tokens []string
	for i := 0; i < 3; i++ {
		_, out := e.widget("POST", base+"/messages", map[string]string{"text": fmt.Sprintf("Domanda %d", i)})
		tokens = append(tokens, out["token"].(string))
	}
	var l apiList
	e.apiGet(tok, "/api/v1/conversations", &l)
	for i, c := range l.Conversations {
		b.post(fmt.Sprintf("/conversations/%d/messages", c.ID), url.Values{"text": {"Buongiorno, ecco la risposta"}, "kind": {"reply"}})
		if i < 2 {
			b.post(fmt.Sprintf("/conversations/%d/status", c.ID), url.Values{"status": {"resolved"}})
		}
	}
	// the two resolved citizens rate: one positive, one negative
	ratings := []string{"3", "1"}
	n := 0
	for _, tk := range tokens {
		_, msgs := e.widget("GET", base+"/messages?token="+url.QueryEscape(tk), nil)
		if m := surveyLink.FindStringSubmatch(fmt.Sprint(msgs["messages"])); m != nil {
			http.PostForm(e.srv.URL+"/valuta/"+m[1], url.Values{"rating": {ratings[n]}})
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d surveys sent, want 2", n)
	}
	resp, err := b.c.Get(e.srv.URL + "/reports.csv?by=channel&days=7")
	if err != nil {
		t.Fatal(err)
	}
	csvBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || !strings.Contains(string(csvBody), "Canale;Conversazioni") {
		t.Fatalf("csv: %s\n%s", resp.Header.Get("Content-Type"), csvBody)
	}
	if !strings.Contains(string(csvBody), "\n\"'=SOMMA(1;2)\";3;2;") {
		t.Errorf("the channel row is missing or reaches the spreadsheet as a formula:\n%s", csvBody)
	}
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	if code, _ := e.login(op).get("/reports.csv?by=desk"); code != 403 {
		t.Errorf("operator on /reports.csv: %d, want 403", code)
	}
	if code, _ := b.get("/reports.csv?by=colore"); code != 400 {
		t.Errorf("unknown grouping: %d, want 400", code)
	}
}
