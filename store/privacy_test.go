package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/accesso"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// logged reports whether the ente's audit trail has an entry of action.
func logged(t *testing.T, db *store.DB, a redazione.Actor, action string) bool {
	t.Helper()
	return slices.ContainsFunc(auditActions(t, db, a), func(e string) bool { return strings.HasPrefix(e, action+" ") })
}

// On the citizen's request an administrator erases everything about them:
// every conversation of every contact merged with theirs, with messages,
// files and search entries, and their identity. The register of access
// requests keeps its entry; a new message from them starts afresh.
func TestEraseContact(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		useClock(db, t0)
		o := newOffice(t, db, "roma")
		key := strings.Repeat("cd", 32)
		web, err := db.Ingest(ctx, o.webchat, redazione.Inbound{ExternalID: "w1", ContactID: "lucia", ContactName: "Lucia Zanetti",
			Text: "La buca di via Zanardelli è pericolosa, ecco la foto", Attachments: []redazione.InboundAttachment{{Name: "buca.jpg", ContentType: "image/jpeg", Size: 10, BlobKey: key}}})
		if err != nil {
			t.Fatal(err)
		}
		api := o.ingest(t, o.api, "lucia-api", "a1", "Chiedo copia della delibera Zanardelli")
		other := o.ingest(t, o.webchat, "marco", "w2", "Anche io ho visto la buca Zanardelli, foto allegata")
		if _, err := db.Ingest(ctx, o.webchat, redazione.Inbound{ExternalID: "w3", ContactID: "marco", Text: "stessa foto",
			Attachments: []redazione.InboundAttachment{{Name: "buca2.jpg", ContentType: "image/jpeg", Size: 10, BlobKey: key}}}); err != nil {
			t.Fatal(err)
		}
		if err := db.MergeContacts(ctx, o.as(o.admin), web.ContactID, api.ContactID); err != nil {
			t.Fatal(err)
		}
		o.reply(t, o.as(o.mario), web.ConversationID, "Grazie, segnaliamo la buca ai lavori pubblici")
		if _, err := db.AddMessage(ctx, o.as(o.mario), web.ConversationID, store.Outgoing{Text: "nota: chiamare Zanardelli", Note: true}); err != nil {
			t.Fatal(err)
		}
		req := o.access(t, o.as(o.coord), accesso.Request{ConversationID: api.ConversationID, Kind: accesso.CivicoGeneralizzato,
			ReceivedOn: "2025-03-10", Subject: "Delibera via Zanardelli", RequesterName: "Lucia Zanetti"})

		_, err = db.EraseContact(ctx, o.as(o.coord), web.ContactID)
		wantCode(t, err, redazione.EFORBIDDEN)
		out, err := db.EraseContact(ctx, o.as(o.admin), api.ContactID)
		if err != nil {
			t.Fatal(err)
		}
		if out.Contacts != 2 || out.Conversations != 2 || out.Messages != 4 || out.Attachments != 1 || len(out.Blobs) != 0 {
			t.Errorf("erased %+v; want 2 contacts, 2 conversations, 4 messages (note included), 1 file, no blob (Marco's message still has it)", out)
		}
		for _, conv := range []int64{web.ConversationID, api.ConversationID} {
			c, err := db.Conversation(ctx, o.as(o.admin), conv)
			if err != nil {
				t.Fatal(err)
			}
			msgs, _ := db.Messages(ctx, o.as(o.admin), conv, 0)
			if len(msgs) != 0 || c.ErasedAt.IsZero() || c.Contact.Name != "" || strings.Contains(c.Contact.ExternalID, "lucia") || c.Status != redazione.StatusResolved {
				t.Errorf("conversation %d after erasure: %d messages, erased %v, contact %+v, status %s", conv, len(msgs), c.ErasedAt, c.Contact, c.Status)
			}
		}
		res, err := db.Search(ctx, o.as(o.admin), "Zanardelli", 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			if h.Message.ConversationID != other.ConversationID {
				t.Errorf("search still finds an erased message: %+v", h)
			}
		}
		if len(res.Hits) == 0 {
			t.Error("erasure removed Marco's messages from search too")
		}
		if res, _ := db.Search(ctx, o.as(o.admin), "Lucia", 50); len(res.Contacts) != 0 {
			t.Errorf("search still finds the erased contact: %d", len(res.Contacts))
		}
		if got, _ := db.AccessRequest(ctx, o.as(o.admin), req.ID); got == nil || got.RequesterName != "Lucia Zanetti" || got.ConversationID != api.ConversationID {
			t.Errorf("the register entry changed: %+v", got)
		}
		if !logged(t, db, o.as(o.admin), "contact.erase") {
			t.Error("the erasure is not in the audit trail")
		}
		// Lucia writes again: a new contact and conversation, nothing of the old ones.
		again := o.ingest(t, o.webchat, "lucia", "w9", "Buongiorno, sono ancora io")
		if again.ConversationID == web.ConversationID || again.ContactID == web.ContactID {
			t.Errorf("a new message went to the erased conversation or contact: %+v", again)
		}
		// The last reference to a file gone, the file is to be removed.
		out, err = db.EraseContact(ctx, o.as(o.admin), other.ContactID)
		if err != nil || !slices.Equal(out.Blobs, []string{key}) {
			t.Errorf("erasing Marco: blobs %v, %v; want the photo", out.Blobs, err)
		}
	})
}

// With a retention period, the messages of conversations resolved and
// silent for longer are erased, the conversation rows (and their ratings)
// stay for the reports, and contacts with nothing left lose their identity.
func TestApplyRetention(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := useClock(db, t0)
		o := newOffice(t, db, "roma")
		other := newOffice(t, db, "milano")
		resolved := redazione.StatusResolved
		old := o.ingest(t, o.webchat, "anna", "o1", "Quando riapre la biblioteca?")
		o.reply(t, o.as(o.mario), old.ConversationID, "Lunedì prossimo")
		o.change(t, o.as(o.mario), old.ConversationID, store.Change{Status: &resolved})
		if _, err := db.CreateSurvey(ctx, o.sys(), old.ConversationID, "hash-old"); err != nil {
			t.Fatal(err)
		}
		if err := db.AnswerSurvey(ctx, "hash-old", 3, "Gentilissimi, sono Anna Bruni"); err != nil {
			t.Fatal(err)
		}
		openOld := o.ingest(t, o.webchat, "bruno", "o2", "Nessuno mi ha risposto sulla TARI")
		keptContact := o.ingest(t, o.api, "carla", "o3", "Il parco è chiuso?")
		o.change(t, o.as(o.paolo), keptContact.ConversationID, store.Change{Status: &resolved})
		milan := other.ingest(t, other.webchat, "dario", "m1", "Orari del Comune di Milano?")
		other.change(t, other.as(other.mario), milan.ConversationID, store.Change{Status: &resolved})

		clk.Advance(150 * 24 * time.Hour)
		carlaAgain := o.ingest(t, o.api, "carla", "o4", "Il parco ha riaperto?")
		recent := o.ingest(t, o.webchat, "elena", "r1", "Grazie per l'aiuto")
		o.change(t, o.as(o.mario), recent.ConversationID, store.Change{Status: &resolved})

		if err := db.SetRetention(ctx, o.as(o.coord), 6); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Errorf("a coordinator set the retention: %v", err)
		}
		if err := db.SetRetention(ctx, o.as(o.admin), 121); redazione.ErrorCode(err) != redazione.EINVALID {
			t.Errorf("121 months: %v", err)
		}
		if err := db.SetRetention(ctx, o.as(o.admin), 6); err != nil {
			t.Fatal(err)
		}
		if m, _ := db.Retention(ctx, o.ente.ID); m != 6 {
			t.Fatalf("Retention = %d", m)
		}
		// Five months on: nothing is old enough.
		if out, err := db.ApplyRetention(ctx); err != nil || out.Conversations != 0 {
			t.Fatalf("after five months: %+v, %v", out, err)
		}
		clk.Advance(40 * 24 * time.Hour) // 190 days after the first messages
		out, err := db.ApplyRetention(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if out.Conversations != 2 || out.Messages != 3 || out.Contacts != 1 {
			t.Errorf("retention erased %+v; want Anna's and Carla's old conversations (3 messages) and Anna's identity", out)
		}
		erased := func(id int64) bool {
			c, err := db.Conversation(ctx, o.as(o.admin), id)
			if err != nil {
				t.Fatal(err)
			}
			return !c.ErasedAt.IsZero()
		}
		if !erased(old.ConversationID) || !erased(keptContact.ConversationID) || erased(openOld.ConversationID) || erased(recent.ConversationID) || erased(carlaAgain.ConversationID) {
			t.Error("retention erased the wrong conversations")
		}
		c, _ := db.Conversation(ctx, o.as(o.admin), old.ConversationID)
		if c.Contact.Name != "" {
			t.Errorf("Anna, left with nothing, keeps her name %q", c.Contact.Name)
		}
		c, _ = db.Conversation(ctx, o.as(o.admin), carlaAgain.ConversationID)
		if c.Contact.Name != "Cittadino carla" {
			t.Errorf("Carla, who wrote again, lost her identity: %q", c.Contact.Name)
		}
		if sv, _ := db.SurveyByToken(ctx, "hash-old"); sv == nil || sv.Rating != 3 || sv.Comment != "" {
			t.Errorf("survey after retention: %+v; want the rating kept, the comment erased", sv)
		}
		if msgs, _ := other.db.Messages(ctx, other.as(other.admin), milan.ConversationID, 0); len(msgs) != 1 {
			t.Error("the retention of one ente erased another's messages")
		}
		if out, _ := db.ApplyRetention(ctx); out.Conversations != 0 {
			t.Errorf("a second pass erased again: %+v", out)
		}
		if !logged(t, db, o.as(o.admin), "retention.apply") {
			t.Error("the retention is not in the audit trail")
		}
	})
}

// The export holds the citizen's contacts, the messages they exchanged
// with the office (no internal notes) and their access requests.
func TestExportPerson(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		useClock(db, t0)
		o := newOffice(t, db, "roma")
		in := o.ingest(t, o.webchat, "lucia", "w1", "Vorrei gli atti del cantiere di via Po")
		o.reply(t, o.as(o.mario), in.ConversationID, "Registriamo la sua richiesta")
		if _, err := db.AddMessage(ctx, o.as(o.mario), in.ConversationID, store.Outgoing{Text: "nota interna: verificare", Note: true}); err != nil {
			t.Fatal(err)
		}
		o.access(t, o.as(o.mario), accesso.Request{ConversationID: in.ConversationID, Kind: accesso.CivicoGeneralizzato, ReceivedOn: "2025-03-10", Subject: "Atti cantiere via Po"})
		if err := db.CreateServiceRequest(ctx, o.as(o.mario), "strade", &store.ServiceRequest{ConversationID: in.ConversationID, Description: "Buca davanti al cantiere", Address: "Via Po 3"}); err != nil {
			t.Fatal(err)
		}
		o.ingest(t, o.webchat, "marco", "w2", "Altro cittadino")

		_, err := db.ExportPerson(ctx, o.as(o.mario), in.ContactID)
		wantCode(t, err, redazione.EFORBIDDEN)
		x, err := db.ExportPerson(ctx, o.as(o.coord), in.ContactID)
		if err != nil {
			t.Fatal(err)
		}
		if len(x.Contacts) != 1 || x.Contacts[0].ExternalID != "lucia" || x.Contacts[0].Channel != "Chat del sito" {
			t.Errorf("contacts: %+v", x.Contacts)
		}
		if len(x.Conversations) != 1 || len(x.Conversations[0].Messages) != 2 ||
			x.Conversations[0].Messages[0].Text != "Vorrei gli atti del cantiere di via Po" || x.Conversations[0].Messages[1].Direction != "out" {
			t.Errorf("conversations: %+v", x.Conversations)
		}
		if len(x.AccessRequests) != 1 || x.AccessRequests[0].Number != "2025/1" || x.AccessRequests[0].DueOn == "" {
			t.Errorf("access requests: %+v", x.AccessRequests)
		}
		if len(x.Reports) != 1 || x.Reports[0].Service != "Strade e marciapiedi" || x.Reports[0].Address != "Via Po 3" {
			t.Errorf("reports: %+v", x.Reports)
		}
		if !logged(t, db, o.as(o.admin), "contact.export") {
			t.Error("the export is not in the audit trail")
		}
	})
}

// A file a post still shows is not given up when the citizen who sent the
// same content is erased.
func TestEraseKeepsFilesPostsUse(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		useClock(db, t0)
		o := newOffice(t, db, "roma")
		key := strings.Repeat("ef", 32)
		in, err := db.Ingest(ctx, o.webchat, redazione.Inbound{ExternalID: "w1", ContactID: "anna", Text: "foto della piazza",
			Attachments: []redazione.InboundAttachment{{Name: "piazza.png", ContentType: "image/png", Size: 10, BlobKey: key}}})
		if err != nil {
			t.Fatal(err)
		}
		acc := o.account(t, "Mastodon del Comune", false)
		// The citizen's photo is the third image of the post.
		p := &store.Post{DeskID: o.desks["campagne"].ID, ChannelID: acc.ID, Text: "La piazza rinnovata", Images: []store.PostImage{
			{Key: strings.Repeat("a1", 32), Name: "fontana.png", Type: "image/png", Alt: "La fontana restaurata"},
			{Key: strings.Repeat("b2", 32), Name: "panchine.png", Type: "image/png", Alt: "Le nuove panchine"},
			{Key: key, Name: "piazza.png", Type: "image/png", Alt: "La piazza con le nuove panchine"}}}
		if err := db.SavePost(ctx, o.as(o.coord), p); err != nil {
			t.Fatal(err)
		}
		out, err := db.EraseContact(ctx, o.as(o.admin), in.ContactID)
		if err != nil || len(out.Blobs) != 0 {
			t.Errorf("erasure gives up %v (%v); the post still shows that file", out.Blobs, err)
		}
	})
}
