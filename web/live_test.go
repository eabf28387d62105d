package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// New messages, assignments and status changes reach every open screen of
// the people who may see them, within a second; others get nothing.
func TestLiveEventsReachTheRightScreens(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		outsider := e.newUser(e.ente, redazione.RoleOperator, e.desks[1].ID)
		mineEv := e.login(op).events(ctx, "/events")
		otherEv := e.login(outsider).events(ctx, "/events")

		conv := e.ingest(e.api, "m1", "c1", "Quando apre lo sportello?")
		if !waitEvent(t, mineEv, "message", fmt.Sprintf(`"conversation":%d`, conv), time.Second) {
			t.Fatal("the operator's screen got no event for the new message within a second")
		}
		co := e.newUser(e.ente, redazione.RoleCoordinator)
		b := e.login(co)
		if code, _ := b.post(fmt.Sprintf("/conversations/%d/assign", conv), url.Values{"assignee": {fmt.Sprint(op.ID)}}); code != 200 {
			t.Fatalf("assign: %d", code)
		}
		if !waitEvent(t, mineEv, "conversation", fmt.Sprintf(`"conversation":%d`, conv), time.Second) {
			t.Fatal("no event for the assignment within a second")
		}
		if code, _ := b.post(fmt.Sprintf("/conversations/%d/status", conv), url.Values{"status": {"pending"}}); code != 200 {
			t.Fatalf("status: %d", code)
		}
		if !waitEvent(t, mineEv, "conversation", fmt.Sprintf(`"conversation":%d`, conv), time.Second) {
			t.Fatal("no event for the status change within a second")
		}
		// the operator's refreshed list shows it assigned to them
		_, page := e.login(op).get("/inbox?view=mine&status=pending")
		if !strings.Contains(page, "Quando apre lo sportello?") {
			t.Error("the conversation is not in the operator's own pending view")
		}
		// the other desk's operator heard nothing of it
		if waitEvent(t, otherEv, "message", "", 200*time.Millisecond) {
			t.Error("an operator of another desk was told about the message")
		}
	})
}

// Two processes on one PostgreSQL work as one office: a message ingested by
// one appears live on a screen served by the other, and a reply is
// delivered once.
func TestMultiProcessOnPostgres(t *testing.T) {
	t.Parallel()
	dbURL := testdb.URL(t, store.Postgres)
	open := func() *store.DB {
		db, err := store.Open(context.Background(), dbURL, "")
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	a := start(t, open())
	b := a.attach(t, open())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var secret string
	cb := newCallback(t, &secret, 0)
	ch := a.newChannel(a.ente, redazione.ChannelAPI, a.desks[0].ID, cb.URL)
	secret = ch.Secret
	op := a.newUser(a.ente, redazione.RoleOperator, a.desks[0].ID)
	// B listens to PostgreSQL from its start, and its event stream is
	// subscribed before it answers: nothing to wait for
	onB := b.login(op).events(ctx, "/events")

	conv := a.ingest(ch, "m1", "c1", "Messaggio arrivato al primo processo")
	if !waitEvent(t, onB, "message", fmt.Sprintf(`"conversation":%d`, conv), 2*time.Second) {
		t.Fatal("a message ingested by process A did not reach a screen on process B")
	}
	if _, page := b.login(op).get("/inbox"); !strings.Contains(page, "primo processo") {
		t.Fatal("process B's inbox does not show the message")
	}
	// replies from both processes: each delivered exactly once
	ba := a.login(op)
	bb := b.login(op)
	for i := 0; i < 5; i++ {
		br := ba
		if i%2 == 1 {
			br = bb
		}
		if code, _ := br.post(fmt.Sprintf("/conversations/%d/messages", conv), url.Values{"text": {fmt.Sprintf("Risposta %d", i)}, "kind": {"reply"}}); code != 200 {
			t.Fatalf("reply %d: %d", i, code)
		}
	}
	for i := 0; i < 5; i++ {
		select {
		case <-cb.got:
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d of 5 replies delivered", i)
		}
	}
	a.jobsDone() // the queue is shared: no delivery can come after this
	calls, acc, _ := cb.snapshot()
	seen := map[string]int{}
	for _, m := range acc {
		seen[m["text"].(string)]++
	}
	if calls != 5 || len(seen) != 5 {
		t.Fatalf("%d deliveries for 5 replies (%v), want each exactly once", calls, seen)
	}
}

// An access request registered, a report filed, or a situation marked
// from a conversation shows beside it: a colleague with the conversation
// open is told, even when the citizen is sent nothing.
func TestRegisterFromConversationRefreshesScreens(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	conv := e.ingest(e.api, "m1", "c1", "Chiedo copia del progetto; e il lampione di via Verdi 12 è spento")
	screen := e.login(e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)).events(ctx, "/events")
	ob := e.login(op)
	access := url.Values{"conversation": {fmt.Sprint(conv)}, "kind": {"civico_generalizzato"}, "received_on": {"2026-11-20"},
		"subject": {"Copia del progetto"}, "requester_name": {"Lucia Neri"}}
	if code, page := ob.post("/accessi", access); code != 200 {
		t.Fatalf("register: %d\n%s", code, page)
	}
	if !waitEvent(t, screen, "conversation", fmt.Sprintf(`"conversation":%d`, conv), time.Second) {
		t.Error("no event for the access request registered from the conversation")
	}
	report := url.Values{"conversation": {fmt.Sprint(conv)}, "service": {"illuminazione"}, "description": {"Lampione spento"}, "address": {"Via Verdi 12"}}
	if code, page := ob.post("/segnalazioni", report); code != 200 {
		t.Fatalf("file the report: %d\n%s", code, page)
	}
	if !waitEvent(t, screen, "conversation", fmt.Sprintf(`"conversation":%d`, conv), time.Second) {
		t.Error("no event for the report filed from the conversation")
	}
	if code, _ := ob.post(fmt.Sprintf("/conversations/%d/situation", conv), url.Values{"situation": {"documents"}}); code != 200 {
		t.Fatalf("mark situation: %d", code)
	}
	if !waitEvent(t, screen, "conversation", fmt.Sprintf(`"conversation":%d`, conv), time.Second) {
		t.Error("no event for the situation marked on the conversation")
	}
}
