package web_test

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

var hiddenRe = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// confirmForm reads the hidden fields of a bulk confirmation page: what its
// button sends.
func confirmForm(t *testing.T, page string) url.Values {
	t.Helper()
	i := strings.Index(page, `action="/inbox/bulk/apply"`)
	if i < 0 {
		t.Fatalf("no confirmation form in the page:\n%s", page)
	}
	form := url.Values{}
	for _, m := range hiddenRe.FindAllStringSubmatch(page[i:], -1) {
		if m[1] != "csrf" {
			form.Add(m[1], html.UnescapeString(m[2]))
		}
	}
	return form
}

// Without JavaScript: boxes in the list, a plain form that asks "Assegnare
// 2 conversazioni a …?" and changes nothing, then applies on confirmation;
// every change is audited per conversation and reaches the other
// operators' screens live.
func TestBulkAssignWithoutJavaScript(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		colleague := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		a := e.ingest(e.api, "m1", "c1", "Prima domanda")
		b := e.ingest(e.api, "m2", "c2", "Seconda domanda")
		c := e.ingest(e.api, "m3", "c3", "Terza domanda")
		live := e.login(colleague).events(ctx, "/events")
		br := e.login(op)
		_, inbox := br.get("/inbox?view=unassigned")
		for _, name := range []string{"Cittadino c1", "Cittadino c2", "Cittadino c3"} {
			if !strings.Contains(inbox, `<span class="visually-hidden">Seleziona: `+name+`</span>`) {
				t.Fatalf("the inbox has no box labelled with %s", name)
			}
		}
		code, page := br.post("/inbox/bulk", url.Values{"id": {fmt.Sprint(a), fmt.Sprint(b)}, "action": {"assign"},
			"assignee": {fmt.Sprint(colleague.ID)}, "view": {"unassigned"}})
		want := fmt.Sprintf("Assegnare 2 conversazioni a %s?", colleague.Name)
		if code != 200 || !strings.Contains(page, want) {
			t.Fatalf("confirmation: %d, want %q in\n%s", code, want, page)
		}
		if cv, _ := db.Conversation(context.Background(), redazione.SystemActor(e.ente.ID), a); cv.AssigneeID != 0 {
			t.Fatal("the confirmation page already assigned the conversation")
		}
		form := confirmForm(t, page)
		if form.Get("back") != "/inbox?view=unassigned" {
			t.Errorf("the confirmation goes back to %q", form.Get("back"))
		}
		code, page = br.post("/inbox/bulk/apply", form)
		if code != 200 || !strings.Contains(page, "Fatto: 2 conversazioni aggiornate.") {
			t.Fatalf("apply: %d\n%s", code, page)
		}
		for _, id := range []int64{a, b} {
			if !waitEvent(t, live, "conversation", fmt.Sprintf(`"conversation":%d`, id), time.Second) {
				t.Errorf("the colleague's screen heard nothing of %d within a second", id)
			}
		}
		_, mine := e.login(colleague).get("/inbox?view=mine")
		if !strings.Contains(mine, "Prima domanda") || !strings.Contains(mine, "Seconda domanda") || strings.Contains(mine, "Terza domanda") {
			t.Error("the colleague's own view does not hold exactly the two assigned conversations")
		}
		co := e.newUser(e.ente, redazione.RoleCoordinator)
		log, err := db.AuditLog(context.Background(), redazione.ActorOf(co), 50)
		if err != nil {
			t.Fatal(err)
		}
		audited := map[string]bool{}
		for _, en := range log {
			if en.Action == "conversation.assign" && en.ActorID == op.ID {
				audited[en.Target] = true
			}
		}
		if !audited[fmt.Sprint(a)] || !audited[fmt.Sprint(b)] || audited[fmt.Sprint(c)] {
			t.Errorf("assignments audited for %v, want %d and %d", audited, a, b)
		}
	})
}

// "Seleziona tutte le N di questa vista": the whole view, beyond the loaded
// page, as it was at confirmation; what arrives afterwards is untouched.
func TestBulkOnTheWholeView(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		for i := range 60 {
			e.ingest(e.api, fmt.Sprint("m", i), fmt.Sprint("c", i), "Segnalazione")
		}
		br := e.login(op)
		if _, inbox := br.get("/inbox?view=unassigned"); strings.Count(inbox, `name="id"`) != 50 {
			t.Fatalf("the first page shows %d boxes, want 50", strings.Count(inbox, `name="id"`))
		}
		code, page := br.post("/inbox/bulk", url.Values{"all": {"1"}, "view": {"unassigned"}, "action": {"tag"}, "tag": {"Strade"}})
		if code != 200 || !strings.Contains(page, "Aggiungere l&#39;etichetta «strade» a 60 conversazioni?") {
			t.Fatalf("confirmation: %d\n%s", code, page)
		}
		late := e.ingest(e.api, "late", "late", "Arrivata dopo la conferma")
		code, page = br.post("/inbox/bulk/apply", confirmForm(t, page))
		if code != 200 || !strings.Contains(page, "Fatto: 60 conversazioni aggiornate.") {
			t.Fatalf("apply: %d\n%s", code, page)
		}
		n, err := db.CountConversations(context.Background(), redazione.ActorOf(op), store.InboxFilter{Tag: "strade"}, 100)
		if err != nil || n != 60 {
			t.Fatalf("%d tagged, %v; want 60", n, err)
		}
		if cv, _ := db.Conversation(context.Background(), redazione.ActorOf(op), late); len(cv.Tags) != 0 {
			t.Error("a conversation arrived after the confirmation was tagged too")
		}
	})
}

// Refusals are clear, in Italian, and change nothing: a conversation of
// another desk in the selection, an analyst, nothing chosen, a past time.
func TestBulkRefusals(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	analyst := e.newUser(e.ente, redazione.RoleAnalyst)
	mine := e.ingest(e.api, "m1", "c1", "Del mio desk")
	other := e.newChannel(e.ente, redazione.ChannelAPI, e.desks[1].ID, "")
	theirs := e.ingest(other, "m2", "c2", "Di un altro desk")
	br := e.login(op)
	cases := []struct {
		who  *browser
		form url.Values
		code int
		want string
	}{
		{br, url.Values{"id": {fmt.Sprint(mine), fmt.Sprint(theirs)}, "action": {"assign"}, "assignee": {"me"}}, 403, "una delle conversazioni scelte non è dei tuoi desk"},
		{e.login(analyst), url.Values{"id": {fmt.Sprint(mine)}, "action": {"resolve"}}, 403, "sola lettura"},
		{br, url.Values{"action": {"resolve"}}, 400, "Scegli almeno una conversazione"},
		{br, url.Values{"id": {fmt.Sprint(mine)}, "action": {"tag"}, "tag": {"  "}}, 400, "scrivi un&#39;etichetta"},
		{br, url.Values{"id": {fmt.Sprint(mine)}, "action": {"snooze"}, "snooze": {"custom"}, "until": {"2001-01-01T09:00"}}, 400, "scegli un momento futuro"},
		{br, url.Values{"id": {fmt.Sprint(mine)}, "action": {"explode"}}, 400, "Scegli un&#39;azione."},
	}
	for _, c := range cases {
		for _, path := range []string{"/inbox/bulk", "/inbox/bulk/apply"} {
			code, page := c.who.post(path, c.form)
			if code != c.code || !strings.Contains(page, c.want) {
				t.Errorf("%s %v: %d, want %d with %q", path, c.form, code, c.code, c.want)
			}
		}
	}
	for _, id := range []int64{mine, theirs} {
		cv, _ := e.db.Conversation(context.Background(), redazione.SystemActor(e.ente.ID), id)
		if cv.AssigneeID != 0 || cv.Status != redazione.StatusOpen || len(cv.Tags) != 0 || cv.Snoozed(time.Now()) {
			t.Errorf("conversation %d changed by a refused bulk: %+v", id, cv)
		}
	}
}

// Snooze from the conversation page: "Rimandata fino a …" in Italian, out
// of the open view and in "Rimandate"; "Riporta tra i messaggi ora" brings
// it back.
func TestSnoozeFromTheConversationPage(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		conv := e.ingest(e.api, "m1", "c1", "Richiamatemi domani")
		br := e.login(op)
		path := fmt.Sprintf("/conversations/%d", conv)
		if code, _ := br.post(path+"/snooze", url.Values{"snooze": {"tomorrow"}}); code != 200 {
			t.Fatalf("snooze: %d", code)
		}
		_, page := br.get(path)
		rome, _ := time.LoadLocation("Europe/Rome")
		tomorrow := time.Now().In(rome).AddDate(0, 0, 1)
		months := []string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"}
		want := fmt.Sprintf("%d %s %d alle 9:00", tomorrow.Day(), months[tomorrow.Month()-1], tomorrow.Year())
		if !strings.Contains(page, "Rimandata fino a") || !strings.Contains(page, want) {
			t.Fatalf("the conversation page does not say it is snoozed until %q", want)
		}
		if _, open := br.get("/inbox?view=desk"); strings.Contains(open, "Richiamatemi domani") {
			t.Error("a snoozed conversation is still in the open view")
		}
		if _, snoozed := br.get("/inbox?view=snoozed"); !strings.Contains(snoozed, "Richiamatemi domani") {
			t.Error("the snoozed conversation is not in Rimandate")
		}
		// The API's lists keep their contract: every conversation, and
		// view=snoozed for those put aside.
		tok := e.token(op)
		for _, q := range []string{"", "?view=snoozed"} {
			var list apiList
			if code := e.apiGet(tok, "/api/v1/conversations"+q, &list); code != 200 || len(list.Conversations) != 1 || list.Conversations[0].ID != conv {
				t.Errorf("API list%s: %d %+v, want the snoozed conversation", q, code, list)
			}
		}
		if code, page := br.post(path+"/snooze", url.Values{"snooze": {"custom"}, "until": {"2020-05-01T10:00"}}); code != 400 || !strings.Contains(page, "scegli un momento futuro") {
			t.Errorf("a past time: %d", code)
		}
		if code, _ := br.post(path+"/snooze", url.Values{"wake": {"1"}}); code != 200 {
			t.Fatalf("wake: %d", code)
		}
		if _, open := br.get("/inbox?view=desk"); !strings.Contains(open, "Richiamatemi domani") {
			t.Error("the conversation brought back is not in the open view")
		}
	})
}

// A bulk action on more conversations than the screens are told about one
// by one (500) tells each desk touched once: every screen of the desk
// redraws its list, and no subscriber's queue overflows.
func TestBulkEventsPerDeskBeyondFiveHundred(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	co := e.newUser(e.ente, redazione.RoleCoordinator)
	ctx := context.Background()
	var ids []int64
	for i := range 501 {
		res, err := e.db.Ingest(ctx, e.api, redazione.Inbound{ExternalID: fmt.Sprint("b", i), ContactID: fmt.Sprint("k", i), Text: "Molti"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.ConversationID)
	}
	evs, stop := e.app.Bus.Subscribe()
	defer stop()
	desk := e.desks[1].ID
	res, err := e.app.Inbox.Bulk(ctx, redazione.ActorOf(co), ids, store.Change{DeskID: &desk})
	if err != nil || len(res.Changed) != 501 {
		t.Fatalf("bulk move: %+v, %v", res, err)
	}
	told := map[int64]bool{}
	timeout := time.After(5 * time.Second)
	for len(told) < 2 {
		select {
		case ev := <-evs:
			if ev.Type == "conversation" {
				if ev.ConversationID != 0 {
					t.Fatalf("a per-conversation event for a bulk of 501: %+v", ev)
				}
				told[ev.DeskID] = true
			}
		case <-timeout:
			t.Fatalf("desks told: %v, want the old and the new", told)
		}
	}
	if !told[e.desks[0].ID] || !told[desk] {
		t.Errorf("desks told: %v, want %d and %d", told, e.desks[0].ID, desk)
	}
}
