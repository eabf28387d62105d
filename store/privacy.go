package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/redazione/redazione"
)

// GDPR: the citizen's right of access and portability (art. 15, 20: an
// export of everything about them), their right to erasure (art. 17), and
// storage limitation (art. 5(1)(e): the messages of resolved conversations
// are erased after the ente's retention period).
//
// Erasing a conversation removes its messages with everything they carry
// (files, earlier versions, e-mail parts, PEC receipts, flags, search
// entries, notifications) and the comment of its survey; the conversation
// row stays, without content, so the reports keep counting it. Erasing a
// contact also removes their name and platform identity. The registro degli
// accessi keeps its requesters: it is a legal obligation (art. 17(3)(b)).

// MaxRetentionMonths bounds the retention period an administrator may set.
const MaxRetentionMonths = 120

// Erased says what an erasure removed.
type Erased struct {
	Contacts, Conversations, Messages, Attachments int
	// Blobs are the stored files no message refers to any more: the caller
	// removes them from the blob store.
	Blobs []string
	// ScrubError says why the erased data could not be made unreadable in
	// the database's files at once (the erasure itself is done); the
	// caller logs it.
	ScrubError string
}

func (e *Erased) add(o Erased) {
	e.Contacts += o.Contacts
	e.Conversations += o.Conversations
	e.Messages += o.Messages
	e.Attachments += o.Attachments
	e.Blobs = append(e.Blobs, o.Blobs...)
}

func (e *Erased) String() string {
	return fmt.Sprintf("contatti=%d conversazioni=%d messaggi=%d file=%d", e.Contacts, e.Conversations, e.Messages, e.Attachments)
}

// eraseConversations erases the content of conversations of an ente, in tx.
func (db *DB) eraseConversations(ctx context.Context, tx conn, enteID int64, ids []int64, now time.Time) (Erased, error) {
	var out Erased
	for len(ids) > 0 {
		n := min(len(ids), 200)
		chunk := ids[:n]
		ids = ids[n:]
		in := "(" + placeholders(n) + ")"
		args := append([]any{enteID}, anys(chunk)...)
		msgs := "SELECT id FROM messages WHERE ente_id = ? AND conversation_id IN " + in
		keys := map[string]bool{}
		rows, err := tx.query(ctx, "SELECT blob_key FROM attachments WHERE blob_key <> '' AND message_id IN ("+msgs+")", args...)
		if err != nil {
			return out, fmt.Errorf("erase: files: %w", err)
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return out, err
			}
			keys[k] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return out, err
		}
		count := func(q string) (int, error) {
			var c int
			err := tx.row(ctx, q, args...).Scan(&c)
			return c, err
		}
		nm, err := count("SELECT COUNT(*) FROM messages WHERE ente_id = ? AND conversation_id IN " + in)
		if err != nil {
			return out, err
		}
		na, err := count("SELECT COUNT(*) FROM attachments WHERE message_id IN (" + msgs + ")")
		if err != nil {
			return out, err
		}
		out.Messages += nm
		out.Attachments += na
		if err := db.buryMessages(ctx, tx, msgs, now, args...); err != nil {
			return out, fmt.Errorf("erase: %w", err)
		}
		if err := db.d.unindexMessages(ctx, tx, msgs, args...); err != nil {
			return out, fmt.Errorf("erase: %w", err)
		}
		stmts := []string{
			"DELETE FROM attachments WHERE message_id IN (" + msgs + ")",
			"DELETE FROM message_versions WHERE message_id IN (" + msgs + ")",
			"DELETE FROM email_parts WHERE message_id IN (" + msgs + ")",
			"DELETE FROM pec_receipts WHERE message_id IN (" + msgs + ")",
			"DELETE FROM appio_messages WHERE message_id IN (" + msgs + ")",
			"DELETE FROM messages WHERE ente_id = ? AND conversation_id IN " + in,
			"DELETE FROM conversation_flags WHERE ente_id = ? AND conversation_id IN " + in,
			"DELETE FROM notifications WHERE ente_id = ? AND conversation_id IN " + in,
			"DELETE FROM mentions WHERE ente_id = ? AND conversation_id IN " + in,
			"UPDATE surveys SET comment = '' WHERE ente_id = ? AND conversation_id IN " + in,
			"UPDATE service_requests SET first_name = '', last_name = '', email = '', phone = '', device_id = '', account_id = '', fiscal_code = NULL, appio_notify = false WHERE ente_id = ? AND conversation_id IN " + in,
		}
		for _, q := range stmts {
			if _, err := tx.exec(ctx, q, args...); err != nil {
				return out, fmt.Errorf("erase: %w", err)
			}
		}
		res, err := tx.exec(ctx, "UPDATE conversations SET erased_at = ? WHERE erased_at = 0 AND ente_id = ? AND id IN "+in,
			append([]any{ms(now)}, args...)...)
		if err != nil {
			return out, fmt.Errorf("erase: %w", err)
		}
		c, _ := res.RowsAffected()
		out.Conversations += int(c)
		for k := range keys {
			used, err := blobInUse(ctx, tx, k)
			if err != nil {
				return out, err
			}
			if !used {
				out.Blobs = append(out.Blobs, k)
			}
		}
	}
	return out, nil
}

// eraseContacts removes the identity of contacts: their name and platform
// id (a new message from them starts afresh), and their search entry.
func (db *DB) eraseContacts(ctx context.Context, tx conn, enteID int64, ids []int64, now time.Time) (int, error) {
	n := 0
	for _, id := range ids {
		res, err := tx.exec(ctx, "UPDATE contacts SET name = '', external_id = ?, person_id = 0, erased_at = ? WHERE id = ? AND ente_id = ? AND erased_at = 0",
			fmt.Sprintf("cancellato-%d", id), ms(now), id, enteID)
		if err != nil {
			return n, fmt.Errorf("erase contact: %w", err)
		}
		if c, _ := res.RowsAffected(); c > 0 {
			n++
		}
		if err := db.d.unindexContact(ctx, tx, id); err != nil {
			return n, err
		}
	}
	return n, nil
}

// personContacts returns the contacts of the citizen behind contactID: all
// those merged with it, or it alone.
func personContacts(ctx context.Context, c conn, enteID, contactID int64) ([]int64, error) {
	var person int64
	err := c.row(ctx, "SELECT CASE WHEN person_id <> 0 THEN person_id ELSE id END FROM contacts WHERE id = ? AND ente_id = ?", contactID, enteID).Scan(&person)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("contatto")
	}
	if err != nil {
		return nil, err
	}
	return ids(ctx, c, "SELECT id FROM contacts WHERE ente_id = ? AND (id = ? OR person_id = ?) ORDER BY id", enteID, person, person)
}

// EraseContact erases, on the citizen's request (art. 17), everything about
// the citizen behind a contact: every conversation of every contact merged
// with it, and the contacts' identity. Administrators only.
func (db *DB) EraseContact(ctx context.Context, a redazione.Actor, contactID int64) (*Erased, error) {
	if !a.CanAdmin() {
		return nil, redazione.Errorf(redazione.EFORBIDDEN, "la cancellazione dei dati di un cittadino spetta agli amministratori")
	}
	now := db.now()
	var out Erased
	err := db.inTx(ctx, func(tx conn) error {
		out = Erased{}
		contacts, err := personContacts(ctx, tx, a.EnteID, contactID)
		if err != nil {
			return err
		}
		in := placeholders(len(contacts))
		args := append([]any{a.EnteID}, anys(contacts)...)
		convs, err := ids(ctx, tx, "SELECT id FROM conversations WHERE ente_id = ? AND contact_id IN ("+in+") ORDER BY id", args...)
		if err != nil {
			return err
		}
		if out, err = db.eraseConversations(ctx, tx, a.EnteID, convs, now); err != nil {
			return err
		}
		// Open conversations of an erased citizen have nothing left to answer.
		if _, err := tx.exec(ctx, "UPDATE conversations SET status = 'resolved', waiting_since = 0, "+snoozeSet(0)+" WHERE ente_id = ? AND contact_id IN ("+in+")", args...); err != nil {
			return err
		}
		if out.Contacts, err = db.eraseContacts(ctx, tx, a.EnteID, contacts, now); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "contact.erase",
			Target: fmt.Sprint(contactID), Detail: out.String()})
	})
	if err != nil {
		return nil, err
	}
	if err := db.scrub(ctx); err != nil {
		out.ScrubError = err.Error()
	}
	return &out, nil
}

// Retention returns the ente's retention period in months (0: no limit).
func (db *DB) Retention(ctx context.Context, enteID int64) (int, error) {
	var m int
	err := db.reader().row(ctx, "SELECT retention_months FROM entes WHERE id = ?", enteID).Scan(&m)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound("ente")
	}
	return m, err
}

// SetRetention sets how many months the messages of resolved conversations
// are kept (0: no limit); administrators only.
func (db *DB) SetRetention(ctx context.Context, a redazione.Actor, months int) error {
	if !a.CanAdmin() {
		return redazione.Errorf(redazione.EFORBIDDEN, "la conservazione dei dati la decidono gli amministratori")
	}
	if months < 0 || months > MaxRetentionMonths {
		return redazione.FieldError("months", "indica da 0 (nessun limite) a %d mesi", MaxRetentionMonths)
	}
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		if _, err := tx.exec(ctx, "UPDATE entes SET retention_months = ? WHERE id = ?", months, a.EnteID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "retention.set", Detail: fmt.Sprintf("mesi=%d", months)})
	})
}

// retentionBatch bounds the conversations one pass erases per ente, so a
// first run on a large archive does not hold the writer for long.
const retentionBatch = 500

// ApplyRetention erases the messages of the resolved conversations whose
// last message is older than their ente's retention period, and the
// identity of contacts left with nothing but erased conversations. It does
// at most retentionBatch conversations per ente per call; it returns what
// it erased.
func (db *DB) ApplyRetention(ctx context.Context) (*Erased, error) {
	now := db.now()
	type ente struct {
		id     int64
		months int
	}
	rows, err := db.reader().query(ctx, "SELECT id, retention_months FROM entes WHERE retention_months > 0 ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("retention: %w", err)
	}
	var enti []ente
	for rows.Next() {
		var e ente
		if err := rows.Scan(&e.id, &e.months); err != nil {
			rows.Close()
			return nil, err
		}
		enti = append(enti, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var total Erased
	for _, e := range enti {
		cutoff := now.AddDate(0, -e.months, 0)
		convs, err := ids(ctx, db.reader(), `SELECT id FROM conversations WHERE ente_id = ? AND status = 'resolved' AND erased_at = 0
		 AND last_message_at < ? ORDER BY last_message_at LIMIT ?`, e.id, ms(cutoff), retentionBatch)
		if err != nil {
			return &total, fmt.Errorf("retention: %w", err)
		}
		if len(convs) == 0 {
			continue
		}
		var done Erased // what this ente's transaction erased, once committed
		err = db.inTx(ctx, func(tx conn) error {
			// Re-read inside the transaction: a citizen may have written since.
			args := append([]any{e.id, ms(cutoff)}, anys(convs)...)
			still, err := ids(ctx, tx, `SELECT id FROM conversations WHERE ente_id = ? AND status = 'resolved' AND erased_at = 0
			 AND last_message_at < ? AND id IN (`+placeholders(len(convs))+`)`, args...)
			if err != nil {
				return err
			}
			out, err := db.eraseConversations(ctx, tx, e.id, still, now)
			if err != nil {
				return err
			}
			// Their contacts left with only erased conversations lose their identity too.
			var contacts []int64
			if len(still) > 0 {
				cargs := append([]any{e.id}, anys(still)...)
				contacts, err = ids(ctx, tx, `SELECT ct.id FROM contacts ct WHERE ct.ente_id = ? AND ct.erased_at = 0
				 AND ct.id IN (SELECT contact_id FROM conversations WHERE id IN (`+placeholders(len(still))+`))
				 AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.contact_id = ct.id AND c.erased_at = 0)`, cargs...)
				if err != nil {
					return err
				}
			}
			if out.Contacts, err = db.eraseContacts(ctx, tx, e.id, contacts, now); err != nil {
				return err
			}
			done = out
			return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: e.id, Action: "retention.apply",
				Detail: fmt.Sprintf("mesi=%d %s", e.months, out.String())})
		})
		if err != nil {
			// Rolled back: none of its files may go.
			return &total, fmt.Errorf("retention of ente %d: %w", e.id, err)
		}
		total.add(done)
	}
	if err := db.pruneTombstones(ctx); err != nil {
		return &total, fmt.Errorf("retention: %w", err)
	}
	if total.Messages+total.Contacts > 0 {
		if err := db.scrub(ctx); err != nil {
			total.ScrubError = err.Error()
		}
	}
	return &total, nil
}

// PersonExport is everything the ente keeps about a citizen, as the
// citizen may ask for it (art. 15, 20): their contacts on every channel,
// their conversations with the messages exchanged (files listed; their
// content is added by the caller), and their access requests. Internal
// notes are the office's working papers and are not included.
type PersonExport struct {
	Ente           string                `json:"ente"`
	ExportedAt     time.Time             `json:"exported_at"`
	Contacts       []ExportContact       `json:"contacts"`
	Conversations  []ExportConversation  `json:"conversations"`
	AccessRequests []ExportAccessRequest `json:"access_requests"`
	Reports        []ExportReport        `json:"reports"`
}

// ExportReport is a citizen's report filed from their conversations.
type ExportReport struct {
	Number      int64     `json:"number"`
	Service     string    `json:"service"`
	Status      string    `json:"status"`
	StatusNotes string    `json:"status_notes,omitempty"`
	Description string    `json:"description"`
	Address     string    `json:"address,omitempty"`
	RequestedAt time.Time `json:"requested_at"`
	FiscalCode  string    `json:"fiscal_code,omitempty"`
}

// ExportContact is the citizen on one channel.
type ExportContact struct {
	Channel    string    `json:"channel"`
	Kind       string    `json:"channel_kind"`
	ExternalID string    `json:"platform_id"`
	Name       string    `json:"name"`
	FirstSeen  time.Time `json:"first_seen"`
}

// ExportConversation is one conversation with its messages.
type ExportConversation struct {
	ID        int64           `json:"id"`
	Channel   string          `json:"channel"`
	Status    string          `json:"status"`
	CreatedAt time.Time       `json:"created_at"`
	ErasedAt  *time.Time      `json:"erased_at,omitempty"`
	Messages  []ExportMessage `json:"messages"`
}

// ExportMessage is one message: from the citizen ("in") or the office ("out").
type ExportMessage struct {
	Direction string       `json:"direction"`
	Text      string       `json:"text"`
	SentAt    time.Time    `json:"sent_at"`
	EditedAt  *time.Time   `json:"edited_at,omitempty"`
	DeletedAt *time.Time   `json:"deleted_on_platform_at,omitempty"`
	Files     []ExportFile `json:"files,omitempty"`
}

// ExportFile is a file of a message; Path is where it is in the archive.
type ExportFile struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	Path        string `json:"path,omitempty"`
	BlobKey     string `json:"-"`
}

// ExportAccessRequest is a request of the registro degli accessi.
type ExportAccessRequest struct {
	Number     string `json:"number"`
	Kind       string `json:"kind"`
	ReceivedOn string `json:"received_on"`
	Subject    string `json:"subject"`
	DueOn      string `json:"due_on"`
	Outcome    string `json:"outcome,omitempty"`
	DecidedOn  string `json:"decided_on,omitempty"`
	Reason     string `json:"reason,omitempty"`
	FiscalCode string `json:"fiscal_code,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// ExportPerson gathers the data of the citizen behind a contact, and of
// every contact merged with it. Administrators and coordinators only (the
// export crosses desks); it is recorded in the audit trail.
func (db *DB) ExportPerson(ctx context.Context, a redazione.Actor, contactID int64) (*PersonExport, error) {
	if a.Role != redazione.RoleAdmin && a.Role != redazione.RoleCoordinator {
		return nil, redazione.Errorf(redazione.EFORBIDDEN, "l'esportazione dei dati di un cittadino spetta a coordinatori e amministratori")
	}
	r := db.reader()
	contacts, err := personContacts(ctx, r, a.EnteID, contactID)
	if err != nil {
		return nil, err
	}
	e, err := db.Ente(ctx, a.EnteID)
	if err != nil {
		return nil, err
	}
	out := &PersonExport{Ente: e.Name, ExportedAt: db.now().UTC().Truncate(time.Second),
		Contacts: []ExportContact{}, Conversations: []ExportConversation{}, AccessRequests: []ExportAccessRequest{}, Reports: []ExportReport{}}
	in := placeholders(len(contacts))
	args := append([]any{a.EnteID}, anys(contacts)...)
	cs, err := queryAll(ctx, r, func(s scanner) (ExportContact, error) {
		var c ExportContact
		var created int64
		err := s.Scan(&c.Channel, &c.Kind, &c.ExternalID, &c.Name, &created)
		c.FirstSeen = tm(created)
		return c, err
	}, `SELECT ch.name, ch.kind, ct.external_id, ct.name, ct.created_at FROM contacts ct JOIN channels ch ON ch.id = ct.channel_id
	 WHERE ct.ente_id = ? AND ct.id IN (`+in+`) AND ct.erased_at = 0 ORDER BY ct.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("export contacts: %w", err)
	}
	out.Contacts = append(out.Contacts, cs...)
	convs, err := ids(ctx, r, "SELECT id FROM conversations WHERE ente_id = ? AND contact_id IN ("+in+") ORDER BY id", args...)
	if err != nil {
		return nil, err
	}
	sys := redazione.SystemActor(a.EnteID)
	for _, id := range convs {
		c, err := db.Conversation(ctx, sys, id)
		if err != nil {
			return nil, err
		}
		msgs, err := db.messages(ctx, a.EnteID, id, 100000, false)
		if err != nil {
			return nil, err
		}
		ec := ExportConversation{ID: id, Channel: c.ChannelName, Status: string(c.Status), CreatedAt: c.CreatedAt, ErasedAt: timePtr(c.ErasedAt), Messages: []ExportMessage{}}
		for _, m := range msgs {
			em := ExportMessage{Direction: string(m.Direction), Text: m.Text, SentAt: m.SentAt, EditedAt: timePtr(m.EditedAt), DeletedAt: timePtr(m.DeletedAt)}
			if em.SentAt.IsZero() {
				em.SentAt = m.CreatedAt
			}
			for _, f := range m.Attachments {
				em.Files = append(em.Files, ExportFile{Name: f.Name, ContentType: f.ContentType, Size: f.Size, BlobKey: f.BlobKey})
			}
			ec.Messages = append(ec.Messages, em)
		}
		out.Conversations = append(out.Conversations, ec)
	}
	if len(convs) > 0 {
		cargs := append([]any{a.EnteID}, anys(convs)...)
		rs, err := queryAll(ctx, r, scanAccess, "SELECT "+accessColumns+" FROM access_requests WHERE ente_id = ? AND conversation_id IN ("+placeholders(len(convs))+") ORDER BY id", cargs...)
		if err != nil {
			return nil, fmt.Errorf("export access requests: %w", err)
		}
		for _, x := range rs {
			out.AccessRequests = append(out.AccessRequests, ExportAccessRequest{Number: x.Number(), Kind: x.Kind, ReceivedOn: x.ReceivedOn,
				Subject: x.Subject, DueOn: x.DueOn, Outcome: x.Outcome, DecidedOn: x.DecidedOn, Reason: x.Reason, FiscalCode: x.FiscalCode})
		}
		reports, err := queryAll(ctx, r, scanServiceRequest, "SELECT "+serviceRequestColumns+" WHERE r.ente_id = ? AND r.conversation_id IN ("+placeholders(len(convs))+") ORDER BY r.id", cargs...)
		if err != nil {
			return nil, fmt.Errorf("export reports: %w", err)
		}
		for _, x := range reports {
			out.Reports = append(out.Reports, ExportReport{Number: x.ID, Service: x.ServiceName, Status: x.Status, StatusNotes: x.StatusNotes,
				Description: x.Description, Address: x.Address, RequestedAt: x.RequestedAt, FiscalCode: x.FiscalCode})
		}
	}
	if err := db.Audit(ctx, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "contact.export", Target: fmt.Sprint(contactID),
		Detail: fmt.Sprintf("conversazioni=%d", len(out.Conversations))}); err != nil {
		return nil, err
	}
	return out, nil
}
