package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/redazione/redazione"
)

func insertEmailPart(ctx context.Context, tx conn, m *redazione.Message, p *redazione.EmailPart) error {
	_, err := tx.exec(ctx, `INSERT INTO email_parts (message_id, ente_id, subject, html, pec, refs) VALUES (?, ?, ?, ?, ?, ?)
	 ON CONFLICT (message_id) DO UPDATE SET subject = excluded.subject, html = excluded.html, pec = excluded.pec, refs = excluded.refs`,
		m.ID, m.EnteID, p.Subject, p.HTML, p.PEC, strings.Join(p.References, " "))
	if err != nil {
		return fmt.Errorf("insert e-mail part: %w", err)
	}
	return nil
}

// thread finds, among the conversations of a contact, the one holding a
// message with one of the external ids refs (an e-mail's In-Reply-To and
// References), and loads it into res, status and waiting. It reports
// whether it found one.
func (db *DB) thread(ctx context.Context, tx conn, channelID, contactID int64, refs []string, res *redazione.Ingested, status *string, waiting *int64) (bool, error) {
	args := []any{channelID, contactID}
	for _, r := range refs {
		args = append(args, r)
	}
	var conv int64
	err := tx.row(ctx, `SELECT m.conversation_id FROM messages m JOIN conversations c ON c.id = m.conversation_id
	 WHERE m.channel_id = ? AND c.contact_id = ? AND m.external_id IN (`+placeholders(len(refs))+`) AND m.external_id <> ''
	 ORDER BY m.id DESC LIMIT 1`, args...).Scan(&conv)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("e-mail thread: %w", err)
	}
	if conv == res.ConversationID {
		return true, nil
	}
	res.ConversationID = conv
	err = tx.row(ctx, "SELECT desk_id, assignee_id, status, waiting_since FROM conversations WHERE id = ?", conv).
		Scan(&res.DeskID, &res.AssigneeID, status, waiting)
	if err != nil {
		return false, fmt.Errorf("e-mail thread: %w", err)
	}
	return true, nil
}

// EmailParts returns the e-mail parts of the given messages of an ente, by
// message id.
func (db *DB) EmailParts(ctx context.Context, enteID int64, ids []int64) (map[int64]*redazione.EmailPart, error) {
	out := map[int64]*redazione.EmailPart{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{enteID}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := db.reader().query(ctx, "SELECT message_id, subject, html, pec, refs FROM email_parts WHERE ente_id = ? AND message_id IN ("+placeholders(len(ids))+")", args...)
	if err != nil {
		return nil, fmt.Errorf("e-mail parts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var p redazione.EmailPart
		var refs string
		if err := rows.Scan(&id, &p.Subject, &p.HTML, &p.PEC, &refs); err != nil {
			return nil, err
		}
		p.References = strings.Fields(refs)
		out[id] = &p
	}
	return out, rows.Err()
}

// EmailHTML returns the sanitised HTML of one message the actor may see.
func (db *DB) EmailHTML(ctx context.Context, a redazione.Actor, conversationID, messageID int64) (string, error) {
	if _, err := db.Conversation(ctx, a, conversationID); err != nil {
		return "", err
	}
	var html string
	err := db.reader().row(ctx, `SELECT e.html FROM email_parts e JOIN messages m ON m.id = e.message_id
	 WHERE e.message_id = ? AND m.conversation_id = ? AND m.ente_id = ?`, messageID, conversationID, a.EnteID).Scan(&html)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && html == "") {
		return "", notFound("messaggio HTML")
	}
	return html, err
}

// LastInboundEmail returns the citizen's latest e-mail in a conversation;
// it is not found when the citizen has not written by e-mail.
func (db *DB) LastInboundEmail(ctx context.Context, convID int64) (*redazione.EmailReplyTo, error) {
	var r redazione.EmailReplyTo
	var refs string
	err := db.reader().row(ctx, `SELECT m.external_id, e.subject, e.refs FROM messages m JOIN email_parts e ON e.message_id = m.id
	 WHERE m.conversation_id = ? AND m.direction = 'in' ORDER BY m.id DESC LIMIT 1`, convID).Scan(&r.MessageID, &r.Subject, &refs)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("e-mail del cittadino")
	}
	if err != nil {
		return nil, fmt.Errorf("last e-mail: %w", err)
	}
	r.References = strings.Fields(refs)
	return &r, nil
}

// SetEmailSent records, before an e-mail reply leaves, the Message-ID it
// goes out with (its external id, so the citizen's answer threads back) and
// its subject and references. Done again on a retry, it changes nothing.
func (db *DB) SetEmailSent(ctx context.Context, m *redazione.Message, messageID string, p *redazione.EmailPart) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx conn) error {
		if err := tx.execOne(ctx, "messaggio", "UPDATE messages SET external_id = ? WHERE id = ? AND ente_id = ? AND direction = 'out'",
			messageID, m.ID, m.EnteID); err != nil {
			return err
		}
		return insertEmailPart(ctx, tx, m, p)
	})
}

// AddPECReceipt links a PEC receipt to the office's message it acknowledges.
// It returns that message; a receipt stored before is not stored again
// (duplicate true), and one about no message of the channel is not found.
func (db *DB) AddPECReceipt(ctx context.Context, ch *redazione.Channel, r redazione.PECReceipt) (msg *redazione.Message, duplicate bool, err error) {
	switch {
	case !redazione.ReceiptKindValid(r.Kind):
		return nil, false, redazione.FieldError("kind", "tipo di ricevuta PEC sconosciuto: %q", r.Kind)
	case r.ExternalID == "" || r.Refers == "":
		return nil, false, redazione.FieldError("external_id", "ricevuta senza Message-ID o senza riferimento")
	case len(r.ExternalID) > 255 || len(r.Refers) > 255:
		return nil, false, redazione.FieldError("external_id", "identificativo troppo lungo (massimo 255 byte)")
	case !utf8.ValidString(r.ExternalID+r.Refers+r.Reason) || strings.ContainsRune(r.ExternalID+r.Refers+r.Reason, 0):
		return nil, false, redazione.FieldError("reason", "ricevuta non UTF-8")
	}
	if len(r.Reason) > 500 {
		r.Reason = r.Reason[:500]
	}
	if r.At.IsZero() {
		r.At = db.now()
	}
	var m redazione.Message
	err = db.inTx(ctx, func(tx conn) error {
		err := tx.row(ctx, "SELECT id, ente_id, conversation_id FROM messages WHERE channel_id = ? AND external_id = ? AND direction = 'out'",
			ch.ID, r.Refers).Scan(&m.ID, &m.EnteID, &m.ConversationID)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("messaggio della ricevuta")
		}
		if err != nil {
			return fmt.Errorf("receipt: %w", err)
		}
		var n int
		if err := tx.row(ctx, "SELECT COUNT(*) FROM pec_receipts WHERE channel_id = ? AND external_id = ?", ch.ID, r.ExternalID).Scan(&n); err != nil {
			return fmt.Errorf("receipt: %w", err)
		}
		if n > 0 {
			duplicate = true
			return nil
		}
		_, err = tx.exec(ctx, "INSERT INTO pec_receipts (ente_id, channel_id, message_id, kind, reason, external_id, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			m.EnteID, ch.ID, m.ID, r.Kind, r.Reason, r.ExternalID, ms(r.At))
		if err != nil {
			return fmt.Errorf("insert receipt: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return &m, duplicate, nil
}

// PECReceipts returns the PEC receipts of the given messages of an ente,
// oldest first, by message id.
func (db *DB) PECReceipts(ctx context.Context, enteID int64, ids []int64) (map[int64][]redazione.PECReceipt, error) {
	out := map[int64][]redazione.PECReceipt{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{enteID}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := db.reader().query(ctx, "SELECT message_id, kind, reason, received_at FROM pec_receipts WHERE ente_id = ? AND message_id IN ("+placeholders(len(ids))+") ORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("receipts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, at int64
		var r redazione.PECReceipt
		if err := rows.Scan(&id, &r.Kind, &r.Reason, &at); err != nil {
			return nil, err
		}
		r.At = tm(at)
		out[id] = append(out[id], r)
	}
	return out, rows.Err()
}

// MailboxState returns what an e-mail channel's poller has fetched: the
// mailbox's UIDVALIDITY and the last UID stored (zeros at first).
func (db *DB) MailboxState(ctx context.Context, channelID int64) (uidValidity, lastUID uint32, err error) {
	var v, u int64
	err = db.reader().row(ctx, "SELECT uid_validity, last_uid FROM email_mailboxes WHERE channel_id = ?", channelID).Scan(&v, &u)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("mailbox state: %w", err)
	}
	return uint32(v), uint32(u), nil
}

// SaveMailboxState records what an e-mail channel's poller has fetched.
func (db *DB) SaveMailboxState(ctx context.Context, channelID int64, uidValidity, lastUID uint32) error {
	_, err := conn{db: db, q: db.write}.exec(ctx, `INSERT INTO email_mailboxes (channel_id, uid_validity, last_uid) VALUES (?, ?, ?)
	 ON CONFLICT (channel_id) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid`,
		channelID, int64(uidValidity), int64(lastUID))
	if err != nil {
		return fmt.Errorf("save mailbox state: %w", err)
	}
	return nil
}
