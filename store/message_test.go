package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

func queuedIDs(t *testing.T, db *store.DB, olderThan time.Time) []int64 {
	t.Helper()
	ms, err := db.QueuedMessages(context.Background(), olderThan, 100)
	if err != nil {
		t.Fatalf("QueuedMessages: %v", err)
	}
	out := []int64{}
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func TestReplyIsQueuedAndDeliveryIsRecorded(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := useClock(db, t0)
		o := newOffice(t, db, "roma")
		in := o.ingest(t, o.api, "cittadino-1", "m-1", "Il semaforo di piazza Garibaldi è guasto")
		clk.Advance(5 * time.Minute)

		r1 := o.reply(t, o.as(o.paolo), in.ConversationID, "  Grazie, lo segnaliamo alla Polizia Locale.  ")
		if r1.Direction != redazione.DirOut || r1.Delivery != redazione.DeliveryQueued || r1.AuthorID != o.paolo.ID ||
			r1.Text != "Grazie, lo segnaliamo alla Polizia Locale." || !r1.SentAt.Equal(clk.now) {
			t.Errorf("reply = %+v, want an outgoing queued message by %d, trimmed", r1, o.paolo.ID)
		}
		c, err := db.Conversation(ctx, o.as(o.paolo), in.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		if !c.WaitingSince.IsZero() || c.LastMessage == nil || c.LastMessage.ID != r1.ID || !c.LastMessageAt.Equal(clk.now) {
			t.Errorf("after a reply WaitingSince = %v, LastMessage = %+v; want not waiting, last message the reply", c.WaitingSince, c.LastMessage)
		}

		// Replies left queued are found again after a crash; only those older
		// than the cut-off, so a reply being sent right now is left alone.
		wantIDs(t, "queued before the reply was written", queuedIDs(t, db, clk.now), []int64{}...)
		wantIDs(t, "queued", queuedIDs(t, db, clk.now.Add(time.Second)), r1.ID)

		r2 := o.reply(t, o.as(o.paolo), in.ConversationID, "Le faremo sapere.")
		wantIDs(t, "queued", queuedIDs(t, db, clk.now.Add(time.Second)), r1.ID, r2.ID)

		if err := db.MarkDelivery(ctx, o.ente.ID, r1.ID, redazione.DeliverySent, ""); err != nil {
			t.Fatal(err)
		}
		reason := "HTTP 503 dal server del canale"
		if err := db.MarkDelivery(ctx, o.ente.ID, r2.ID, redazione.DeliveryFailed, reason); err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "queued after delivery", queuedIDs(t, db, clk.now.Add(time.Second)), []int64{}...)
		m1, err := db.Message(ctx, o.ente.ID, r1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if m1.Delivery != redazione.DeliverySent || m1.DeliveryError != "" || m1.Attempts != 1 || m1.AuthorName != "Paolo Verdi" {
			t.Errorf("sent reply = %+v", m1)
		}
		ms, err := db.Messages(ctx, o.as(o.paolo), in.ConversationID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 3 || ms[2].ID != r2.ID || ms[2].Delivery != redazione.DeliveryFailed || ms[2].DeliveryError != reason || ms[2].Attempts != 1 {
			t.Errorf("thread = %+v, want the failed reply last with its reason", ms)
		}
		// A long thread is shown by its newest messages, oldest first.
		if last, err := db.Messages(ctx, o.as(o.paolo), in.ConversationID, 2); err != nil || len(last) != 2 || last[0].ID != r1.ID || last[1].ID != r2.ID {
			t.Errorf("Messages(max 2) = %+v, %v; want the two replies in order", last, err)
		}
		if _, thread, err := db.ContactThread(ctx, o.api.ID, "cittadino-1", 2); err != nil || len(thread) != 2 || thread[0].ID != r1.ID || thread[1].ID != r2.ID {
			t.Errorf("ContactThread(max 2) = %+v, %v; want the two replies in order", thread, err)
		}
		// A very long reason is cut, not refused.
		if err := db.MarkDelivery(ctx, o.ente.ID, r2.ID, redazione.DeliveryFailed, strings.Repeat("e", 2000)); err != nil {
			t.Fatal(err)
		}
		if m2, _ := db.Message(ctx, o.ente.ID, r2.ID); m2 == nil || len(m2.DeliveryError) != 500 || m2.Attempts != 2 {
			t.Errorf("after a second failure = %+v, want the reason cut to 500 bytes and 2 attempts", m2)
		}

		// A channel that delivers at once (the web chat) stores the reply as sent.
		r3, err := db.AddMessage(ctx, o.as(o.paolo), in.ConversationID, store.Outgoing{Text: "Risposta immediata", Sent: true})
		if err != nil {
			t.Fatal(err)
		}
		if r3.Delivery != redazione.DeliverySent {
			t.Errorf("instant reply delivery = %q, want sent", r3.Delivery)
		}
		wantIDs(t, "queued after an instant reply", queuedIDs(t, db, clk.now.Add(time.Second)), []int64{}...)

		if !slices.Contains(auditActions(t, db, o.as(o.admin)), "conversation.reply "+itoa(in.ConversationID)) {
			t.Errorf("no conversation.reply audit entry")
		}
	})
}

func TestNoteIsNeverDelivered(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := useClock(db, t0)
		o := newOffice(t, db, "roma")
		in := o.ingest(t, o.webchat, "visitor-1", "m-1", "Mi hanno rubato la bicicletta davanti al municipio")
		clk.Advance(time.Minute)
		note, err := db.AddMessage(ctx, o.as(o.mario), in.ConversationID, store.Outgoing{Text: "Indirizzare alla Polizia Locale", Note: true})
		if err != nil {
			t.Fatal(err)
		}
		if note.Direction != redazione.DirNote || note.Delivery != redazione.DeliveryNone {
			t.Errorf("note = %+v, want direction note and no delivery", note)
		}
		// Even a note flagged as "sent" by mistake stays internal.
		note2, err := db.AddMessage(ctx, o.as(o.mario), in.ConversationID, store.Outgoing{Text: "Altra nota", Note: true, Sent: true})
		if err != nil {
			t.Fatal(err)
		}
		if note2.Direction != redazione.DirNote || note2.Delivery != redazione.DeliveryNone {
			t.Errorf("note marked Sent = %+v, want an internal note", note2)
		}
		wantIDs(t, "queued", queuedIDs(t, db, clk.now.Add(time.Hour)), []int64{}...)

		c, err := db.Conversation(ctx, o.as(o.mario), in.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		if !c.WaitingSince.Equal(t0) {
			t.Errorf("after a note WaitingSince = %v, want still %v: a note is not an answer", c.WaitingSince, t0)
		}
		if c.LastMessage == nil || c.LastMessage.ID != in.Message.ID {
			t.Errorf("inbox preview = %+v, want the citizen's message, not the note", c.LastMessage)
		}
		ms, err := db.Messages(ctx, o.as(o.mario), in.ConversationID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 3 || ms[1].ID != note.ID || ms[1].AuthorName != "Mario Rossi" {
			t.Errorf("operators' thread = %+v, want the message and both notes", ms)
		}
		_, thread, err := db.ContactThread(ctx, o.webchat.ID, "visitor-1", 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(thread) != 1 || thread[0].ID != in.Message.ID {
			t.Errorf("citizen's thread = %+v, want only their message", thread)
		}
	})
}

func TestAddMessageRefusals(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "roma")
		in := o.ingest(t, o.webchat, "visitor-1", "m-1", "Salve")
		before := count(t, db, "messages")
		_, err := db.AddMessage(ctx, o.as(o.mario), in.ConversationID, store.Outgoing{Text: " \n "})
		wantCode(t, err, redazione.EINVALID)
		_, err = db.AddMessage(ctx, o.as(o.mario), in.ConversationID, store.Outgoing{Text: strings.Repeat("a", redazione.MaxTextRunes+1)})
		wantCode(t, err, redazione.EINVALID)
		_, err = db.AddMessage(ctx, o.as(o.mario), in.ConversationID, store.Outgoing{Text: "ciao\x00"})
		wantCode(t, err, redazione.EINVALID)
		_, err = db.AddMessage(ctx, o.as(o.analyst), in.ConversationID, store.Outgoing{Text: "Buongiorno"})
		wantCode(t, err, redazione.EFORBIDDEN)
		_, err = db.AddMessage(ctx, o.as(o.paolo), in.ConversationID, store.Outgoing{Text: "Buongiorno"})
		wantCode(t, err, redazione.ENOTFOUND)
		_, err = db.AddMessage(ctx, o.as(o.mario), in.ConversationID+1000, store.Outgoing{Text: "Buongiorno"})
		wantCode(t, err, redazione.ENOTFOUND)
		if n := count(t, db, "messages"); n != before {
			t.Errorf("refused messages stored: %d rows, want %d", n, before)
		}
	})
}

func TestMentionInNoteNotifies(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		useClock(db, t0)
		o := newOffice(t, db, "roma")
		in := o.ingest(t, o.webchat, "visitor-1", "m-1", "Ho ricevuto una multa ingiusta")
		other := o.ingest(t, o.webchat, "visitor-2", "m-2", "Informazioni sui tributi")

		if got := store.Mentions("@Giulia.Bianchi, vedi tu? cc @paolo.verdi."); !slices.Equal(got, []string{"giulia.bianchi", "paolo.verdi"}) {
			t.Errorf("Mentions = %q", got)
		}
		if _, err := db.AddMessage(ctx, o.as(o.mario), in.ConversationID, store.Outgoing{
			Text: "@Giulia.Bianchi puoi verificare con la Polizia Locale? (cc @mario.rossi, @nessuno)", Note: true}); err != nil {
			t.Fatal(err)
		}
		// A reply is seen by the citizen: a handle in it notifies nobody.
		o.reply(t, o.as(o.mario), other.ConversationID, "Scriva a @paolo.verdi")

		ns, unread, err := db.Notifications(ctx, o.as(o.giulia), 10)
		if err != nil {
			t.Fatal(err)
		}
		if unread != 1 || len(ns) != 1 || ns[0].ConversationID != in.ConversationID || ns[0].UserID != o.giulia.ID || !ns[0].ReadAt.IsZero() {
			t.Fatalf("Giulia's notifications = %+v, unread %d; want one unread for conversation %d", ns, unread, in.ConversationID)
		}
		if !strings.Contains(ns[0].Text, "Mario Rossi") {
			t.Errorf("notification text %q does not say who mentioned her", ns[0].Text)
		}
		for _, u := range []*redazione.User{o.mario, o.paolo, o.admin} {
			if ns, unread, err := db.Notifications(ctx, o.as(u), 10); err != nil || len(ns) != 0 || unread != 0 {
				t.Errorf("%s's notifications = %+v, unread %d, err %v; want none", u.Name, ns, unread, err)
			}
		}

		// Two notes, then everything read.
		if _, err := db.AddMessage(ctx, o.as(o.coord), in.ConversationID, store.Outgoing{Text: "@giulia.bianchi urgente", Note: true}); err != nil {
			t.Fatal(err)
		}
		if _, unread, _ := db.Notifications(ctx, o.as(o.giulia), 10); unread != 2 {
			t.Errorf("unread = %d, want 2", unread)
		}
		if err := db.MarkNotificationsRead(ctx, o.as(o.giulia)); err != nil {
			t.Fatal(err)
		}
		ns, unread, err = db.Notifications(ctx, o.as(o.giulia), 10)
		if err != nil {
			t.Fatal(err)
		}
		if unread != 0 || len(ns) != 2 || ns[0].ReadAt.IsZero() || ns[1].ReadAt.IsZero() {
			t.Errorf("after MarkNotificationsRead: %+v, unread %d; want two read notifications", ns, unread)
		}

		// A disabled colleague is not notified.
		g := *o.giulia
		g.Disabled = true
		if err := db.UpdateUser(ctx, o.as(o.admin), &g); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddMessage(ctx, o.as(o.mario), in.ConversationID, store.Outgoing{Text: "@giulia.bianchi ci sei?", Note: true}); err != nil {
			t.Fatal(err)
		}
		if _, unread, _ := db.Notifications(ctx, o.as(o.giulia), 10); unread != 0 {
			t.Errorf("disabled user got %d new notifications, want 0", unread)
		}
	})
}
