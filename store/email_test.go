package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// A message answering (InReplyTo) a message of one of the same contact's
// conversations joins it, reopening it if resolved; the same reference from
// somebody else does not; without one, the usual rule applies.
func TestIngestThreads(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "roma")
		first, err := db.Ingest(ctx, o.webchat, redazione.Inbound{ExternalID: "m1@x", ContactID: "x@example.it", Text: "Prima",
			Email: &redazione.EmailPart{Subject: "Buca", HTML: "<p>Prima</p>"}})
		if err != nil {
			t.Fatal(err)
		}
		o.change(t, o.sys(), first.ConversationID, store.Change{Status: ptr(redazione.StatusResolved)})

		// somebody else quoting the same Message-ID
		other, err := db.Ingest(ctx, o.webchat, redazione.Inbound{ExternalID: "o1@y", ContactID: "y@example.it", Text: "Anch'io", InReplyTo: []string{"m1@x"}})
		if err != nil || other.ConversationID == first.ConversationID || !other.NewConversation {
			t.Fatalf("another sender joined the conversation: %+v %v", other, err)
		}
		// the same citizen answering in the thread
		again, err := db.Ingest(ctx, o.webchat, redazione.Inbound{ExternalID: "m2@x", ContactID: "x@example.it", Text: "Ancora", InReplyTo: []string{"unknown@z", "m1@x"}})
		if err != nil || again.ConversationID != first.ConversationID || again.NewConversation {
			t.Fatalf("the answer did not join its thread: %+v %v", again, err)
		}
		if c, _ := db.Conversation(ctx, o.sys(), first.ConversationID); c.Status != redazione.StatusOpen || c.WaitingSince.IsZero() {
			t.Fatalf("status %s waiting since %v, want the conversation reopened and waiting", c.Status, c.WaitingSince)
		}
		// resolved again, a new message without references opens a new case
		o.change(t, o.sys(), first.ConversationID, store.Change{Status: ptr(redazione.StatusResolved)})
		fresh, err := db.Ingest(ctx, o.webchat, redazione.Inbound{ExternalID: "m3@x", ContactID: "x@example.it", Text: "Altro tema"})
		if err != nil || fresh.ConversationID == first.ConversationID {
			t.Fatalf("%+v %v", fresh, err)
		}

		if res, err := db.Search(ctx, o.as(o.mario), "buca", 10); err != nil || len(res.Hits) != 1 || res.Hits[0].Message.ID != first.Message.ID {
			t.Fatalf("search by subject: %+v %v", res, err)
		}
		parts, err := db.EmailParts(ctx, o.ente.ID, []int64{first.Message.ID, again.Message.ID})
		if err != nil || parts[first.Message.ID] == nil || parts[first.Message.ID].Subject != "Buca" || parts[again.Message.ID] != nil {
			t.Fatalf("%+v %v", parts, err)
		}
		if html, err := db.EmailHTML(ctx, o.as(o.mario), first.ConversationID, first.Message.ID); err != nil || html != "<p>Prima</p>" {
			t.Fatalf("%q %v", html, err)
		}
		if _, err := db.EmailHTML(ctx, o.as(o.paolo), first.ConversationID, first.Message.ID); err == nil {
			t.Fatal("an operator of another desk read the e-mail")
		}
		if _, err := db.EmailHTML(ctx, o.as(o.mario), other.ConversationID, first.Message.ID); err == nil {
			t.Fatal("a message was read through another conversation")
		}
	})
}

// A bad e-mail part is refused and stores nothing.
func TestIngestBadEmailPart(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		o := newOffice(t, db, "roma")
		for _, p := range []*redazione.EmailPart{
			{HTML: strings.Repeat("x", redazione.MaxEmailHTMLBytes+1)},
			{Subject: "oggetto \x00"},
			{Subject: string([]byte{0xff, 0xfe})},
		} {
			if _, err := db.Ingest(context.Background(), o.webchat, redazione.Inbound{ExternalID: "bad", ContactID: "x@example.it", Text: "testo", Email: p}); err == nil {
				t.Errorf("accepted %q", p.Subject)
			}
		}
		if n := count(t, db, "messages") + count(t, db, "email_parts") + count(t, db, "contacts"); n != 0 {
			t.Fatalf("%d rows stored", n)
		}
	})
}

// PEC receipts are linked to the office's message they name, once each.
func TestPECReceipts(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "roma")
		in, err := db.Ingest(ctx, o.webchat, redazione.Inbound{ExternalID: "orig@pec.example.it", ContactID: "x@pec.example.it", Text: "Istanza",
			Email: &redazione.EmailPart{Subject: "Istanza", PEC: true, References: []string{"a@b"}}})
		if err != nil {
			t.Fatal(err)
		}
		last, err := db.LastInboundEmail(ctx, in.ConversationID)
		if err != nil || last.MessageID != "orig@pec.example.it" || last.Subject != "Istanza" || len(last.References) != 1 {
			t.Fatalf("%+v %v", last, err)
		}
		reply := o.reply(t, o.as(o.mario), in.ConversationID, "Risposta")
		if err := db.SetEmailSent(ctx, reply, "rdz.1@comune.example.it", &redazione.EmailPart{Subject: "Re: Istanza"}); err != nil {
			t.Fatal(err)
		}
		if err := db.SetEmailSent(ctx, reply, "rdz.1@comune.example.it", &redazione.EmailPart{Subject: "Re: Istanza"}); err != nil {
			t.Fatalf("a retry: %v", err)
		}
		r := redazione.PECReceipt{ExternalID: "acc-1@gestore", Kind: redazione.ReceiptAccepted, Refers: "rdz.1@comune.example.it"}
		m, dup, err := db.AddPECReceipt(ctx, o.webchat, r)
		if err != nil || dup || m.ID != reply.ID {
			t.Fatalf("%+v %v %v", m, dup, err)
		}
		if _, dup, _ := db.AddPECReceipt(ctx, o.webchat, r); !dup {
			t.Fatal("a receipt fetched twice was stored twice")
		}
		if _, _, err := db.AddPECReceipt(ctx, o.webchat, redazione.PECReceipt{ExternalID: "x@g", Kind: redazione.ReceiptDelivered, Refers: "nessuno@x"}); redazione.ErrorCode(err) != redazione.ENOTFOUND {
			t.Fatalf("a receipt about no message: %v", err)
		}
		if _, _, err := db.AddPECReceipt(ctx, o.webchat, redazione.PECReceipt{ExternalID: "y@g", Kind: "inventata", Refers: "rdz.1@comune.example.it"}); redazione.ErrorCode(err) != redazione.EINVALID {
			t.Fatalf("an unknown kind: %v", err)
		}
		// a receipt naming the citizen's message, not the office's, links nothing
		if _, _, err := db.AddPECReceipt(ctx, o.webchat, redazione.PECReceipt{ExternalID: "z@g", Kind: redazione.ReceiptDelivered, Refers: "orig@pec.example.it"}); err == nil {
			t.Fatal("a receipt was linked to the citizen's message")
		}
		db.AddPECReceipt(ctx, o.webchat, redazione.PECReceipt{ExternalID: "err-1@gestore", Kind: redazione.ReceiptDeliveryError, Refers: "rdz.1@comune.example.it", Reason: "5.1.1"})
		rs, err := db.PECReceipts(ctx, o.ente.ID, []int64{reply.ID})
		if err != nil || len(rs[reply.ID]) != 2 || rs[reply.ID][0].Kind != redazione.ReceiptAccepted || !rs[reply.ID][1].Failed() || rs[reply.ID][1].Reason != "5.1.1" {
			t.Fatalf("%+v %v", rs, err)
		}
		if n := count(t, db, "conversations"); n != 1 {
			t.Fatalf("%d conversations", n)
		}

		if v, u, err := db.MailboxState(ctx, o.webchat.ID); v != 0 || u != 0 || err != nil {
			t.Fatalf("%d %d %v", v, u, err)
		}
		db.SaveMailboxState(ctx, o.webchat.ID, 4000000000, 12)
		db.SaveMailboxState(ctx, o.webchat.ID, 4000000000, 13)
		if v, u, err := db.MailboxState(ctx, o.webchat.ID); v != 4000000000 || u != 13 || err != nil {
			t.Fatalf("%d %d %v", v, u, err)
		}
	})
}
