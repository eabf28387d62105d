package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

func TestInboxViewsAndFilters(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		clk := useClock(db, t0)
		o := newOffice(t, db, "roma")
		step := func() { clk.Advance(time.Minute) }
		// On "contatti" (web chat): one assigned to Mario, one unassigned, one
		// pending, one resolved. On "notizie" (API): one tagged, one assigned
		// to Paolo.
		mine := o.ingest(t, o.webchat, "v1", "w1", "uno").ConversationID
		step()
		free := o.ingest(t, o.webchat, "v2", "w2", "due").ConversationID
		step()
		pending := o.ingest(t, o.webchat, "v3", "w3", "tre").ConversationID
		step()
		resolved := o.ingest(t, o.webchat, "v4", "w4", "quattro").ConversationID
		step()
		tagged := o.ingest(t, o.api, "a1", "a1", "cinque").ConversationID
		step()
		paolos := o.ingest(t, o.api, "a2", "a2", "sei").ConversationID
		coord := o.as(o.coord)
		o.change(t, coord, mine, store.Change{AssigneeID: ptr(o.mario.ID)})
		o.change(t, coord, pending, store.Change{Status: ptr(redazione.StatusPending)})
		o.change(t, coord, resolved, store.Change{Status: ptr(redazione.StatusResolved)})
		o.change(t, coord, tagged, store.Change{AddTags: []string{"Viabilità"}})
		o.change(t, coord, paolos, store.Change{AssigneeID: ptr(o.paolo.ID)})

		mario, paolo := o.as(o.mario), o.as(o.paolo)
		contatti, notizie := o.desks["contatti"].ID, o.desks["notizie"].ID
		// The operator of "contatti".
		wantIDs(t, "Mario: mine", o.list(t, mario, store.InboxFilter{Mine: true}), mine)
		wantIDs(t, "Mario: unassigned", o.list(t, mario, store.InboxFilter{Unassigned: true}), free)
		wantIDs(t, "Mario: his desks", o.list(t, mario, store.InboxFilter{}), mine, free)
		wantIDs(t, "Mario: desk contatti", o.list(t, mario, store.InboxFilter{DeskID: contatti}), mine, free)
		wantIDs(t, "Mario: desk notizie (not his)", o.list(t, mario, store.InboxFilter{DeskID: notizie}))
		wantIDs(t, "Mario: every status", o.list(t, mario, store.InboxFilter{Status: "any"}), mine, free, pending, resolved)
		wantIDs(t, "Mario: pending", o.list(t, mario, store.InboxFilter{Status: "pending"}), pending)
		wantIDs(t, "Mario: resolved", o.list(t, mario, store.InboxFilter{Status: "resolved"}), resolved)
		wantIDs(t, "Mario: API channel (not his desk)", o.list(t, mario, store.InboxFilter{ChannelID: o.api.ID}))
		wantIDs(t, "Mario: Paolo's", o.list(t, mario, store.InboxFilter{AssigneeID: o.paolo.ID}))
		// The operator of "notizie".
		wantIDs(t, "Paolo: his desks", o.list(t, paolo, store.InboxFilter{}), tagged, paolos)
		wantIDs(t, "Paolo: unassigned", o.list(t, paolo, store.InboxFilter{Unassigned: true}), tagged)
		wantIDs(t, "Paolo: tag", o.list(t, paolo, store.InboxFilter{Tag: "viabilità"}), tagged)
		// The coordinator sees every desk.
		wantIDs(t, "coordinator: all", o.list(t, coord, store.InboxFilter{}), mine, free, tagged, paolos)
		wantIDs(t, "coordinator: unassigned", o.list(t, coord, store.InboxFilter{Unassigned: true}), free, tagged)
		wantIDs(t, "coordinator: desk notizie", o.list(t, coord, store.InboxFilter{DeskID: notizie}), tagged, paolos)
		wantIDs(t, "coordinator: channel webchat", o.list(t, coord, store.InboxFilter{ChannelID: o.webchat.ID}), mine, free)
		wantIDs(t, "coordinator: assignee Mario", o.list(t, coord, store.InboxFilter{AssigneeID: o.mario.ID}), mine)
		wantIDs(t, "coordinator: tag", o.list(t, coord, store.InboxFilter{Tag: "viabilità", Status: "any"}), tagged)
		wantIDs(t, "coordinator: unknown tag", o.list(t, coord, store.InboxFilter{Tag: "nessuno"}))
		wantIDs(t, "coordinator: limit", o.list(t, coord, store.InboxFilter{Limit: 2}), mine, free)
		wantIDs(t, "analyst: all", o.list(t, o.as(o.analyst), store.InboxFilter{}), mine, free, tagged, paolos)

		// An operator with no desk sees nothing rather than everything.
		nobody := redazione.Actor{EnteID: o.ente.ID, UserID: o.mario.ID, Role: redazione.RoleOperator}
		wantIDs(t, "operator without desks", o.list(t, nobody, store.InboxFilter{Status: "any"}))

		_, err := db.Conversations(context.Background(), coord, store.InboxFilter{Status: "chiuso"})
		wantCode(t, err, redazione.EINVALID)

		// The inbox row carries what the list shows.
		cs, err := db.Conversations(context.Background(), coord, store.InboxFilter{DeskID: notizie})
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 2 || len(cs[0].Tags) != 1 || cs[0].Tags[0] != "viabilità" || cs[1].AssigneeName != "Paolo Verdi" ||
			cs[1].DeskName != "Notizie e media" || cs[1].ChannelName != "API segnalazioni" || cs[1].LastMessage == nil || cs[1].LastMessage.Text != "sei" {
			t.Errorf("inbox rows = %+v %+v", cs[0], cs[1])
		}
	})
}

// The inbox puts the citizen who has waited longest at the top; answered
// conversations follow, the most recently active first.
func TestInboxOrdersByWaitingTime(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		clk := useClock(db, t0)
		o := newOffice(t, db, "roma")
		mario := o.as(o.mario)
		a := o.ingest(t, o.webchat, "a", "a1", "primo").ConversationID // 08:00
		clk.Advance(time.Minute)
		b := o.ingest(t, o.webchat, "b", "b1", "secondo").ConversationID // 08:01
		clk.Advance(time.Minute)
		c := o.ingest(t, o.webchat, "c", "c1", "terzo").ConversationID // 08:02
		clk.Advance(time.Minute)
		d := o.ingest(t, o.webchat, "d", "d1", "quarto").ConversationID // 08:03
		wantIDs(t, "all waiting", o.list(t, mario, store.InboxFilter{}), a, b, c, d)

		clk.Advance(time.Minute)
		o.reply(t, mario, c, "risposta") // 08:04: c answered
		clk.Advance(time.Minute)
		o.reply(t, mario, a, "risposta") // 08:05: a answered, more recently
		wantIDs(t, "after two answers", o.list(t, mario, store.InboxFilter{}), b, d, a, c)

		// A note is not an answer: b keeps its place at the top.
		clk.Advance(time.Minute)
		if _, err := db.AddMessage(context.Background(), mario, b, store.Outgoing{Text: "ci penso io", Note: true}); err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "after a note", o.list(t, mario, store.InboxFilter{}), b, d, a, c)

		// The citizen of c writes again: c waits since now, after b and d.
		clk.Advance(time.Minute)
		o.ingest(t, o.webchat, "c", "c2", "e allora?")
		wantIDs(t, "after c writes again", o.list(t, mario, store.InboxFilter{}), b, d, c, a)

		// A second message of a waiting citizen does not push them down.
		clk.Advance(time.Minute)
		o.ingest(t, o.webchat, "b", "b2", "sollecito")
		wantIDs(t, "after b insists", o.list(t, mario, store.InboxFilter{}), b, d, c, a)
	})
}

// An operator asking for a conversation of a desk that is not theirs gets
// exactly the answer they would get for one that does not exist.
func TestOperatorSeesOnlyTheirDesks(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "roma")
		theirs := o.ingest(t, o.api, "a1", "a1", "Comunicato stampa sul bilancio").ConversationID
		ours := o.ingest(t, o.webchat, "v1", "v1", "Orari dell'URP").ConversationID
		missing := theirs + 1000
		mario := o.as(o.mario)

		_, errHidden := db.Conversation(ctx, mario, theirs)
		_, errMissing := db.Conversation(ctx, mario, missing)
		wantCode(t, errHidden, redazione.ENOTFOUND)
		if errHidden.Error() != errMissing.Error() {
			t.Errorf("hidden conversation says %q, missing one says %q: existence is revealed", errHidden, errMissing)
		}
		_, err := db.Messages(ctx, mario, theirs, 0)
		wantCode(t, err, redazione.ENOTFOUND)
		_, err = db.ChangeConversation(ctx, mario, theirs, store.Change{AssigneeID: ptr(o.mario.ID)})
		wantCode(t, err, redazione.ENOTFOUND)
		_, err = db.AddMessage(ctx, mario, theirs, store.Outgoing{Text: "nota", Note: true})
		wantCode(t, err, redazione.ENOTFOUND)
		c, err := db.Conversation(ctx, o.as(o.paolo), theirs)
		if err != nil || c.AssigneeID != 0 {
			t.Errorf("the other desk's conversation changed or vanished: %+v, %v", c, err)
		}
		if _, err := db.Conversation(ctx, mario, ours); err != nil {
			t.Errorf("own desk's conversation: %v", err)
		}

		// Moving a case to another desk takes it out of the operator's sight.
		o.change(t, mario, ours, store.Change{DeskID: ptr(o.desks["notizie"].ID)})
		_, err = db.Conversation(ctx, mario, ours)
		wantCode(t, err, redazione.ENOTFOUND)
		wantIDs(t, "Mario's inbox after the move", o.list(t, mario, store.InboxFilter{}))
		wantIDs(t, "Paolo's inbox after the move", o.list(t, o.as(o.paolo), store.InboxFilter{}), theirs, ours)
	})
}

// Two enti sharing one database never see each other's data.
func TestEntiAreIsolated(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		useClock(db, t0)
		roma := newOffice(t, db, "roma")
		milano := newOffice(t, db, "milano")
		// The same citizen id, the same words, the same handles in both.
		r := roma.ingest(t, roma.webchat, "visitor-1", "m-1", "Ho preso una multa in centro")
		m := milano.ingest(t, milano.webchat, "visitor-1", "m-1", "Ho preso una multa in centro")
		if m.Duplicate || m.ConversationID == r.ConversationID || m.ContactID == r.ContactID {
			t.Fatalf("Milano's message = %+v, merged with Roma's %+v", m, r)
		}
		roma.change(t, roma.as(roma.coord), r.ConversationID, store.Change{AddTags: []string{"solo-roma"}})

		madmin := milano.as(milano.admin)
		wantIDs(t, "Milano's inbox", milano.list(t, madmin, store.InboxFilter{Status: "any"}), m.ConversationID)
		_, err := db.Conversation(ctx, madmin, r.ConversationID)
		wantCode(t, err, redazione.ENOTFOUND)
		_, err = db.Messages(ctx, madmin, r.ConversationID, 0)
		wantCode(t, err, redazione.ENOTFOUND)
		_, err = db.Message(ctx, milano.ente.ID, r.Message.ID)
		wantCode(t, err, redazione.ENOTFOUND)
		_, err = db.ChangeConversation(ctx, madmin, r.ConversationID, store.Change{Status: ptr(redazione.StatusResolved)})
		wantCode(t, err, redazione.ENOTFOUND)
		_, err = db.AddMessage(ctx, madmin, r.ConversationID, store.Outgoing{Text: "intruso"})
		wantCode(t, err, redazione.ENOTFOUND)

		res, err := db.Search(ctx, madmin, "multa", 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) != 1 || res.Hits[0].Message.ID != m.Message.ID {
			t.Errorf("Milano's search hits = %+v, want only Milano's message", res.Hits)
		}
		res, err = db.Search(ctx, madmin, "Cittadino visitor-1", 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Contacts) != 1 || res.Contacts[0].ID != m.ConversationID {
			t.Errorf("Milano's contact search = %v, want only Milano's contact", ids(res.Contacts))
		}

		us, err := db.Users(ctx, milano.ente.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range us {
			if u.EnteID != milano.ente.ID {
				t.Errorf("Milano's users include %s of ente %d", u.Email, u.EnteID)
			}
		}
		if len(us) != 6 {
			t.Errorf("Milano has %d users, want 6", len(us))
		}
		chs, err := db.Channels(ctx, milano.ente.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(chs) != 2 || chs[0].ID != milano.webchat.ID || chs[1].ID != milano.api.ID {
			t.Errorf("Milano's channels = %+v", chs)
		}
		if tags, err := db.Tags(ctx, milano.ente.ID); err != nil || len(tags) != 0 {
			t.Errorf("Milano's tags = %q, %v; want none", tags, err)
		}
		for _, e := range auditActions(t, db, madmin) {
			if e == "ente.create roma" || e == "conversation.tag "+itoa(r.ConversationID) {
				t.Errorf("Milano's audit log shows Roma's entry %q", e)
			}
		}

		// Nothing of Roma can be pulled into Milano's work.
		_, err = db.ChangeConversation(ctx, madmin, m.ConversationID, store.Change{AssigneeID: ptr(roma.mario.ID)})
		wantCode(t, err, redazione.EINVALID)
		_, err = db.ChangeConversation(ctx, madmin, m.ConversationID, store.Change{DeskID: ptr(roma.desks["notizie"].ID)})
		wantCode(t, err, redazione.EINVALID)
		err = db.CreateUser(ctx, madmin, &redazione.User{Email: "nuovo@milano.example.it", Role: redazione.RoleOperator, DeskIDs: []int64{roma.desks["contatti"].ID}})
		wantCode(t, err, redazione.EINVALID)
		if _, err := db.UserByEmail(ctx, "nuovo@milano.example.it"); redazione.ErrorCode(err) != redazione.ENOTFOUND {
			t.Errorf("user refused for a foreign desk was stored anyway (err %v)", err)
		}
		roma2 := *roma.mario
		roma2.Role = redazione.RoleAdmin
		wantCode(t, db.UpdateUser(ctx, madmin, &roma2), redazione.ENOTFOUND)
		wantCode(t, db.SetPassword(ctx, madmin, roma.mario.ID, "x"), redazione.ENOTFOUND)
		wantCode(t, db.RenameDesk(ctx, madmin, roma.desks["notizie"].ID, "Preso"), redazione.ENOTFOUND)
		rc := *roma.webchat
		rc.Name = "preso"
		wantCode(t, db.UpdateChannel(ctx, madmin, &rc), redazione.ENOTFOUND)
		if err := db.MarkDelivery(ctx, milano.ente.ID, r.Message.ID, redazione.DeliveryFailed, "x"); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.Message(ctx, roma.ente.ID, r.Message.ID); got == nil || got.Delivery != redazione.DeliveryNone || got.Attempts != 0 {
			t.Errorf("Milano's MarkDelivery changed Roma's message: %+v", got)
		}
		if u, _ := db.User(ctx, roma.ente.ID, roma.mario.ID); u == nil || u.Role != redazione.RoleOperator {
			t.Errorf("Roma's Mario = %+v, want untouched", u)
		}
		if _, err := db.User(ctx, milano.ente.ID, roma.mario.ID); redazione.ErrorCode(err) != redazione.ENOTFOUND {
			t.Errorf("Milano reads Roma's user: %v", err)
		}

		// Milano's "@mario.rossi" is Milano's Mario, never Roma's.
		if _, err := db.AddMessage(ctx, milano.as(milano.giulia), m.ConversationID, store.Outgoing{Text: "@mario.rossi guarda qui", Note: true}); err != nil {
			t.Fatal(err)
		}
		if _, unread, _ := db.Notifications(ctx, roma.as(roma.mario), 10); unread != 0 {
			t.Errorf("Roma's Mario got %d notifications from Milano", unread)
		}
		if _, unread, _ := db.Notifications(ctx, milano.as(milano.mario), 10); unread != 1 {
			t.Errorf("Milano's Mario got %d notifications, want 1", unread)
		}
		// A notification is read only by the ente it belongs to.
		spoof := redazione.Actor{EnteID: roma.ente.ID, UserID: milano.mario.ID, Role: redazione.RoleOperator}
		if ns, unread, _ := db.Notifications(ctx, spoof, 10); unread != 0 || len(ns) != 0 {
			t.Errorf("notifications read across enti: %+v", ns)
		}
	})
}
