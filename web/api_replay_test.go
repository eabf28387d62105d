package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel/apichannel"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// postSigned posts body to the API channel, signed with the time at.
func (e *env) postSigned(ch *redazione.Channel, body []byte, at time.Time) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/channels/%d/messages", e.srv.URL, ch.ID), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(apichannel.TimestampHeader, strconv.FormatInt(at.Unix(), 10))
	req.Header.Set(apichannel.SignatureHeader, apichannel.SignAt(ch.Secret, at, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// An integration signs with the time: a captured request replayed later is
// refused; a channel can require the time. A message whose citizen was
// erased, sent again as it was, is acknowledged and not stored.
func TestAPIReplays(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	ctx := context.Background()
	strict := e.account(redazione.ChannelAPI, "Sportello firmato", map[string]string{"require_timestamp": "on"})
	body := payload("t1", "lucia", "Buongiorno, sono Lucia Neri")
	if code, out := e.postAPI(strict, body, "sign"); code != 401 || !strings.Contains(fmt.Sprint(out["error"]), apichannel.TimestampHeader) {
		t.Errorf("a request without its time on a channel that requires it: %d %v", code, out)
	}
	if code, out := e.postSigned(strict, body, time.Now()); code != 202 {
		t.Fatalf("a request signed with its time: %d %v", code, out)
	}
	if code, out := e.postSigned(strict, payload("t2", "lucia", "Ancora io"), time.Now().Add(-6*time.Minute)); code != 401 || !strings.Contains(fmt.Sprint(out["error"]), "minuti") {
		t.Errorf("a request signed six minutes ago: %d %v", code, out)
	}

	// The erased citizen's original request, sent again.
	original := payload("api-99", "marco", "Sono Marco Blu, codice fiscale BLUMRC80A01H501Z")
	code, out := e.postAPI(e.api, original, "sign")
	if code != 202 {
		t.Fatalf("first delivery: %d %v", code, out)
	}
	admin := e.newUser(e.ente, redazione.RoleAdmin)
	conv, err := e.db.Conversation(ctx, redazione.ActorOf(admin), int64(out["conversation_id"].(float64)))
	if err != nil {
		t.Fatal(err)
	}
	ab := e.login(admin)
	if _, page := ab.get("/search?q=Blu"); !strings.Contains(page, "BLUMRC80A01H501Z") {
		t.Fatal("the search does not find the message before the erasure")
	}
	if _, err := e.app.Inbox.EraseContact(ctx, redazione.ActorOf(admin), conv.ContactID); err != nil {
		t.Fatal(err)
	}
	code, out = e.postAPI(e.api, original, "sign")
	if code != 202 || out["duplicate"] != true {
		t.Errorf("the replay after erasure: %d %v; want acknowledged as a duplicate", code, out)
	}
	if _, page := ab.get("/search?q=Blu"); strings.Contains(page, "BLUMRC80A01H501Z") || strings.Contains(page, "<mark>Blu</mark>") {
		t.Error("the replayed message was stored")
	}
}

// A message dated 2001 is filed at its receipt, and the page says what
// date the sender gave.
func TestImplausibleDateShown(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	body, _ := json.Marshal(map[string]any{"external_id": "old-1", "contact": map[string]string{"external_id": "c9", "name": "Ada"},
		"text": "Messaggio con una data strana", "sent_at": "2001-03-03T10:00:00Z"})
	code, out := e.postAPI(e.api, body, "sign")
	if code != 202 {
		t.Fatalf("%d %v", code, out)
	}
	b := e.login(e.newUser(e.ente, redazione.RoleAdmin))
	_, page := b.get(fmt.Sprintf("/conversations/%d", int64(out["conversation_id"].(float64))))
	if !strings.Contains(page, "non plausibile, era <time datetime=\"2001-03-03T10:00:00Z\">03/03/2001 11:00</time>") {
		t.Error("the page does not show the implausible date the sender gave")
	}
}
