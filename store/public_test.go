package store_test

import (
	"context"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// A private answer to a public comment goes into the citizen's private
// conversation (a new one when there is none open), answers the public one,
// and is refused where it makes no sense.
func TestAddPrivateReply(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		useClock(db, t0)
		o := newOffice(t, db, "genova")
		mario := o.as(o.mario)
		comment, err := db.Ingest(ctx, o.webchat, redazione.Inbound{ExternalID: "c-1", ContactID: "cit-1", Text: "Il parco è chiuso?", Public: true})
		if err != nil {
			t.Fatal(err)
		}
		pub := comment.ConversationID
		if _, err := db.AddPrivateReply(ctx, o.as(o.analyst), pub, "Testo"); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Errorf("analyst: %v, want forbidden", err)
		}
		if _, err := db.AddPrivateReply(ctx, o.as(o.paolo), pub, "Testo"); redazione.ErrorCode(err) != redazione.ENOTFOUND {
			t.Errorf("operator of another desk: %v, want not found", err)
		}
		if _, err := db.AddPrivateReply(ctx, mario, pub, "  "); redazione.ErrorCode(err) != redazione.EINVALID {
			t.Errorf("empty text: %v, want invalid", err)
		}
		r, err := db.AddPrivateReply(ctx, mario, pub, "Le scriviamo in privato.")
		if err != nil {
			t.Fatal(err)
		}
		if r.Conversation.Public || r.Conversation.ID == pub || r.Conversation.ContactID != comment.ContactID ||
			r.Message.PrivateReplyTo != "c-1" || r.Message.Delivery != redazione.DeliveryQueued {
			t.Fatalf("private reply = %+v in %+v", r.Message, r.Conversation)
		}
		if c, _ := db.Conversation(ctx, mario, pub); !c.WaitingSince.IsZero() {
			t.Error("the public comment still waits for an answer")
		}
		if _, err := db.AddPrivateReply(ctx, mario, r.Conversation.ID, "Altro"); redazione.ErrorCode(err) != redazione.EINVALID {
			t.Errorf("private reply from a private conversation: %v, want invalid", err)
		}
		// the citizen writes privately: the same conversation
		dm, err := db.Ingest(ctx, o.webchat, redazione.Inbound{ExternalID: "d-1", ContactID: "cit-1", Text: "Grazie"})
		if err != nil || dm.ConversationID != r.Conversation.ID {
			t.Fatalf("direct message in conversation %d, want the private one %d (%v)", dm.ConversationID, r.Conversation.ID, err)
		}
		// once the private case is resolved, the next private reply opens a new one
		resolved := redazione.StatusResolved
		if _, err := db.ChangeConversation(ctx, mario, r.Conversation.ID, store.Change{Status: &resolved}); err != nil {
			t.Fatal(err)
		}
		again, err := db.AddPrivateReply(ctx, mario, pub, "Un'altra informazione.")
		if err != nil || again.Conversation.ID == r.Conversation.ID {
			t.Fatalf("after resolution: %v, conversation %d", err, again.Conversation.ID)
		}
		msgs, _ := db.Messages(ctx, mario, pub, 0)
		if notes := len(msgs) - 1; notes != 2 || msgs[1].Direction != redazione.DirNote {
			t.Errorf("the public conversation has %d notes, want one per private reply", notes)
		}
	})
}

func TestSetHidden(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "bari")
		mario := o.as(o.mario)
		res, err := db.Ingest(ctx, o.webchat, redazione.Inbound{ExternalID: "c-9", ContactID: "cit-9", Text: "Vergogna", Public: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetHidden(ctx, o.as(o.analyst), res.ConversationID, res.Message.ID, true); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Errorf("analyst: %v", err)
		}
		reply, err := db.AddMessage(ctx, mario, res.ConversationID, store.Outgoing{Text: "Risposta"})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetHidden(ctx, mario, res.ConversationID, reply.ID, true); redazione.ErrorCode(err) != redazione.ENOTFOUND {
			t.Errorf("hiding the office's own reply: %v, want not found", err)
		}
		if err := db.SetHidden(ctx, mario, res.ConversationID, res.Message.ID, true); err != nil {
			t.Fatal(err)
		}
		msgs, _ := db.Messages(ctx, mario, res.ConversationID, 0)
		if !msgs[0].Hidden || msgs[1].Hidden {
			t.Errorf("hidden = %v, %v; want the comment only", msgs[0].Hidden, msgs[1].Hidden)
		}
	})
}
