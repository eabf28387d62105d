package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// A citizen edits and then deletes a message on the platform: the office
// sees the text as it is now, what it replaced, and that it was deleted;
// search follows the new text; late, repeated or unknown revisions change
// nothing.
func TestReviseMessage(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "ente")
		sent := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		res, err := db.Ingest(ctx, o.api, redazione.Inbound{ExternalID: "tg-1", ContactID: "c1", Text: "La multa per il passo carrabile", SentAt: sent})
		if err != nil {
			t.Fatal(err)
		}
		other, err := db.Ingest(ctx, o.webchat, redazione.Inbound{ExternalID: "tg-1", ContactID: "c1", Text: "Stesso id, altro canale"})
		if err != nil {
			t.Fatal(err)
		}
		admin := redazione.SystemActor(o.ente.ID)
		thread := func() *redazione.Message {
			t.Helper()
			ms, err := db.Messages(ctx, admin, res.ConversationID, 0)
			if err != nil || len(ms) != 1 {
				t.Fatalf("messages: %v %v", ms, err)
			}
			return ms[0]
		}
		found := func(q string) bool {
			t.Helper()
			r, err := db.Search(ctx, o.as(o.admin), q, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range r.Hits {
				if h.Message.ID == res.Message.ID {
					return true
				}
			}
			return false
		}

		edit1 := sent.Add(10 * time.Minute)
		got, err := db.ReviseMessage(ctx, o.api, redazione.Revision{ExternalID: "tg-1", Text: "  La sanzione per il passo carrabile  ", At: edit1})
		if err != nil || got == nil || got.MessageID != res.Message.ID || got.ConversationID != res.ConversationID || got.Flagged {
			t.Fatalf("edit = %+v, %v", got, err)
		}
		m := thread()
		if m.Text != "La sanzione per il passo carrabile" || !m.EditedAt.Equal(edit1) || len(m.Versions) != 1 ||
			m.Versions[0].Text != "La multa per il passo carrabile" || !m.Versions[0].ReplacedAt.Equal(edit1) {
			t.Fatalf("after the edit: %+v", m)
		}
		if !found("sanzioni") || found("multe") {
			t.Errorf("search does not follow the edit: sanzioni=%v multe=%v", found("sanzioni"), found("multe"))
		}
		if o2, _ := db.Messages(ctx, admin, other.ConversationID, 0); o2[0].Text != "Stesso id, altro canale" {
			t.Errorf("the edit changed another channel's message: %q", o2[0].Text)
		}

		for name, rev := range map[string]redazione.Revision{
			"the same text again":    {ExternalID: "tg-1", Text: "La sanzione per il passo carrabile", At: edit1.Add(time.Minute)},
			"an older edit, late":    {ExternalID: "tg-1", Text: "La multa, anzi", At: edit1.Add(-time.Minute)},
			"a message never stored": {ExternalID: "tg-99", Text: "Altro"},
		} {
			if got, err := db.ReviseMessage(ctx, o.api, rev); err != nil || got != nil {
				t.Errorf("%s: %+v, %v; want no change", name, got, err)
			}
		}
		for name, rev := range map[string]redazione.Revision{
			"no id":      {Text: "x"},
			"empty text": {ExternalID: "tg-1", Text: "  "},
			"NUL":        {ExternalID: "tg-1", Text: "a\x00b"},
		} {
			if _, err := db.ReviseMessage(ctx, o.api, rev); redazione.ErrorCode(err) != redazione.EINVALID {
				t.Errorf("%s: %v; want a refusal", name, err)
			}
		}
		if m := thread(); m.Text != "La sanzione per il passo carrabile" || len(m.Versions) != 1 {
			t.Fatalf("refused revisions changed the message: %+v", m)
		}

		del := edit1.Add(30 * time.Minute)
		if got, err := db.ReviseMessage(ctx, o.api, redazione.Revision{ExternalID: "tg-1", Deleted: true, At: del}); err != nil || got == nil {
			t.Fatalf("delete = %+v, %v", got, err)
		}
		if got, err := db.ReviseMessage(ctx, o.api, redazione.Revision{ExternalID: "tg-1", Text: "Dopo la cancellazione", At: del.Add(time.Minute)}); err != nil || got != nil {
			t.Errorf("an edit after the deletion: %+v, %v", got, err)
		}
		m = thread()
		if !m.DeletedAt.Equal(del) || m.Text != "La sanzione per il passo carrabile" {
			t.Errorf("after the deletion: %+v; want the text kept and marked deleted", m)
		}
	})
}

// A public comment edited to show a phone number is flagged as at its
// arrival, the flag pointing into the new text; edited again without it,
// the flag stays for an operator to clear, pointing at nothing.
func TestReviseMessageFlags(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "ente")
		res, err := db.Ingest(ctx, o.api, redazione.Inbound{ExternalID: "c-1", ContactID: "fb-1", Text: "Il ponte riapre?", Public: true})
		if err != nil {
			t.Fatal(err)
		}
		flags := func() []store.Flag {
			t.Helper()
			fs, err := db.Flags(ctx, o.as(o.admin), res.ConversationID)
			if err != nil {
				t.Fatal(err)
			}
			return fs
		}
		if fs := flags(); len(fs) != 0 {
			t.Fatalf("flags before the edit: %+v", fs)
		}
		text := "Il ponte riapre? Chiamatemi al 333 123 4567"
		if got, err := db.ReviseMessage(ctx, o.api, redazione.Revision{ExternalID: "c-1", Text: text}); err != nil || got == nil || !got.Flagged {
			t.Fatalf("edit = %+v, %v; want the flags changed", got, err)
		}
		fs := flags()
		if len(fs) != 1 || fs[0].Kind != store.FlagPersonalData || fs[0].MessageID != res.Message.ID || len(fs[0].Marks) != 1 {
			t.Fatalf("flags after the edit: %+v", fs)
		}
		if m := fs[0].Marks[0]; text[m.Start:m.End] != "333 123 4567" {
			t.Errorf("the flag points at %q", text[m.Start:m.End])
		}
		if _, err := db.ReviseMessage(ctx, o.api, redazione.Revision{ExternalID: "c-1", Text: "Il ponte riapre? Grazie"}); err != nil {
			t.Fatal(err)
		}
		if fs := flags(); len(fs) != 1 || !fs[0].ClearedAt.IsZero() || len(fs[0].Marks) != 0 {
			t.Errorf("flags after the number was taken out: %+v", fs)
		}
	})
}

// A public answer goes to the citizen's latest comment that still exists.
func TestReplyPassesOverDeletedComments(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "ente")
		first, err := db.Ingest(ctx, o.api, redazione.Inbound{ExternalID: "c-1", ContactID: "fb-1", Text: "Il ponte riapre?", Public: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Ingest(ctx, o.api, redazione.Inbound{ExternalID: "c-2", ContactID: "fb-1", Text: "E la strada?", Public: true}); err != nil {
			t.Fatal(err)
		}
		last := func() string {
			t.Helper()
			id, err := db.LastInboundExternalID(ctx, first.ConversationID)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		if got := last(); got != "c-2" {
			t.Fatalf("latest comment %q, want c-2", got)
		}
		for _, c := range []struct{ deleted, then string }{{"c-2", "c-1"}, {"c-1", ""}} {
			if _, err := db.ReviseMessage(ctx, o.api, redazione.Revision{ExternalID: c.deleted, Deleted: true}); err != nil {
				t.Fatal(err)
			}
			if got := last(); got != c.then {
				t.Errorf("with %s deleted the answer goes to %q, want %q", c.deleted, got, c.then)
			}
		}
	})
}
