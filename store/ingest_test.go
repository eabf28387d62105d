package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

func TestIngestCreatesContactConversationAndMessage(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := useClock(db, t0)
		o := newOffice(t, db, "roma")
		sent := t0.Add(-2 * time.Minute)
		res, err := db.Ingest(ctx, o.webchat, redazione.Inbound{ExternalID: "m-1", ContactID: "visitor-1", ContactName: "Lucia Neri",
			Text: "Buongiorno, a che ora apre l'anagrafe?", SentAt: sent})
		if err != nil {
			t.Fatalf("Ingest: %v", err)
		}
		if res.Duplicate || !res.NewConversation || res.Message == nil || res.Message.ID == 0 || res.ConversationID == 0 || res.ContactID == 0 {
			t.Fatalf("Ingest result = %+v, want a new message in a new conversation", res)
		}
		if res.DeskID != o.webchat.DeskID || res.AssigneeID != 0 {
			t.Errorf("new conversation on desk %d assigned to %d, want the channel's desk %d, unassigned", res.DeskID, res.AssigneeID, o.webchat.DeskID)
		}
		for table, want := range map[string]int{"contacts": 1, "conversations": 1, "messages": 1} {
			if n := count(t, db, table); n != want {
				t.Errorf("%s rows = %d, want %d", table, n, want)
			}
		}

		c, err := db.Conversation(ctx, o.as(o.mario), res.ConversationID)
		if err != nil {
			t.Fatalf("Conversation as an operator of the channel's desk: %v", err)
		}
		if c.Status != redazione.StatusOpen || c.Contact.Name != "Lucia Neri" || c.Contact.ExternalID != "visitor-1" ||
			c.ChannelID != o.webchat.ID || c.ChannelKind != redazione.ChannelWebChat || c.DeskName != "Contatti e accesso civico" {
			t.Errorf("conversation = %+v", c)
		}
		if !c.WaitingSince.Equal(sent) {
			t.Errorf("WaitingSince = %v, want the citizen's sending time %v", c.WaitingSince, sent)
		}
		if c.LastMessage == nil || c.LastMessage.Text != "Buongiorno, a che ora apre l'anagrafe?" || c.LastMessage.Direction != redazione.DirIn {
			t.Errorf("LastMessage = %+v, want the citizen's message", c.LastMessage)
		}
		ms, err := db.Messages(ctx, o.as(o.mario), c.ID, 0)
		if err != nil {
			t.Fatalf("Messages: %v", err)
		}
		if len(ms) != 1 || ms[0].ID != res.Message.ID || ms[0].Direction != redazione.DirIn || ms[0].ExternalID != "m-1" || !ms[0].SentAt.Equal(sent) {
			t.Errorf("Messages = %+v", ms)
		}

		// A sending time in the future (a wrong clock on the platform) is not
		// trusted: the message counts from when it arrived.
		clk.Advance(time.Minute)
		res2, err := db.Ingest(ctx, o.webchat, redazione.Inbound{ContactID: "visitor-2", Text: "Salve", SentAt: clk.now.Add(24 * time.Hour)})
		if err != nil {
			t.Fatalf("Ingest: %v", err)
		}
		if !res2.Message.SentAt.Equal(clk.now) {
			t.Errorf("SentAt of a message dated tomorrow = %v, want arrival time %v", res2.Message.SentAt, clk.now)
		}
	})
}

func TestIngestRedeliveryIsStoredOnce(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		useClock(db, t0)
		o := newOffice(t, db, "roma")
		first := o.ingest(t, o.webchat, "visitor-1", "wamid-42", "La strada è piena di buche")
		again, err := db.Ingest(ctx, o.webchat, redazione.Inbound{ExternalID: "wamid-42", ContactID: "visitor-1", Text: "La strada è piena di buche"})
		if err != nil {
			t.Fatalf("redelivery: %v", err)
		}
		if !again.Duplicate || again.Message.ID != first.Message.ID || again.ConversationID != first.ConversationID || again.NewConversation {
			t.Errorf("redelivery = %+v, want Duplicate with message %d in conversation %d", again, first.Message.ID, first.ConversationID)
		}
		for table, want := range map[string]int{"contacts": 1, "conversations": 1, "messages": 1} {
			if n := count(t, db, table); n != want {
				t.Errorf("after a redelivery %s rows = %d, want %d", table, n, want)
			}
		}
		hits, err := db.Search(ctx, o.as(o.admin), "buche", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits.Hits) != 1 {
			t.Errorf("search finds the redelivered message %d times, want once", len(hits.Hits))
		}

		// The same platform id on another channel is another message.
		other := o.ingest(t, o.api, "visitor-1", "wamid-42", "La strada è piena di buche")
		if other.Duplicate || other.Message.ID == first.Message.ID {
			t.Errorf("same external id on another channel = %+v, want a new message", other)
		}
	})
}

// Platforms retry quickly and several processes may share one PostgreSQL: the
// same message delivered concurrently must still be stored once, and
// concurrent first messages of a new citizen must land in one conversation.
func TestIngestConcurrentDeliveries(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "roma")
		const n = 8
		var wg sync.WaitGroup
		results := make([]*redazione.Ingested, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				results[i], errs[i] = db.Ingest(ctx, o.webchat, redazione.Inbound{ExternalID: "dup-1", ContactID: "visitor-1", Text: "Segnalo un lampione spento"})
			})
		}
		wg.Wait()
		stored := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("concurrent redelivery %d: %v", i, errs[i])
			}
			if !results[i].Duplicate {
				stored++
			}
			if results[i].Message.ID != results[0].Message.ID {
				t.Errorf("redelivery %d got message %d, want %d", i, results[i].Message.ID, results[0].Message.ID)
			}
		}
		if stored != 1 || count(t, db, "messages") != 1 {
			t.Errorf("%d deliveries reported as stored, %d messages in the table; want 1 and 1", stored, count(t, db, "messages"))
		}

		for i := range n {
			wg.Go(func() {
				results[i], errs[i] = db.Ingest(ctx, o.webchat, redazione.Inbound{ExternalID: fmt.Sprint("burst-", i), ContactID: "visitor-2", Text: fmt.Sprint("messaggio ", i)})
			})
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("concurrent first message %d of a new citizen: %v", i, errs[i])
			}
			if results[i].ConversationID != results[0].ConversationID {
				t.Errorf("message %d in conversation %d, want every message in %d", i, results[i].ConversationID, results[0].ConversationID)
			}
		}
		if c := count(t, db, "conversations"); c != 2 {
			t.Errorf("conversations = %d, want 2 (one per citizen)", c)
		}
		if c := count(t, db, "contacts"); c != 2 {
			t.Errorf("contacts = %d, want 2", c)
		}
	})
}

func TestIngestJoinsTheOpenConversation(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := useClock(db, t0)
		o := newOffice(t, db, "roma")
		first := o.ingest(t, o.webchat, "visitor-1", "m-1", "Buongiorno")
		clk.Advance(10 * time.Minute)
		second := o.ingest(t, o.webchat, "visitor-1", "m-2", "C'è qualcuno?")
		if second.NewConversation || second.ConversationID != first.ConversationID || second.ContactID != first.ContactID {
			t.Fatalf("second message = %+v, want it in conversation %d", second, first.ConversationID)
		}
		c, err := db.Conversation(ctx, o.as(o.mario), first.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		if !c.WaitingSince.Equal(t0) {
			t.Errorf("WaitingSince = %v, want the first unanswered message %v", c.WaitingSince, t0)
		}
		if c.LastMessage == nil || c.LastMessage.Text != "C'è qualcuno?" {
			t.Errorf("LastMessage = %+v, want the newest", c.LastMessage)
		}

		// Pending means "waiting for the citizen": their answer reopens the
		// same case, assigned to the same operator.
		o.change(t, o.as(o.mario), c.ID, store.Change{AssigneeID: ptr(o.mario.ID)})
		o.reply(t, o.as(o.mario), c.ID, "Ci dica pure")
		o.change(t, o.as(o.mario), c.ID, store.Change{Status: ptr(redazione.StatusPending)})
		clk.Advance(time.Hour)
		third := o.ingest(t, o.webchat, "visitor-1", "m-3", "Vorrei il certificato di residenza")
		if third.NewConversation || third.ConversationID != c.ID || third.AssigneeID != o.mario.ID {
			t.Fatalf("answer to a pending case = %+v, want conversation %d assigned to %d", third, c.ID, o.mario.ID)
		}
		c, err = db.Conversation(ctx, o.as(o.mario), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != redazione.StatusOpen || !c.WaitingSince.Equal(clk.now) {
			t.Errorf("after the citizen's answer status = %s, waiting since %v; want open, waiting since %v", c.Status, c.WaitingSince, clk.now)
		}
		if n := count(t, db, "conversations"); n != 1 {
			t.Errorf("conversations = %d, want 1", n)
		}
	})
}

func TestIngestAfterResolutionOpensANewConversation(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := useClock(db, t0)
		o := newOffice(t, db, "roma")
		first := o.ingest(t, o.webchat, "visitor-1", "m-1", "Quando passa la raccolta del vetro?")
		o.change(t, o.as(o.mario), first.ConversationID, store.Change{AssigneeID: ptr(o.mario.ID)})
		o.reply(t, o.as(o.mario), first.ConversationID, "Il giovedì mattina.")
		if _, err := db.AddMessage(ctx, o.as(o.mario), first.ConversationID, store.Outgoing{Text: "cittadino gentile", Note: true}); err != nil {
			t.Fatal(err)
		}
		o.change(t, o.as(o.mario), first.ConversationID, store.Change{Status: ptr(redazione.StatusResolved)})

		clk.Advance(48 * time.Hour)
		next := o.ingest(t, o.webchat, "visitor-1", "m-2", "E quella della carta?")
		if !next.NewConversation || next.ConversationID == first.ConversationID || next.ContactID != first.ContactID {
			t.Fatalf("message after resolution = %+v, want a new conversation of contact %d", next, first.ContactID)
		}
		if next.AssigneeID != 0 || next.DeskID != o.webchat.DeskID {
			t.Errorf("new conversation assigned to %d on desk %d, want unassigned on the channel's desk", next.AssigneeID, next.DeskID)
		}
		old, err := db.Conversation(ctx, o.as(o.mario), first.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		if old.Status != redazione.StatusResolved {
			t.Errorf("resolved case is now %s, want it to stay resolved", old.Status)
		}

		// The office sees both cases of the citizen side by side.
		wantIDs(t, "contact's conversations", o.list(t, o.as(o.mario), store.InboxFilter{ContactID: first.ContactID, Status: "any"}), next.ConversationID, first.ConversationID)
		wantIDs(t, "open inbox", o.list(t, o.as(o.mario), store.InboxFilter{}), next.ConversationID)

		// The citizen sees their whole history, without the internal note.
		contactID, thread, err := db.ContactThread(ctx, o.webchat.ID, "visitor-1", 50)
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, m := range thread {
			texts = append(texts, m.Text)
		}
		want := "Quando passa la raccolta del vetro?|Il giovedì mattina.|E quella della carta?"
		if contactID != first.ContactID || strings.Join(texts, "|") != want {
			t.Errorf("ContactThread = %d %q, want %d %q", contactID, texts, first.ContactID, want)
		}
		if id, thread, err := db.ContactThread(ctx, o.webchat.ID, "never-wrote", 50); err != nil || id != 0 || len(thread) != 0 {
			t.Errorf("ContactThread of a new visitor = %d %v %v, want 0, nothing, no error", id, thread, err)
		}
	})
}

func TestIngestRejectsBadInputAndStoresNothing(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "roma")
		long := strings.Repeat("x", 256)
		cases := map[string]redazione.Inbound{
			"no contact":            {ExternalID: "e1", Text: "ciao"},
			"blank contact":         {ExternalID: "e1", ContactID: "  ", Text: "ciao"},
			"no text":               {ExternalID: "e1", ContactID: "c1"},
			"blank text":            {ExternalID: "e1", ContactID: "c1", Text: " \n\t "},
			"invalid UTF-8 text":    {ExternalID: "e1", ContactID: "c1", Text: "ciao \xff\xfe"},
			"invalid UTF-8 name":    {ExternalID: "e1", ContactID: "c1", ContactName: "\xc3\x28", Text: "ciao"},
			"text too long":         {ExternalID: "e1", ContactID: "c1", Text: strings.Repeat("à", redazione.MaxTextRunes+1)},
			"external id too long":  {ExternalID: long, ContactID: "c1", Text: "ciao"},
			"contact id too long":   {ExternalID: "e1", ContactID: long, Text: "ciao"},
			"contact name too long": {ExternalID: "e1", ContactID: "c1", ContactName: long, Text: "ciao"},
			"NUL in text":           {ExternalID: "e1", ContactID: "c1", Text: "ciao\x00"},
			"NUL in contact id":     {ExternalID: "e1", ContactID: "c\x001", Text: "ciao"},
		}
		for name, in := range cases {
			_, err := db.Ingest(ctx, o.webchat, in)
			if redazione.ErrorCode(err) != redazione.EINVALID {
				t.Errorf("%s: error = %v, want %s", name, err, redazione.EINVALID)
			}
		}
		for _, table := range []string{"contacts", "conversations", "messages"} {
			if n := count(t, db, table); n != 0 {
				t.Errorf("after rejected input %s rows = %d, want 0", table, n)
			}
		}
		// The longest accepted text is stored whole.
		max := strings.Repeat("è", redazione.MaxTextRunes)
		res, err := db.Ingest(ctx, o.webchat, redazione.Inbound{ContactID: "c1", Text: max})
		if err != nil {
			t.Fatalf("text of exactly %d characters: %v", redazione.MaxTextRunes, err)
		}
		m, err := db.Message(ctx, o.ente.ID, res.Message.ID)
		if err != nil || m.Text != max {
			t.Errorf("stored text differs from the %d characters sent (err %v)", redazione.MaxTextRunes, err)
		}
	})
}

// The inbox shows each conversation's last message (not a note) and when it
// last changed, whether the citizen wrote again while waiting (which writes
// no conversation row), the office answered, or someone added a note.
func TestInboxLastMessage(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := useClock(db, t0)
		o := newOffice(t, db, "roma")
		first := o.ingest(t, o.api, "c-1", "m-1", "Il lampione è spento")
		clk.Advance(time.Minute)
		second := o.ingest(t, o.api, "c-1", "m-2", "Anche quello accanto")
		last := func() *redazione.Conversation {
			t.Helper()
			cs, err := db.Conversations(ctx, o.as(o.admin), store.InboxFilter{})
			if err != nil || len(cs) != 1 {
				t.Fatalf("inbox: %v %v", cs, err)
			}
			return cs[0]
		}
		c := last()
		if c.LastMessage == nil || c.LastMessage.ID != second.Message.ID || c.LastMessage.Text != "Anche quello accanto" ||
			!c.LastMessageAt.Equal(clk.now) || !c.WaitingSince.Equal(first.Message.SentAt) {
			t.Fatalf("after a second message while waiting: last %+v at %v, waiting since %v", c.LastMessage, c.LastMessageAt, c.WaitingSince)
		}
		clk.Advance(time.Minute)
		if _, err := db.AddMessage(ctx, o.as(o.admin), c.ID, store.Outgoing{Text: "Verificare con la manutenzione", Note: true}); err != nil {
			t.Fatal(err)
		}
		if c := last(); c.LastMessage.ID != second.Message.ID || !c.LastMessageAt.Equal(clk.now) {
			t.Errorf("after a note: last %+v at %v; want the citizen's message, changed now", c.LastMessage, c.LastMessageAt)
		}
		clk.Advance(time.Minute)
		r := o.reply(t, o.as(o.admin), c.ID, "Abbiamo avvisato la manutenzione.")
		if c := last(); c.LastMessage.ID != r.ID || c.LastMessage.Direction != redazione.DirOut || !c.LastMessageAt.Equal(clk.now) {
			t.Errorf("after the answer: last %+v at %v", c.LastMessage, c.LastMessageAt)
		}
	})
}
