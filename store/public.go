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

// PrivateReply is a private message answering a public comment, stored in
// the citizen's private conversation on the same channel.
type PrivateReply struct {
	Message *redazione.Message
	// Conversation is the private conversation the exchange continues in.
	Conversation *redazione.Conversation
	// Public is the conversation of the comment it answers.
	Public *redazione.Conversation
}

// AddPrivateReply stores an operator's private answer to the citizen's
// latest comment in a public conversation, queued for delivery: in the
// citizen's open private conversation on the same channel, or a new one
// (same desk and assignee). The public conversation counts as answered, and
// gets a note pointing to the private one; the audit trail records it.
func (db *DB) AddPrivateReply(ctx context.Context, a redazione.Actor, publicID int64, text string) (*PrivateReply, error) {
	if !a.CanWrite() {
		return nil, redazione.Errorf(redazione.EFORBIDDEN, "il ruolo di analista è di sola lettura")
	}
	text, err := replyText(text)
	if err != nil {
		return nil, err
	}
	pub, err := db.Conversation(ctx, a, publicID)
	if err != nil {
		return nil, err
	}
	if !pub.Public {
		return nil, redazione.Errorf(redazione.EINVALID, "la conversazione è già privata")
	}
	commentID, err := db.LastInboundExternalID(ctx, pub.ID)
	if err != nil {
		return nil, err
	}
	if commentID == "" {
		return nil, redazione.Errorf(redazione.EINVALID, "nessun commento del cittadino a cui rispondere in privato")
	}
	now := db.now().UTC()
	res := &PrivateReply{Public: pub}
	m := &redazione.Message{EnteID: a.EnteID, Direction: redazione.DirOut, AuthorID: a.UserID, Text: text, SentAt: now, CreatedAt: now,
		Delivery: redazione.DeliveryQueued, PrivateReplyTo: commentID}
	var privID int64
	err = db.inTx(ctx, func(tx conn) error {
		// the same lock as ingest: one private conversation per citizen
		if err := db.d.lockContact(ctx, tx, pub.Contact.ExternalID, pub.ChannelID); err != nil {
			return fmt.Errorf("private reply lock: %w", err)
		}
		var status string
		err := tx.row(ctx, "SELECT id, status FROM conversations WHERE contact_id = ? AND public = ? ORDER BY id DESC LIMIT 1",
			pub.ContactID, false).Scan(&privID, &status)
		switch {
		case errors.Is(err, sql.ErrNoRows) || (err == nil && status == string(redazione.StatusResolved)):
			privID, err = tx.insert(ctx, `INSERT INTO conversations (ente_id, channel_id, contact_id, desk_id, status, assignee_id, public, created_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.EnteID, pub.ChannelID, pub.ContactID, pub.DeskID, string(redazione.StatusOpen), pub.AssigneeID, false, ms(now))
			if err != nil {
				return fmt.Errorf("insert conversation: %w", err)
			}
		case err != nil:
			return fmt.Errorf("private conversation: %w", err)
		}
		m.ConversationID = privID
		m.ID, err = tx.insert(ctx, `INSERT INTO messages (ente_id, channel_id, conversation_id, direction, author_id, text, sent_at, created_at, delivery, private_reply_to)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.EnteID, pub.ChannelID, privID, string(m.Direction), m.AuthorID, m.Text, ms(now), ms(now), string(m.Delivery), commentID)
		if err != nil {
			return fmt.Errorf("insert message: %w", err)
		}
		if _, err := tx.exec(ctx, "UPDATE conversations SET waiting_since = 0, last_message_at = ?, queue_key = ?"+keepShift+" WHERE id = ?",
			ms(now), queueKey(0, ms(now)), privID); err != nil {
			return err
		}
		// The public comment is answered, privately: its clock stops, and a
		// note says where the exchange went.
		noteText := fmt.Sprintf("Risposta inviata in privato: lo scambio continua nella conversazione privata n. %d.", privID)
		note, err := tx.insert(ctx, "INSERT INTO messages (ente_id, channel_id, conversation_id, direction, author_id, text, sent_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			a.EnteID, pub.ChannelID, pub.ID, string(redazione.DirNote), a.UserID, noteText, ms(now), ms(now))
		if err != nil {
			return fmt.Errorf("insert note: %w", err)
		}
		if _, err := tx.exec(ctx, "UPDATE conversations SET waiting_since = 0, last_message_at = ?, queue_key = ?"+keepShift+" WHERE id = ?",
			ms(now), queueKey(0, ms(now)), pub.ID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE conversations SET first_response_at = ?, sla_notified = 0,
		 sla_next_due = CASE WHEN status = ? THEN 0 ELSE resolution_due END WHERE id = ? AND first_response_at = 0`,
			ms(now), string(redazione.StatusResolved), pub.ID); err != nil {
			return err
		}
		if err := appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "conversation.private_reply",
			Target: fmt.Sprint(pub.ID), Detail: fmt.Sprintf("comment=%s private_conversation=%d message=%d", commentID, privID, m.ID)}); err != nil {
			return err
		}
		if err := db.index(ctx, tx, m.ID, a.EnteID, m.Text); err != nil {
			return err
		}
		return db.index(ctx, tx, note, a.EnteID, noteText)
	})
	if err != nil {
		return nil, err
	}
	res.Message = m
	if res.Conversation, err = db.Conversation(ctx, a, privID); err != nil {
		return nil, err
	}
	return res, nil
}

// SetHidden records that the office hid (or showed again) a citizen's
// public comment on the platform, in the audit trail too.
func (db *DB) SetHidden(ctx context.Context, a redazione.Actor, conversationID, messageID int64, hidden bool) error {
	if !a.CanWrite() {
		return redazione.Errorf(redazione.EFORBIDDEN, "il ruolo di analista è di sola lettura")
	}
	c, err := db.Conversation(ctx, a, conversationID)
	if err != nil {
		return err
	}
	action := "message.hide"
	if !hidden {
		action = "message.unhide"
	}
	return db.inTx(ctx, func(tx conn) error {
		if err := tx.execOne(ctx, "commento", "UPDATE messages SET hidden = ? WHERE id = ? AND conversation_id = ? AND ente_id = ? AND direction = 'in'",
			hidden, messageID, c.ID, a.EnteID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, db.now(), redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: action,
			Target: fmt.Sprint(c.ID), Detail: fmt.Sprint(messageID)})
	})
}

// replyText checks an operator's text and returns it trimmed.
func replyText(text string) (string, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return "", redazione.FieldError("text", "il messaggio è vuoto")
	case !utf8.ValidString(text):
		return "", redazione.FieldError("text", "il messaggio non è UTF-8 valido")
	case utf8.RuneCountInString(text) > redazione.MaxTextRunes:
		return "", redazione.FieldError("text", "il messaggio supera %d caratteri", redazione.MaxTextRunes)
	case strings.ContainsRune(text, 0):
		return "", redazione.FieldError("text", "il messaggio contiene caratteri non ammessi (NUL)")
	}
	return text, nil
}
