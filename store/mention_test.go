package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

func TestMentionSpans(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		text string
		want []string // the spans as written
	}{
		{"@Giulia.Bianchi, vedi tu?", []string{"@Giulia.Bianchi"}},
		{"cc @paolo.verdi.", []string{"@paolo.verdi"}},
		{"scrivi a urp@comune.example.it", nil},
		{"(@anna_russo) e @lucà-neri…", []string{"@anna_russo", "@lucà-neri"}},
		{"@ da solo, @. e @@mario", []string{"@mario"}},
	} {
		var got []string
		for _, sp := range store.MentionSpans(c.text) {
			got = append(got, c.text[sp.Start:sp.End])
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("MentionSpans(%q) = %q, want %q", c.text, got, c.want)
		}
	}
	if got := store.Handle("Giulia.Bianchi@comune.example.it", "Giulia Bianchi"); got != "giulia.bianchi" {
		t.Errorf("Handle = %q", got)
	}
	if got := store.Handle("g+urp@comune.example.it", "Giulia  Bianchi"); got != "giulia.bianchi" {
		t.Errorf("Handle of an address with + = %q, want the name's", got)
	}
}

// A mention is kept with the note: the colleague finds it unread among
// their mentions until they open the conversation; the note knows whom it
// named; erasing the citizen's data erases the mentions too.
func TestMentionsKeptReadAndErased(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "roma")
		in := o.ingest(t, o.webchat, "visitor-1", "m-1", "Il lampione è spento")
		m, err := db.AddMessage(ctx, o.as(o.mario), in.ConversationID, store.Outgoing{
			Text: "@giulia.bianchi e @Carla.Coordinatrice, guardate voi? (@paolo.verdi no: altra redazione)", Note: true})
		if err != nil {
			t.Fatal(err)
		}
		list, unread, err := db.MentionsOf(ctx, o.as(o.giulia), 10)
		if err != nil {
			t.Fatal(err)
		}
		if unread != 1 || len(list) != 1 || list[0].MessageID != m.ID || list[0].AuthorName != "Mario Rossi" || list[0].ContactName == "" || !list[0].ReadAt.IsZero() {
			t.Fatalf("Giulia's mentions = %+v, unread %d", list, unread)
		}
		if list, _, _ := db.MentionsOf(ctx, o.as(o.paolo), 10); len(list) != 0 {
			t.Errorf("Paolo, of another desk, has mentions: %+v", list)
		}
		named, err := db.NoteMentions(ctx, o.ente.ID, []int64{m.ID})
		if err != nil {
			t.Fatal(err)
		}
		var who []string
		for _, n := range named[m.ID] {
			who = append(who, n.Handle+"="+n.Name)
		}
		if !slices.Equal(who, []string{"giulia.bianchi=Giulia Bianchi", "carla.coordinatrice=Carla Coordinatrice"}) {
			t.Errorf("the note named %q", who)
		}
		if err := db.ReadMentions(ctx, o.as(o.giulia), in.ConversationID); err != nil {
			t.Fatal(err)
		}
		if list, unread, _ := db.MentionsOf(ctx, o.as(o.giulia), 10); unread != 0 || len(list) != 1 || list[0].ReadAt.IsZero() {
			t.Errorf("after reading: %+v, unread %d", list, unread)
		}
		if _, err := db.EraseContact(ctx, o.as(o.admin), in.ContactID); err != nil {
			t.Fatal(err)
		}
		if list, _, _ := db.MentionsOf(ctx, o.as(o.coord), 10); len(list) != 0 {
			t.Errorf("mentions of an erased conversation remain: %+v", list)
		}
		if _, err := db.AddMessage(ctx, o.as(o.mario), in.ConversationID, store.Outgoing{Text: "@giulia.bianchi", Note: true}); redazione.ErrorCode(err) != redazione.ECONFLICT {
			t.Errorf("a note on an erased conversation: %v", err)
		}
	})
}
