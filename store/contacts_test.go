package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// The merge suggestions on a conversation's page: contacts of the same ente
// with the citizen's name as platforms usually spell it, never the
// citizen's own contacts, a merely similar name, or another ente's.
func TestMergeCandidates(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "lecce")
		other := newOffice(t, db, "bari")
		named := func(o *office, ch *redazione.Channel, contact, name string) int64 {
			t.Helper()
			res, err := db.Ingest(ctx, ch, redazione.Inbound{ExternalID: "m-" + contact, ContactID: contact, ContactName: name, Text: "Buongiorno"})
			if err != nil {
				t.Fatalf("Ingest(%s): %v", contact, err)
			}
			c, err := db.Conversation(ctx, o.sys(), res.ConversationID)
			if err != nil {
				t.Fatal(err)
			}
			return c.ContactID
		}
		lucia := named(o, o.webchat, "w-lucia", "Lucia Ferri")
		sameOnAPI := named(o, o.api, "a-lucia", "Lucia Ferri")
		lower := named(o, o.api, "a-lucia-2", "lucia ferri")
		upper := named(o, o.api, "a-lucia-3", "LUCIA FERRI")
		named(o, o.api, "a-ferrini", "Lucia Ferrini")
		named(o, o.api, "a-blank", "")
		named(other, other.api, "b-lucia", "Lucia Ferri")
		merged := named(o, o.webchat, "w-lucia-merged", "Lucia Ferri")
		if err := db.MergeContacts(ctx, o.as(o.coord), lucia, merged); err != nil {
			t.Fatal(err)
		}
		got := func(contact int64) []int64 {
			t.Helper()
			cs, err := db.MergeCandidates(ctx, o.ente.ID, contact)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, c := range cs {
				ids = append(ids, c.ID)
			}
			return ids
		}
		if ids, want := got(lucia), []int64{sameOnAPI, lower, upper}; !slices.Equal(ids, want) {
			t.Errorf("Lucia Ferri's suggestions = %v, want the same name on the API channel, in lower and upper case %v", ids, want)
		}
		// seen from the contact merged into hers, the same suggestions
		if ids, want := got(merged), []int64{sameOnAPI, lower, upper}; !slices.Equal(ids, want) {
			t.Errorf("from her merged contact: %v, want %v", ids, want)
		}
		// seen from the lower-case one, her two merged contacts and the others
		if ids, want := got(lower), []int64{lucia, sameOnAPI, upper, merged}; !slices.Equal(ids, want) {
			t.Errorf("from lucia ferri: %v, want %v", ids, want)
		}
		if _, err := db.MergeCandidates(ctx, other.ente.ID, lucia); err == nil {
			t.Error("another ente's contact gave suggestions")
		}
	})
}
