package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/channel/apichannel"
	"github.com/redazione/redazione/channel/meta"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// metaPost posts a webhook body to a Meta channel, signed with secret ("":
// unsigned), and returns the status and the answer.
func (e *env) metaPost(ch *redazione.Channel, body []byte, secret string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/hooks/meta/%d", e.srv.URL, ch.ID), bytes.NewReader(body))
	if secret != "" {
		req.Header.Set(meta.SignatureHeader, apichannel.Sign(secret, body))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

var convIDRe = regexp.MustCompile(`data-conversation="(\d+)"`)

// auditActions lists the actions of the ente's audit trail with their
// details.
func (e *env) auditActions() []string {
	e.t.Helper()
	entries, err := e.db.AuditLog(e.t.Context(), redazione.SystemActor(e.ente.ID), 500)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, a := range entries {
		out = append(out, a.Action+" "+a.Detail)
	}
	return out
}

func hasAction(actions []string, prefix string) bool {
	for _, a := range actions {
		if strings.HasPrefix(a, prefix) {
			return true
		}
	}
	return false
}

// A citizen's comment on the ente's Facebook page arrives as a public
// conversation; the operator answers it in public, hides it (and shows it
// again), and moves the exchange to a private message.
func TestFacebookComments(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		graph := newFakeGraph(t, "", "", "comment_reply_ok.json")
		graph.answerWith("POST /v21.0/998877665544332_1122334455", "hide_ok.json")
		graph.answerWith("POST /v21.0/112233445566778/messages", "private_reply_ok.json")
		ch := &redazione.Channel{Kind: redazione.ChannelMessenger, Name: "Pagina Facebook", DeskID: e.desks[0].ID, Secret: auth.NewToken(""),
			Settings: map[string]string{"token": "PAGE-TOKEN", "app_secret": "APP", "verify_token": "V", "page_id": "112233445566778", "api_base_url": graph.URL}}
		if err := db.CreateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
			t.Fatal(err)
		}
		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		tok := e.token(op)
		comment := waPayload(t, "page_feed_comment.json")
		for _, secret := range []string{"", "altro-segreto"} {
			if code, _ := e.metaPost(ch, comment, secret); code != 401 {
				t.Errorf("signature with %q: %d, want 401", secret, code)
			}
		}
		if c, m := e.count(tok); c != 0 || m != 0 {
			t.Fatal("a badly signed comment was stored")
		}
		if code, out := e.metaPost(ch, comment, "APP"); code != 200 || out["stored"] != float64(1) {
			t.Fatalf("comment: %d %v", code, out)
		}
		if code, out := e.metaPost(ch, comment, "APP"); code != 200 || out["stored"] != float64(0) {
			t.Fatalf("redelivery: %d %v, want nothing stored", code, out)
		}
		// the page's own answer, an edit, a reaction and a removal are no
		// citizen's new comment; the edit changes the stored comment (the
		// removal names one never received)
		if code, out := e.metaPost(ch, waPayload(t, "page_feed_other.json"), "APP"); code != 200 || out["received"] != float64(0) || out["edited"] != float64(1) {
			t.Fatalf("other feed changes: %d %v, want nothing received and one comment edited", code, out)
		}
		var l struct {
			Conversations []struct {
				ID      int64 `json:"id"`
				Public  bool  `json:"public"`
				Contact struct {
					Name string `json:"name"`
				} `json:"contact"`
			} `json:"conversations"`
		}
		e.apiGet(tok, "/api/v1/conversations", &l)
		if len(l.Conversations) != 1 || !l.Conversations[0].Public || l.Conversations[0].Contact.Name != "Giulia Rossi" {
			t.Fatalf("conversations = %+v, want Giulia's public one", l.Conversations)
		}
		pub := l.Conversations[0].ID
		b := e.login(op)
		_, page := b.get(fmt.Sprintf("/conversations/%d", pub))
		for _, want := range []string{"Il ponte di via Roma sarà riaperto prima di Natale? Grazie", "Modificato dal cittadino", "Testi precedenti (1)", "la risposta sarà PUBBLICA", "Pubblica la risposta", "Rispondi in privato", "La risposta sarà PRIVATA", "Nascondi commento"} {
			if !strings.Contains(page, want) {
				t.Errorf("the public conversation's page lacks %q", want)
			}
		}
		commentMsg := msgIDRe(page)

		// in public: a reply to the citizen's comment
		_, body := b.post(fmt.Sprintf("/conversations/%d/messages", pub), url.Values{"text": {"Sì, riapre il 20 dicembre."}, "kind": {"reply"}})
		if st, why := e.waitDelivery(tok, pub, msgIDRe(body), "sent", 10*time.Second); st != "sent" {
			t.Fatalf("public reply: %q (%s)", st, why)
		}
		if path, sent := graph.last(); path != "/v21.0/998877665544332_1122334455/comments" || sent["message"] != "Sì, riapre il 20 dicembre." {
			t.Fatalf("public reply went to %s %v, want a reply to the comment", path, sent)
		}

		// hidden, then shown again
		hide := fmt.Sprintf("/conversations/%d/messages/%d/hide", pub, commentMsg)
		if code, page := b.post(hide, url.Values{"hidden": {"true"}}); code != 200 || !strings.Contains(page, "Nascosto sulla piattaforma") || !strings.Contains(page, "Mostra commento") {
			t.Fatalf("hide: %d, the thread does not show the comment hidden", code)
		}
		if path, sent := graph.last(); path != "/v21.0/998877665544332_1122334455" || sent["is_hidden"] != true {
			t.Fatalf("hide went to %s %v", path, sent)
		}
		if code, page := b.post(hide, url.Values{"hidden": {"false"}}); code != 200 || strings.Contains(page, "Nascosto sulla piattaforma") {
			t.Fatalf("show again: %d, the comment still shows hidden", code)
		}
		if _, sent := graph.last(); sent["is_hidden"] != false {
			t.Fatalf("show again sent %v", sent)
		}
		// the platform refuses: its reason is shown, nothing changes
		graph.refuseWith("/v21.0/998877665544332_1122334455", "hide_refused.json")
		if code, page := b.post(hide, url.Values{"hidden": {"true"}}); code != 409 || !strings.Contains(page, "Application does not have permission") {
			t.Fatalf("refused hide: %d, want 409 with Facebook's reason", code)
		}
		if _, page := b.get(fmt.Sprintf("/conversations/%d", pub)); strings.Contains(page, "Nascosto sulla piattaforma") {
			t.Fatal("a refused hide shows the comment hidden")
		}
		if a := e.auditActions(); !hasAction(a, "message.hide") || !hasAction(a, "message.unhide") {
			t.Errorf("audit trail %v lacks the hide and the unhide", a)
		}

		// in private: the operator lands in the private conversation
		code, page := b.post(fmt.Sprintf("/conversations/%d/private", pub), url.Values{"text": {"Le scriviamo in privato per i dettagli."}})
		m := convIDRe.FindStringSubmatch(page)
		if code != 200 || m == nil || m[1] == fmt.Sprint(pub) {
			t.Fatalf("private reply: %d, not taken to a private conversation", code)
		}
		var priv int64
		fmt.Sscan(m[1], &priv)
		if !strings.Contains(page, "La risposta sarà PRIVATA") || strings.Contains(page, "la risposta sarà PUBBLICA") || !strings.Contains(page, "Risposta privata a un commento pubblico") {
			t.Error("the private conversation does not say its answers are private")
		}
		if st, why := e.waitDelivery(tok, priv, msgIDRe(page), "sent", 10*time.Second); st != "sent" {
			t.Fatalf("private reply delivery: %q (%s)", st, why)
		}
		path, sent := graph.last()
		if path != "/v21.0/112233445566778/messages" || sent["recipient"].(map[string]any)["comment_id"] != "998877665544332_1122334455" {
			t.Fatalf("private reply went to %s %v, want Private Replies to the comment", path, sent)
		}
		if _, page := b.get(fmt.Sprintf("/conversations/%d", pub)); !strings.Contains(page, fmt.Sprintf("conversazione privata n. %d", priv)) {
			t.Error("the public conversation does not point to the private one")
		}
		if a := e.auditActions(); !hasAction(a, "conversation.private_reply comment=998877665544332_1122334455") {
			t.Errorf("audit trail %v lacks the private reply", a)
		}
	})
}

// Instagram: a citizen's comment is a public conversation (the account's own
// answers are not); a public answer is a reply to the comment, hiding uses
// "hide", a private reply goes to the comment's author and their direct
// messages continue in the same private conversation.
func TestInstagramComments(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	graph := newFakeGraph(t, "", "", "comment_reply_ok.json")
	graph.answerWith("POST /v21.0/17865799348089039", "hide_ok.json")
	graph.answerWith("POST /v21.0/17865799348089040", "hide_ok.json")
	ch := &redazione.Channel{Kind: redazione.ChannelInstagram, Name: "@comune.montevecchio", DeskID: e.desks[0].ID, Secret: auth.NewToken(""),
		Settings: map[string]string{"token": "IG-TOKEN", "app_secret": "APP", "verify_token": "V", "page_id": "17841400008460056", "api_base_url": graph.URL}}
	if err := e.db.CreateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
		t.Fatal(err)
	}
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	tok := e.token(op)
	comment := waPayload(t, "instagram_comment.json")
	if code, _ := e.metaPost(ch, comment, "sbagliato"); code != 401 {
		t.Fatalf("bad signature: %d", code)
	}
	if code, out := e.metaPost(ch, comment, "APP"); code != 200 || out["stored"] != float64(1) {
		t.Fatalf("comment: %d %v", code, out)
	}
	if code, out := e.metaPost(ch, comment, "APP"); code != 200 || out["stored"] != float64(0) {
		t.Fatalf("redelivery: %d %v", code, out)
	}
	if code, out := e.metaPost(ch, waPayload(t, "instagram_own_comment.json"), "APP"); code != 200 || out["received"] != float64(0) {
		t.Fatalf("the account's own comment: %d %v", code, out)
	}
	var l apiList
	e.apiGet(tok, "/api/v1/conversations", &l)
	if len(l.Conversations) != 1 || l.Conversations[0].Contact.ExternalID != "232323232" {
		t.Fatalf("conversations = %+v", l.Conversations)
	}
	pub := l.Conversations[0].ID
	b := e.login(op)
	_, page := b.get(fmt.Sprintf("/conversations/%d", pub))
	if !strings.Contains(page, "la risposta sarà PUBBLICA") || !strings.Contains(page, "marta.bianchi") {
		t.Fatal("the comment's page does not say the answer is public")
	}
	_, body := b.post(fmt.Sprintf("/conversations/%d/messages", pub), url.Values{"text": {"Riapre lunedì."}, "kind": {"reply"}})
	if st, why := e.waitDelivery(tok, pub, msgIDRe(body), "sent", 10*time.Second); st != "sent" {
		t.Fatalf("public reply: %q (%s)", st, why)
	}
	if path, sent := graph.last(); path != "/v21.0/17865799348089039/replies" || sent["message"] != "Riapre lunedì." {
		t.Fatalf("public reply went to %s %v", path, sent)
	}
	if code, _ := b.post(fmt.Sprintf("/conversations/%d/messages/%d/hide", pub, msgIDRe(page)), url.Values{"hidden": {"true"}}); code != 200 {
		t.Fatalf("hide: %d", code)
	}
	if path, sent := graph.last(); path != "/v21.0/17865799348089039" || sent["hide"] != true {
		t.Fatalf("hide went to %s %v", path, sent)
	}
	// an insult is flagged, and the flag offers to hide it
	insult := bytes.ReplaceAll(bytes.ReplaceAll(comment, []byte("17865799348089039"), []byte("17865799348089040")),
		[]byte("Quando riapre la piscina comunale?"), []byte("Siete degli idioti, la piscina è chiusa da mesi"))
	if code, out := e.metaPost(ch, insult, "APP"); code != 200 || out["stored"] != float64(1) {
		t.Fatalf("second comment: %d %v", code, out)
	}
	_, page = b.get(fmt.Sprintf("/conversations/%d", pub))
	hideFlagged := regexp.MustCompile(`action="(/conversations/\d+/messages/\d+/hide)"[^>]*>\s*<input[^>]*>\s*<input type="hidden" name="hidden" value="true">\s*<button[^>]*>Nascondi il commento segnalato`).FindStringSubmatch(page)
	if hideFlagged == nil {
		t.Fatal("the abuse flag does not offer to hide the comment")
	}
	if code, _ := b.post(hideFlagged[1], url.Values{"hidden": {"true"}}); code != 200 {
		t.Fatalf("hide from the flag: %d", code)
	}
	if path, _ := graph.last(); path != "/v21.0/17865799348089040" {
		t.Fatalf("hide from the flag went to %s, want the insulting comment", path)
	}
	// a failed private reply shows Meta's reason on the message
	graph.refuseWith("/v21.0/17841400008460056/messages", "hide_refused.json")
	_, page = b.post(fmt.Sprintf("/conversations/%d/private", pub), url.Values{"text": {"Le scriviamo in privato."}})
	var priv int64
	fmt.Sscan(convIDRe.FindStringSubmatch(page)[1], &priv)
	if st, why := e.waitDelivery(tok, priv, msgIDRe(page), "failed", 10*time.Second); st != "failed" || !strings.Contains(why, "Application does not have permission") {
		t.Fatalf("refused private reply: %q (%s), want failed with Meta's reason", st, why)
	}
	if _, page := b.get(fmt.Sprintf("/conversations/%d", priv)); !strings.Contains(page, "Application does not have permission") {
		t.Error("the thread does not show why the private reply failed")
	}
	// the citizen answers in Direct: the same private conversation
	dm := []byte(`{"object": "instagram", "entry": [{"id": "17841400008460056", "time": 1749416700000, "messaging": [{"sender": {"id": "232323232"}, "recipient": {"id": "17841400008460056"}, "timestamp": 1749416700000, "message": {"mid": "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQx", "text": "Grazie, a che ora?"}}]}]}`)
	if code, out := e.metaPost(ch, dm, "APP"); code != 200 || out["stored"] != float64(1) {
		t.Fatalf("direct message: %d %v", code, out)
	}
	if _, page := b.get(fmt.Sprintf("/conversations/%d", priv)); !strings.Contains(page, "Grazie, a che ora?") {
		t.Error("the citizen's direct message did not continue the private conversation")
	}
	// then unsends it: the office keeps it, marked as deleted by the citizen
	unsend := []byte(`{"object": "instagram", "entry": [{"id": "17841400008460056", "time": 1749416760000, "messaging": [{"sender": {"id": "232323232"}, "recipient": {"id": "17841400008460056"}, "timestamp": 1749416760000, "message": {"mid": "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQx", "is_deleted": true}}]}]}`)
	if code, out := e.metaPost(ch, unsend, "APP"); code != 200 || out["stored"] != float64(0) || out["edited"] != float64(1) {
		t.Fatalf("unsent message: %d %v, want nothing stored and one message marked", code, out)
	}
	if _, page := b.get(fmt.Sprintf("/conversations/%d", priv)); !strings.Contains(page, "Grazie, a che ora?") || !strings.Contains(page, "Eliminato sulla piattaforma") {
		t.Error("the unsent message is not shown kept and marked deleted")
	}
}

// A mention of the ente's Instagram account in a comment on someone else's
// post: its text is read from the Graph API, it is answered through the
// mentions edge, and it can be neither hidden nor answered privately.
func TestInstagramMentions(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	graph := newFakeGraph(t, "", "", "comment_reply_ok.json")
	ch := &redazione.Channel{Kind: redazione.ChannelInstagram, Name: "@comune.montevecchio", DeskID: e.desks[0].ID, Secret: auth.NewToken(""),
		Settings: map[string]string{"token": "IG-TOKEN", "app_secret": "APP", "verify_token": "V", "page_id": "17841400008460056", "api_base_url": graph.URL}}
	if err := e.db.CreateChannel(t.Context(), redazione.SystemActor(e.ente.ID), ch); err != nil {
		t.Fatal(err)
	}
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	tok := e.token(op)
	mention := waPayload(t, "instagram_mention.json")
	// Instagram cannot be read: the POST fails, to be delivered again
	if code, _ := e.metaPost(ch, mention, "APP"); code < 500 {
		t.Fatalf("mention with the Graph API failing: %d, want a failure Meta retries", code)
	}
	if c, _ := e.count(tok); c != 0 {
		t.Fatal("a mention that could not be read was stored")
	}
	graph.answerWith("GET /v21.0/17841400008460056", "mentioned_comment.json")
	if code, out := e.metaPost(ch, mention, "APP"); code != 200 || out["stored"] != float64(1) {
		t.Fatalf("mention: %d %v", code, out)
	}
	if code, out := e.metaPost(ch, mention, "APP"); code != 200 || out["stored"] != float64(0) {
		t.Fatalf("redelivery: %d %v", code, out)
	}
	var l apiList
	e.apiGet(tok, "/api/v1/conversations", &l)
	if len(l.Conversations) != 1 {
		t.Fatalf("conversations = %+v", l.Conversations)
	}
	pub := l.Conversations[0].ID
	b := e.login(op)
	_, page := b.get(fmt.Sprintf("/conversations/%d", pub))
	if !strings.Contains(page, "il lampione davanti alla scuola") || !strings.Contains(page, "la risposta sarà PUBBLICA") {
		t.Fatal("the mention's page lacks its text or the public warning")
	}
	if strings.Contains(page, "Nascondi commento") || strings.Contains(page, "Rispondi in privato") {
		t.Error("a mention on someone else's post offers hiding or a private reply")
	}
	if code, _ := b.post(fmt.Sprintf("/conversations/%d/messages/%d/hide", pub, msgIDRe(page)), url.Values{"hidden": {"true"}}); code != 400 {
		t.Errorf("hiding a mention: %d, want 400", code)
	}
	if code, _ := b.post(fmt.Sprintf("/conversations/%d/private", pub), url.Values{"text": {"In privato"}}); code != 400 {
		t.Errorf("private reply to a mention: %d, want 400", code)
	}
	_, body := b.post(fmt.Sprintf("/conversations/%d/messages", pub), url.Values{"text": {"Grazie, lo segnaliamo all'ufficio tecnico."}, "kind": {"reply"}})
	if st, why := e.waitDelivery(tok, pub, msgIDRe(body), "sent", 10*time.Second); st != "sent" {
		t.Fatalf("reply to the mention: %q (%s)", st, why)
	}
	path, sent := graph.last()
	if path != "/v21.0/17841400008460056/mentions" || sent["media_id"] != "17920238422030506" || sent["comment_id"] != "17895695668004550" {
		t.Fatalf("reply went to %s %v, want the mentions edge", path, sent)
	}
}
