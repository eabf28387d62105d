package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel/apichannel"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

func publicPayload(extID, contact, text string) []byte {
	b, _ := json.Marshal(map[string]any{
		"external_id": extID, "contact": map[string]string{"external_id": contact, "name": "Utente " + contact},
		"text": text, "sent_at": "2026-11-23T10:00:00Z", "public": true,
	})
	return b
}

type apiFlagged struct {
	ID       int64  `json:"id"`
	Public   bool   `json:"public"`
	Priority string `json:"priority"`
	Flags    []struct {
		Kind    string `json:"kind"`
		Reason  string `json:"reason"`
		Cleared bool   `json:"cleared"`
	} `json:"flags"`
}

// A public comment exposing a codice fiscale is flagged and the data
// highlighted; the operator is offered the standard answer, is told the
// answer will be public, and can clear a false flag, which is recorded.
func TestPersonalDataInPublicComment(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		co := e.newUser(e.ente, redazione.RoleCoordinator)
		tok := e.token(co)
		body := publicPayload("c1", "fb-77", "Mi avete fatto la multa sbagliata! Il mio codice fiscale è RSSMRA85T10A562S, controllate")
		code, out := e.postAPI(e.api, body, apichannel.Sign(e.api.Secret, body))
		if code != http.StatusAccepted {
			t.Fatalf("public comment: %d %v", code, out)
		}
		pub := int64(out["conversation_id"].(float64))
		// the same citizen writing privately opens a separate, private conversation
		priv := e.ingest(e.api, "p1", "fb-77", "Le scrivo in privato il mio codice fiscale RSSMRA85T10A562S")
		if priv == pub {
			t.Fatal("a private message joined the public conversation")
		}
		var c apiFlagged
		e.apiGet(tok, fmt.Sprintf("/api/v1/conversations/%d", pub), &c)
		if !c.Public || len(c.Flags) != 1 || c.Flags[0].Kind != "personal_data" || !strings.Contains(c.Flags[0].Reason, "codice fiscale") {
			t.Fatalf("public conversation = %+v, want one personal_data flag naming the codice fiscale", c)
		}
		var p apiFlagged
		e.apiGet(tok, fmt.Sprintf("/api/v1/conversations/%d", priv), &p)
		if p.Public || len(p.Flags) != 0 {
			t.Fatalf("private conversation = %+v: personal data in private is not flagged", p)
		}
		b := e.login(co)
		_, page := b.get(fmt.Sprintf("/conversations/%d", pub))
		for _, want := range []string{
			`<mark class="flag-mark flag-codice_fiscale">RSSMRA85T10A562S</mark>`,
			"Dati personali esposti",
			"per tutelare la sua riservatezza",
			"la risposta sarà PUBBLICA",
			"Pubblica la risposta",
		} {
			if !strings.Contains(page, want) {
				t.Errorf("the public conversation page lacks %q", want)
			}
		}
		_, inbox := b.get("/inbox?view=all")
		if !strings.Contains(inbox, "flag-personal_data") {
			t.Error("the inbox does not mark the flagged conversation")
		}
		// clearing: needs the right conversation, is recorded
		var flagID int64
		fmt.Sscanf(page[strings.Index(page, "/flags/")+len("/flags/"):], "%d", &flagID)
		if code, _ := b.post(fmt.Sprintf("/conversations/%d/flags/%d/clear", priv, flagID), url.Values{}); code != 404 {
			t.Errorf("clearing a flag through another conversation: %d, want 404", code)
		}
		if code, _ := b.post(fmt.Sprintf("/conversations/%d/flags/%d/clear", pub, flagID), url.Values{"reason": {"è il codice dell'ufficio"}}); code != 200 {
			t.Fatalf("clear flag: %d", code)
		}
		e.apiGet(tok, fmt.Sprintf("/api/v1/conversations/%d", pub), &c)
		if len(c.Flags) != 1 || !c.Flags[0].Cleared {
			t.Fatalf("after clearing: %+v", c.Flags)
		}
		if _, page := b.get(fmt.Sprintf("/conversations/%d", pub)); strings.Contains(page, "<mark class=\"flag-mark") || !strings.Contains(page, "segnalazione annullata da "+co.Name) {
			t.Error("a cleared flag still highlights, or does not say who cleared it")
		}
		if _, audit := b.get("/admin/audit"); !strings.Contains(audit, "è il codice dell&#39;ufficio") {
			t.Error("clearing the flag is not in the audit trail")
		}
	})
}

// A message with danger words is urgent: priority raised, coordinators told.
func TestUrgentMessage(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	co := e.newUser(e.ente, redazione.RoleCoordinator)
	tok := e.token(co)
	conv := e.ingest(e.api, "u1", "c9", "C'è una fuga di gas nel palazzo di via Verdi 3, venite subito")
	var c apiFlagged
	e.apiGet(tok, fmt.Sprintf("/api/v1/conversations/%d", conv), &c)
	if c.Priority != "urgente" || len(c.Flags) != 1 || c.Flags[0].Kind != "urgent" || !strings.Contains(c.Flags[0].Reason, "fuga di gas") {
		t.Fatalf("urgent conversation = %+v", c)
	}
	if _, page := e.login(co).get("/notifications"); !strings.Contains(page, "Messaggio urgente") {
		t.Error("the coordinator was not told")
	}
	calm := e.ingest(e.api, "u2", "c10", "Quando apre la biblioteca?")
	e.apiGet(tok, fmt.Sprintf("/api/v1/conversations/%d", calm), &c)
	if c.Priority != "normale" || len(c.Flags) != 0 {
		t.Fatalf("ordinary conversation = %+v", c)
	}
}

// Insults are flagged for moderation, with the words marked.
func TestAbuseFlag(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	co := e.newUser(e.ente, redazione.RoleCoordinator)
	body := publicPayload("a1", "troll", "Siete degli idioti, vergogna")
	code, out := e.postAPI(e.api, body, "sign")
	if code != 202 {
		t.Fatalf("%d %v", code, out)
	}
	conv := int64(out["conversation_id"].(float64))
	var c apiFlagged
	e.apiGet(e.token(co), fmt.Sprintf("/api/v1/conversations/%d", conv), &c)
	if len(c.Flags) != 1 || c.Flags[0].Kind != "abuse" || !strings.Contains(c.Flags[0].Reason, "idioti") {
		t.Fatalf("flags = %+v, want one abuse flag naming the word", c.Flags)
	}
	if _, page := e.login(co).get(fmt.Sprintf("/conversations/%d", conv)); !strings.Contains(page, `<mark class="flag-mark flag-insult">idioti</mark>`) || !strings.Contains(page, "Da moderare") {
		t.Error("the insult is not marked for moderation on the page")
	}
}
