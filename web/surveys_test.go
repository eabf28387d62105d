package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

var surveyLink = regexp.MustCompile(`https?://[^\s"]+/valuta/([A-Za-z0-9_-]+)`)

// Resolving a private conversation sends the citizen, on the same channel,
// the link to rate the answer; the rating is recorded once.
func TestSatisfactionSurvey(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	wc := e.newChannel(e.ente, redazione.ChannelWebChat, e.desks[0].ID, "")
	base := fmt.Sprintf("/widget/v1/%d", wc.ID)
	_, out := e.widget("POST", base+"/messages", map[string]string{"text": "Come rinnovo la carta d'identità?"})
	tok := out["token"].(string)
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	b := e.login(op)
	var l apiList
	e.apiGet(e.token(op), "/api/v1/conversations", &l)
	conv := l.Conversations[0].ID
	if code, _ := b.post(fmt.Sprintf("/conversations/%d/status", conv), url.Values{"status": {"resolved"}}); code != 200 {
		t.Fatalf("resolve: %d", code)
	}
	_, msgs := e.widget("GET", base+"/messages?token="+url.QueryEscape(tok), nil)
	m := surveyLink.FindStringSubmatch(fmt.Sprint(msgs["messages"]))
	if m == nil {
		t.Fatalf("the citizen got no survey link: %v", msgs["messages"])
	}
	page := func(method, token string, form url.Values) (int, string) {
		var resp *http.Response
		var err error
		if method == "GET" {
			resp, err = http.Get(e.srv.URL + "/valuta/" + token)
		} else {
			resp, err = http.PostForm(e.srv.URL+"/valuta/"+token, form)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	code, body := page("GET", m[1], nil)
	if code != 200 || !strings.Contains(body, "Positiva") || !strings.Contains(body, "Sufficiente") || !strings.Contains(body, "Negativa") {
		t.Fatalf("survey page: %d", code)
	}
	if code, _ := page("GET", "not-a-token", nil); code != 404 {
		t.Errorf("unknown token: %d, want 404", code)
	}
	if code, _ := page("POST", m[1], url.Values{"rating": {"7"}}); code != 400 {
		t.Errorf("rating 7: %d, want 400", code)
	}
	if code, body := page("POST", m[1], url.Values{"rating": {"3"}, "comment": {"Risposta chiara e veloce"}}); code != 200 || !strings.Contains(body, "registrata") {
		t.Fatalf("answer: %d", code)
	}
	// once only: a second answer changes nothing
	page("POST", m[1], url.Values{"rating": {"1"}})
	sv, err := e.db.SurveyByToken(t.Context(), hashOf(m[1]))
	if err != nil || sv.Rating != 3 || sv.Comment != "Risposta chiara e veloce" {
		t.Fatalf("stored survey = %+v (%v), want the first answer", sv, err)
	}
	// reopened and resolved again: no second survey
	b.post(fmt.Sprintf("/conversations/%d/status", conv), url.Values{"status": {"open"}})
	b.post(fmt.Sprintf("/conversations/%d/status", conv), url.Values{"status": {"resolved"}})
	_, msgs = e.widget("GET", base+"/messages?token="+url.QueryEscape(tok), nil)
	if n := len(surveyLink.FindAllString(fmt.Sprint(msgs["messages"]), -1)); n != 1 {
		t.Fatalf("%d survey links after resolving twice, want 1", n)
	}

	// a public comment gets no survey, nor does any conversation once switched off
	pub := publicPayload("pc1", "fb-1", "Commento pubblico")
	_, po := e.postAPI(e.api, pub, "sign")
	pubConv := int64(po["conversation_id"].(float64))
	b.post(fmt.Sprintf("/conversations/%d/status", pubConv), url.Values{"status": {"resolved"}})
	admin := e.newUser(e.ente, redazione.RoleAdmin)
	ab := e.login(admin)
	if code, _ := ab.post("/admin/surveys", url.Values{}); code != 200 {
		t.Fatalf("switch surveys off: %d", code)
	}
	_, out = e.widget("POST", base+"/messages", map[string]string{"text": "Altra domanda"})
	tok2 := out["token"].(string)
	e.apiGet(e.token(op), "/api/v1/conversations", &l)
	for _, c := range l.Conversations {
		b.post(fmt.Sprintf("/conversations/%d/status", c.ID), url.Values{"status": {"resolved"}})
	}
	_, msgs = e.widget("GET", base+"/messages?token="+url.QueryEscape(tok2), nil)
	if surveyLink.MatchString(fmt.Sprint(msgs["messages"])) {
		t.Fatal("a survey was sent with surveys switched off")
	}
	var th apiThread
	e.apiGet(e.token(op), fmt.Sprintf("/api/v1/conversations/%d", pubConv), &th)
	for _, msg := range th.Messages {
		if strings.Contains(msg.Text, "/valuta/") {
			t.Fatal("a public thread got a survey")
		}
	}
}
