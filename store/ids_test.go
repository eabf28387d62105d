package store_test

import (
	"context"
	"testing"

	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// After the newest messages (and their files) are erased, new ones never
// take their ids: an API receiver that drops repeats by id would drop them.
func TestErasedIdsAreNotGivenAgain(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		useClock(db, t0)
		o := newOffice(t, db, "numeri")
		o.ingest(t, o.api, "anna", "a1", "Prima")
		lucia := o.ingest(t, o.api, "lucia", "l1", "Seconda")
		reply := o.reply(t, o.as(o.paolo), lucia.ConversationID, "Risposta a Lucia")
		if _, err := db.EraseContact(ctx, o.as(o.admin), lucia.ContactID); err != nil {
			t.Fatal(err)
		}
		next := o.ingest(t, o.api, "carla", "c1", "Terza")
		if next.Message.ID <= reply.ID {
			t.Errorf("a new message took id %d; the erased ones went up to %d", next.Message.ID, reply.ID)
		}
		if next.ConversationID <= lucia.ConversationID {
			t.Errorf("a new conversation took id %d after %d", next.ConversationID, lucia.ConversationID)
		}
	})
}
