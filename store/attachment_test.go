package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/blob"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

func TestAttachmentsKeptWithTheMessage(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "roma")
		key := strings.Repeat("ab", 32)
		res, err := db.Ingest(ctx, o.webchat, redazione.Inbound{ExternalID: "m-1", ContactID: "c-1", Text: "[foto] la buca in via Roma",
			Attachments: []redazione.InboundAttachment{
				{Name: "buca.jpg", ContentType: "image/jpeg", Size: 1234, BlobKey: key},
				{Name: "verbale.pdf", ContentType: "application/pdf", Source: "file-id-42"},
			}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.PendingAttachments) != 1 {
			t.Fatalf("pending = %v, want the one to fetch", res.PendingAttachments)
		}
		ms, err := db.Messages(ctx, o.as(o.mario), res.ConversationID, 0)
		if err != nil {
			t.Fatal(err)
		}
		as := ms[0].Attachments
		if len(as) != 2 || as[0].Name != "buca.jpg" || as[0].Status != redazione.AttachmentStored || as[0].BlobKey != key ||
			as[1].Name != "verbale.pdf" || as[1].Status != redazione.AttachmentPending {
			t.Fatalf("attachments in the thread = %+v", as)
		}

		// The platform's file arrives: stored with the sniffed type, once.
		p, err := db.PendingAttachment(ctx, res.PendingAttachments[0])
		if err != nil || p.Source != "file-id-42" || p.ChannelID != o.webchat.ID || p.EnteID != o.ente.ID {
			t.Fatalf("PendingAttachment = %+v, %v", p, err)
		}
		if err := db.AttachmentStored(ctx, p.ID, blob.Blob{Key: strings.Repeat("cd", 32), Size: 99, ContentType: "application/pdf"}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.AttachmentFailed(ctx, p.ID, "troppo tardi"), redazione.ENOTFOUND)
		if _, err := db.PendingAttachment(ctx, p.ID); err == nil {
			t.Error("a stored attachment is still pending")
		}
		got, err := db.Attachment(ctx, o.as(o.giulia), p.ID)
		if err != nil || got.Status != redazione.AttachmentStored || got.Size != 99 || got.Error != "" {
			t.Fatalf("Attachment = %+v, %v", got, err)
		}

		// Only those who may see the conversation may see its files.
		_, err = db.Attachment(ctx, o.as(o.paolo), p.ID)
		wantCode(t, err, redazione.ENOTFOUND)
		other := newOffice(t, db, "milano")
		_, err = db.Attachment(ctx, other.as(other.admin), p.ID)
		wantCode(t, err, redazione.ENOTFOUND)
	})
}

func TestAttachmentFailureIsShown(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "roma")
		res, err := db.Ingest(ctx, o.webchat, redazione.Inbound{ExternalID: "m-1", ContactID: "c-1", Text: "[video]",
			Attachments: []redazione.InboundAttachment{{Name: "video.mp4", Source: "file-id-1"}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AttachmentFailed(ctx, res.PendingAttachments[0], "file troppo grande (oltre 25 MB)"); err != nil {
			t.Fatal(err)
		}
		left, err := db.PendingAttachments(ctx, 10)
		if err != nil || len(left) != 0 {
			t.Fatalf("PendingAttachments = %v, %v; want none", left, err)
		}
		ms, _ := db.Messages(ctx, o.as(o.mario), res.ConversationID, 0)
		if a := ms[0].Attachments; len(a) != 1 || a[0].Status != redazione.AttachmentFailed || a[0].Error != "file troppo grande (oltre 25 MB)" {
			t.Fatalf("attachments = %+v", a)
		}
	})
}

func TestBadAttachmentsStoreNothing(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "roma")
		many := make([]redazione.InboundAttachment, redazione.MaxAttachments+1)
		for i := range many {
			many[i].Source = "x"
		}
		for name, as := range map[string][]redazione.InboundAttachment{
			"too many":      many,
			"no content":    {{Name: "vuoto.txt"}},
			"long name":     {{Name: strings.Repeat("n", 300), Source: "x"}},
			"NUL in name":   {{Name: "a\x00b", Source: "x"}},
			"bad UTF-8":     {{Name: "\xff", Source: "x"}},
			"negative size": {{Source: "x", Size: -1}},
		} {
			_, err := db.Ingest(ctx, o.webchat, redazione.Inbound{ExternalID: "m-" + name, ContactID: "c-1", Text: "ciao", Attachments: as})
			wantCode(t, err, redazione.EINVALID)
		}
		for _, table := range []string{"messages", "attachments", "contacts"} {
			if n := count(t, db, table); n != 0 {
				t.Errorf("%s rows = %d after refused messages", table, n)
			}
		}
	})
}

func TestReplyAttachments(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "roma")
		res, err := db.Ingest(ctx, o.webchat, redazione.Inbound{ExternalID: "m-1", ContactID: "c-1", Text: "Mi mandate la mappa?"})
		if err != nil {
			t.Fatal(err)
		}
		key := strings.Repeat("ef", 32)
		m, err := db.AddMessage(ctx, o.as(o.mario), res.ConversationID, store.Outgoing{Text: "Eccola.",
			Attachments: []redazione.InboundAttachment{{Name: "mappa.png", ContentType: "image/png", Size: 2048, BlobKey: key}}})
		if err != nil {
			t.Fatal(err)
		}
		// The delivery job reads the reply with its file.
		got, err := db.Message(ctx, o.ente.ID, m.ID)
		if err != nil || len(got.Attachments) != 1 || got.Attachments[0].BlobKey != key || got.Attachments[0].Status != redazione.AttachmentStored ||
			got.Attachments[0].Name != "mappa.png" {
			t.Fatalf("Message = %+v, %v", got, err)
		}
		if left, _ := db.PendingAttachments(ctx, 10); len(left) != 0 {
			t.Errorf("a reply's file is pending: %v", left)
		}

		// A file that is not in the blob store, or a bad name: nothing stored.
		before := count(t, db, "messages")
		for name, as := range map[string][]redazione.InboundAttachment{
			"not stored":  {{Name: "x.png", Source: "file-id"}},
			"NUL in name": {{Name: "a\x00b", BlobKey: key}},
		} {
			_, err := db.AddMessage(ctx, o.as(o.mario), res.ConversationID, store.Outgoing{Text: "x", Attachments: as})
			if redazione.ErrorCode(err) != redazione.EINVALID {
				t.Errorf("%s: %v, want EINVALID", name, err)
			}
		}
		if n := count(t, db, "messages"); n != before {
			t.Errorf("refused replies stored %d messages", n-before)
		}
		if n := count(t, db, "attachments"); n != 1 {
			t.Errorf("%d attachments, want the one of the reply", n)
		}
	})
}

func TestContactAttachment(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "roma")
		res, err := db.Ingest(ctx, o.webchat, redazione.Inbound{ExternalID: "m-1", ContactID: "c-1", Text: "Il modulo?"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Ingest(ctx, o.webchat, redazione.Inbound{ExternalID: "m-2", ContactID: "c-2", Text: "Altro visitatore"}); err != nil {
			t.Fatal(err)
		}
		file := []redazione.InboundAttachment{{Name: "modulo.pdf", ContentType: "application/pdf", Size: 10, BlobKey: strings.Repeat("ab", 32)}}
		reply, err := db.AddMessage(ctx, o.as(o.mario), res.ConversationID, store.Outgoing{Text: "Eccolo.", Sent: true, Attachments: file})
		if err != nil {
			t.Fatal(err)
		}
		note, err := db.AddMessage(ctx, o.as(o.mario), res.ConversationID, store.Outgoing{Text: "Copia interna", Note: true, Attachments: file})
		if err != nil {
			t.Fatal(err)
		}
		_, thread, err := db.ContactThread(ctx, o.webchat.ID, "c-1", 50)
		if err != nil || len(thread) != 2 || len(thread[1].Attachments) != 1 || thread[1].ID != reply.ID {
			t.Fatalf("ContactThread = %+v, %v", thread, err)
		}
		id := thread[1].Attachments[0].ID
		if a, err := db.ContactAttachment(ctx, o.webchat.ID, "c-1", id); err != nil || a.Name != "modulo.pdf" {
			t.Fatalf("ContactAttachment = %+v, %v", a, err)
		}
		_, err = db.ContactAttachment(ctx, o.webchat.ID, "c-2", id)
		wantCode(t, err, redazione.ENOTFOUND)
		_, err = db.ContactAttachment(ctx, o.api.ID, "c-1", id)
		wantCode(t, err, redazione.ENOTFOUND)
		ms, _ := db.Messages(ctx, o.as(o.mario), res.ConversationID, 0)
		for _, m := range ms {
			if m.ID == note.ID {
				_, err = db.ContactAttachment(ctx, o.webchat.ID, "c-1", m.Attachments[0].ID)
				wantCode(t, err, redazione.ENOTFOUND)
			}
		}
	})
}
