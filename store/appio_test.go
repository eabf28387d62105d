package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/codicefiscale"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// An App IO message lands in the citizen's one App IO conversation, joined
// to the conversation it was written from, and can be found again by it;
// an analyst cannot send, and a channel of another kind is refused.
func TestSendAppIO(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		testdb.Seal(db)
		ctx := context.Background()
		o := newOffice(t, db, "appio")
		aio := &redazione.Channel{Kind: redazione.ChannelAppIO, Name: "App IO", Secret: "s3", DeskID: o.desks["contatti"].ID,
			Settings: map[string]string{"api_key": "k", "service_name": "Anagrafe"}}
		if err := db.CreateChannel(ctx, o.sys(), aio); err != nil {
			t.Fatal(err)
		}
		in := o.ingest(t, o.webchat, "anna", "w1", "Quando è pronta la mia carta d'identità?")
		cf := codicefiscale.Code("RSSMRA85T10A562S")
		send := store.AppIOSend{ChannelID: aio.ID, FiscalCode: cf, Name: "Anna", Subject: "Carta d'identità pronta", Markdown: "Testo",
			DueDate: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), Origin: store.Origin("conversation", in.ConversationID), DeskID: o.desks["notizie"].ID, PersonOf: in.ContactID}
		if _, _, err := db.SendAppIO(ctx, o.as(o.analyst), send); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Fatalf("an analyst sent: %v", err)
		}
		bad := send
		bad.ChannelID = o.api.ID
		if _, _, err := db.SendAppIO(ctx, o.as(o.mario), bad); redazione.ErrorCode(err) != redazione.EINVALID {
			t.Fatalf("sent on an API channel: %v", err)
		}
		m1, c1, err := db.SendAppIO(ctx, o.as(o.mario), send)
		if err != nil {
			t.Fatal(err)
		}
		m2, c2, err := db.SendAppIO(ctx, o.as(o.mario), send)
		if err != nil {
			t.Fatal(err)
		}
		if c1.ID != c2.ID || c1.ChannelKind != redazione.ChannelAppIO || c1.Contact.ExternalID != cf.String() || c1.DeskID != o.desks["notizie"].ID || c1.Status != redazione.StatusResolved {
			t.Fatalf("App IO conversations: %+v and %+v", c1, c2)
		}
		if m1.Delivery != redazione.DeliveryQueued {
			t.Errorf("delivery %q, want queued", m1.Delivery)
		}
		subject, due, err := db.AppIOContent(ctx, o.ente.ID, m2.ID)
		if err != nil || subject != "Carta d'identità pronta" || !due.Equal(send.DueDate) {
			t.Errorf("content: %q %v %v", subject, due, err)
		}
		if got, err := db.AppIOFiscalCode(ctx, o.ente.ID, in.ContactID); err != nil || got != cf.String() {
			t.Errorf("the conversation's citizen's code: %q %v", got, err)
		}
		ms, err := db.AppIOMessages(ctx, o.as(o.mario), send.Origin)
		if err != nil || len(ms) != 2 || ms[0].MessageID != m2.ID || ms[0].AuthorName != o.mario.Name {
			t.Fatalf("messages from the conversation: %+v %v", ms, err)
		}
		if err := db.SetAppIOStatus(ctx, o.ente.ID, m1.ID, "PROCESSED", redazione.DeliveryDelivered, ""); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkSent(ctx, o.ente.ID, m2.ID, "01IO"); err != nil {
			t.Fatal(err)
		}
		if err := db.SetAppIOStatus(ctx, o.ente.ID, m2.ID, "REJECTED", redazione.DeliveryFailed, "respinto"); err != nil {
			t.Fatal(err)
		}
		ms, _ = db.AppIOMessages(ctx, o.as(o.mario), send.Origin)
		// m1 was still queued: a status does not skip the delivery.
		if ms[0].Delivery != redazione.DeliveryFailed || ms[0].IOStatus != "REJECTED" || ms[0].DeliveryError != "respinto" || ms[1].Delivery != redazione.DeliveryQueued {
			t.Errorf("after the outcomes: %+v / %+v", ms[0], ms[1])
		}
		actions := auditActions(t, db, o.sys())
		n := 0
		for _, a := range actions {
			if strings.HasPrefix(a, "appio.send ") {
				n++
			}
		}
		if n != 2 {
			t.Errorf("%d appio.send in the audit trail, want 2", n)
		}
	})
}
