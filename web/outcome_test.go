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

// An action on a conversation tells the page what it did, in the
// operator's words, so the page can announce it where the redrawn panel
// says nothing: "Assegnata a …", "Stato: risolta", "Etichetta tolta". The
// change is in the audit trail as any other.
func TestActionsSayWhatTheyDid(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		b := e.login(op)
		conv := e.ingest(e.api, "o1", "c1", "Buongiorno, il cassonetto è pieno")
		base := fmt.Sprintf("/conversations/%d", conv)
		for _, c := range []struct {
			path string
			form url.Values
			want string
		}{
			{"/assign", url.Values{"assignee": {"me"}}, "Assegnata a " + op.Name},
			{"/status", url.Values{"status": {"resolved"}}, "Stato: risolta"},
			{"/status", url.Values{"status": {"pending"}}, "Stato: in attesa del cittadino"},
			{"/priority", url.Values{"priority": {"1"}}, "Priorità: alta"},
			{"/tags", url.Values{"tag": {"rifiuti"}}, "Etichetta aggiunta"},
			{"/tags/remove", url.Values{"tag": {"rifiuti"}}, "Etichetta tolta"},
			{"/assign", url.Values{"assignee": {"0"}}, "Assegnazione tolta"},
			{"/messages", url.Values{"kind": {"reply"}, "text": {"Lo svuotiamo domani."}}, "Risposta inviata"},
			{"/messages", url.Values{"kind": {"note"}, "text": {"Avvisata l'azienda."}}, "Nota aggiunta"},
		} {
			resp := b.postFrom(base+c.path, c.form, "HX-Request")
			said, _ := url.PathUnescape(resp.Header.Get("X-Redazione-Done"))
			if resp.StatusCode != 200 || said != c.want {
				t.Errorf("%s %v: %d, said %q, want %q", c.path, c.form, resp.StatusCode, said, c.want)
			}
		}
		// A refusal says nothing was done.
		resp := b.postFrom(base+"/status", url.Values{"status": {"chiusa"}}, "HX-Request")
		if resp.StatusCode != 400 || resp.Header.Get("X-Redazione-Done") != "" {
			t.Errorf("a refused status: %d, said %q", resp.StatusCode, resp.Header.Get("X-Redazione-Done"))
		}
		c, err := db.Conversation(t.Context(), redazione.ActorOf(op), conv)
		if err != nil || c.Status != redazione.StatusPending || len(c.Tags) != 0 || c.AssigneeID != 0 {
			t.Fatalf("the conversation after the actions: %+v, %v", c, err)
		}
	})
}

// The inbox's split view asks for a conversation alone: the conversation,
// without the page around it or its way back to the inbox; the inbox page
// has the pane, the shortcuts and their scripts.
func TestSplitViewPane(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	b := e.login(op)
	conv := e.ingest(e.api, "p1", "c1", "Il lampione è spento")

	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/conversations/%d", e.srv.URL, conv), nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", "conversation-pane")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	pane := string(body)
	if resp.StatusCode != 200 || !strings.Contains(pane, `id="conversation-main"`) || !strings.Contains(pane, "Il lampione è spento") ||
		!strings.Contains(pane, `id="reply-text"`) || !strings.Contains(pane, `id="conversation-details"`) {
		t.Errorf("the pane: %d\n%s", resp.StatusCode, pane)
	}
	for _, not := range []string{"<html", "<header", "Torna ai messaggi", `id="shortcuts"`} {
		if strings.Contains(pane, not) {
			t.Errorf("the pane has %q", not)
		}
	}
	// The side panel redrawn live offers the colleagues and desks, as the page does.
	req, _ = http.NewRequest("GET", fmt.Sprintf("%s/conversations/%d", e.srv.URL, conv), nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", "conversation-details")
	resp, err = b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if details := string(body); resp.StatusCode != 200 || strings.Contains(details, "<html") ||
		!strings.Contains(details, fmt.Sprintf(`<option value="%d">%s</option>`, op.ID, op.Name)) ||
		!strings.Contains(details, fmt.Sprintf(`<option value="%d" selected>%s</option>`, e.desks[0].ID, e.desks[0].Name)) {
		t.Errorf("the side panel redrawn: %d, without the colleagues or desks\n%s", resp.StatusCode, details)
	}
	// The conversation's own page is as before, with its way back.
	code, page := b.get(fmt.Sprintf("/conversations/%d", conv))
	if code != 200 || !strings.Contains(page, "Torna ai messaggi") || !strings.Contains(page, `id="conversation-main"`) || !strings.Contains(page, `id="shortcuts"`) {
		t.Errorf("the conversation page: %d", code)
	}
	code, page = b.get("/inbox")
	for _, want := range []string{`id="conversation-pane"`, `id="shortcuts"`, "Scorciatoie da tastiera", "/static/split.", "/static/keys."} {
		if code != 200 || !strings.Contains(page, want) {
			t.Errorf("the inbox: %d, no %q", code, want)
		}
	}
}
