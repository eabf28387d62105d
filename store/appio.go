package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/codicefiscale"
)

// App IO: a message to a citizen on App IO is an outgoing message of their
// App IO conversation, whose contact's external id is their codice fiscale
// (so that erasure and export find it with the citizen's other contacts,
// to which it is joined). Its subject, due date and origin are kept beside
// it in appio_messages.

// AppIOSend is a message to a citizen on App IO, checked by the caller.
type AppIOSend struct {
	ChannelID         int64
	FiscalCode        codicefiscale.Code
	Name              string // the citizen's name, when known
	Subject, Markdown string
	DueDate           time.Time // zero: none
	// Origin is the page it was sent from: conversation:ID, access:ID or report:ID.
	Origin string
	// DeskID is the desk of the App IO conversation, when it is new.
	DeskID int64
	// PersonOf is a contact of the same citizen (the conversation's) the
	// App IO contact is joined to; 0 when none.
	PersonOf  int64
	Automatic bool
}

// AppIOMessage is an App IO message as the pages list it.
type AppIOMessage struct {
	MessageID, ConversationID  int64
	ChannelName, Subject, Text string
	AuthorName                 string
	DueDate                    time.Time
	Origin                     string
	Automatic                  bool
	Delivery                   redazione.Delivery
	DeliveryError, IOStatus    string
	CreatedAt                  time.Time
}

// Origin names the page an App IO message was sent from.
func Origin(kind string, id int64) string { return fmt.Sprintf("%s:%d", kind, id) }

// SendAppIO stores an App IO message, queued for delivery, in the
// citizen's App IO conversation (made when it is their first), and records
// it in the audit trail.
func (db *DB) SendAppIO(ctx context.Context, a redazione.Actor, in AppIOSend) (*redazione.Message, *redazione.Conversation, error) {
	if !a.CanWrite() {
		return nil, nil, redazione.Errorf(redazione.EFORBIDDEN, "il ruolo di analista è di sola lettura")
	}
	ch, err := db.Channel(ctx, in.ChannelID)
	if err != nil || ch.EnteID != a.EnteID || ch.Kind != redazione.ChannelAppIO || ch.Disabled {
		return nil, nil, redazione.FieldError("channel", "canale App IO sconosciuto o disattivato")
	}
	if len(in.FiscalCode) != 16 {
		return nil, nil, redazione.FieldError("fiscal_code", "manca il codice fiscale")
	}
	cf := in.FiscalCode.String()
	now := db.now().UTC().Truncate(time.Millisecond)
	m := &redazione.Message{EnteID: a.EnteID, Direction: redazione.DirOut, AuthorID: a.UserID, Text: in.Markdown, SentAt: now, CreatedAt: now, Delivery: redazione.DeliveryQueued}
	var conv int64
	err = db.inTx(ctx, func(tx conn) error {
		if err := db.d.lockContact(ctx, tx, cf, ch.ID); err != nil {
			return err
		}
		var contact int64
		err := tx.row(ctx, "SELECT id FROM contacts WHERE channel_id = ? AND external_id = ?", ch.ID, cf).Scan(&contact)
		if errors.Is(err, sql.ErrNoRows) {
			if contact, err = tx.insert(ctx, "INSERT INTO contacts (ente_id, channel_id, external_id, name, created_at) VALUES (?, ?, ?, ?, ?)",
				a.EnteID, ch.ID, cf, in.Name, ms(now)); err != nil {
				return fmt.Errorf("insert contact: %w", err)
			}
			if err := db.indexContact(ctx, tx, contact, in.Name, cf, false); err != nil {
				return err
			}
		} else if err != nil {
			return fmt.Errorf("contact: %w", err)
		}
		if in.PersonOf != 0 {
			// The same citizen: erasing or exporting them takes this contact too.
			person, err := db.person(ctx, tx, a.EnteID, in.PersonOf)
			if err != nil {
				return err
			}
			if _, err := tx.exec(ctx, `UPDATE contacts SET person_id = ? WHERE id = ? AND ente_id = ? AND person_id = 0 AND id <> ?
			 AND NOT EXISTS (SELECT 1 FROM contacts m WHERE m.person_id = ?)`, person, contact, a.EnteID, person, contact); err != nil {
				return err
			}
		}
		if err := tx.row(ctx, "SELECT COALESCE(MAX(id), 0) FROM conversations WHERE contact_id = ? AND erased_at = 0", contact).Scan(&conv); err != nil {
			return err
		}
		if conv == 0 {
			desk := in.DeskID
			if desk == 0 {
				desk = ch.DeskID
			}
			// Nothing to answer: IO's citizens cannot write back.
			if conv, err = tx.insert(ctx, "INSERT INTO conversations (ente_id, channel_id, contact_id, desk_id, status, public, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
				a.EnteID, ch.ID, contact, desk, string(redazione.StatusResolved), false, ms(now)); err != nil {
				return fmt.Errorf("insert conversation: %w", err)
			}
		}
		m.ConversationID = conv
		if m.ID, err = tx.insert(ctx, "INSERT INTO messages (ente_id, channel_id, conversation_id, direction, author_id, text, sent_at, created_at, delivery) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			m.EnteID, ch.ID, conv, string(m.Direction), m.AuthorID, m.Text, ms(now), ms(now), string(m.Delivery)); err != nil {
			return fmt.Errorf("insert message: %w", err)
		}
		if _, err := tx.exec(ctx, "UPDATE conversations SET last_message_at = ?, queue_key = ? WHERE id = ?", ms(now), queueKey(0, ms(now)), conv); err != nil {
			return err
		}
		var due int64
		if !in.DueDate.IsZero() {
			due = ms(in.DueDate)
		}
		if _, err := tx.exec(ctx, "INSERT INTO appio_messages (message_id, ente_id, subject, due_date, origin, automatic) VALUES (?, ?, ?, ?, ?, ?)",
			m.ID, a.EnteID, in.Subject, due, in.Origin, in.Automatic); err != nil {
			return fmt.Errorf("insert appio message: %w", err)
		}
		detail := fmt.Sprintf("%s messaggio=%d canale=%d cf=%s", in.Origin, m.ID, ch.ID, in.FiscalCode.Masked())
		if in.Automatic {
			detail += " automatico"
		}
		if err := appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "appio.send", Target: fmt.Sprint(conv), Detail: detail}); err != nil {
			return err
		}
		return db.index(ctx, tx, m.ID, a.EnteID, in.Subject+"\n"+m.Text)
	})
	if err != nil {
		return nil, nil, err
	}
	c, err := db.Conversation(ctx, redazione.SystemActor(a.EnteID), conv)
	if err != nil {
		return nil, nil, err
	}
	return m, c, nil
}

// AppIORefused records that a message was not sent because the citizen
// cannot get it (no IO, or the service turned off): nothing is stored but
// the audit entry.
func (db *DB) AppIORefused(ctx context.Context, a redazione.Actor, origin string, cf codicefiscale.Code, reason string) error {
	return db.Audit(ctx, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: "appio.refused", Target: origin,
		Detail: fmt.Sprintf("cf=%s %s", cf.Masked(), reason)})
}

// AppIOContent returns the subject and due date of an App IO message.
func (db *DB) AppIOContent(ctx context.Context, enteID, messageID int64) (string, time.Time, error) {
	var subject string
	var due int64
	err := db.reader().row(ctx, "SELECT subject, due_date FROM appio_messages WHERE message_id = ? AND ente_id = ?", messageID, enteID).Scan(&subject, &due)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, notFound("messaggio App IO")
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("appio content: %w", err)
	}
	if due == 0 {
		return subject, time.Time{}, nil
	}
	return subject, tm(due), nil
}

const appioColumns = `am.message_id, m.conversation_id, ch.name, am.subject, m.text, COALESCE(u.name, ''), am.due_date, am.origin, am.automatic,
 m.delivery, m.delivery_error, am.io_status, m.created_at
 FROM appio_messages am JOIN messages m ON m.id = am.message_id JOIN channels ch ON ch.id = m.channel_id LEFT JOIN users u ON u.id = m.author_id`

func scanAppIO(s scanner) (*AppIOMessage, error) {
	var x AppIOMessage
	var due, created int64
	var delivery string
	if err := s.Scan(&x.MessageID, &x.ConversationID, &x.ChannelName, &x.Subject, &x.Text, &x.AuthorName, &due, &x.Origin, &x.Automatic,
		&delivery, &x.DeliveryError, &x.IOStatus, &created); err != nil {
		return nil, err
	}
	if due != 0 {
		x.DueDate = tm(due)
	}
	x.Delivery, x.CreatedAt = redazione.Delivery(delivery), tm(created)
	return &x, nil
}

// AppIOMessages lists the App IO messages sent from a page (origin), the
// newest first. The caller has checked the actor may see that page.
func (db *DB) AppIOMessages(ctx context.Context, a redazione.Actor, origin string) ([]*AppIOMessage, error) {
	out, err := queryAll(ctx, db.reader(), scanAppIO, "SELECT "+appioColumns+" WHERE am.ente_id = ? AND am.origin = ? ORDER BY am.message_id DESC LIMIT 50", a.EnteID, origin)
	if err != nil {
		return nil, fmt.Errorf("appio messages: %w", err)
	}
	return out, nil
}

// AppIOSubjects returns the subjects of a conversation's App IO messages, by message.
func (db *DB) AppIOSubjects(ctx context.Context, enteID, convID int64) (map[int64]string, error) {
	rows, err := db.reader().query(ctx, "SELECT am.message_id, am.subject FROM appio_messages am JOIN messages m ON m.id = am.message_id WHERE m.conversation_id = ? AND am.ente_id = ?", convID, enteID)
	if err != nil {
		return nil, fmt.Errorf("appio subjects: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var s string
		if err := rows.Scan(&id, &s); err != nil {
			return nil, err
		}
		out[id] = s
	}
	return out, rows.Err()
}

// AppIOFiscalCode returns the codice fiscale of the citizen behind a
// contact, from their App IO contact ("" when they have none).
func (db *DB) AppIOFiscalCode(ctx context.Context, enteID, contactID int64) (string, error) {
	person, err := db.person(ctx, db.reader(), enteID, contactID)
	if err != nil {
		return "", err
	}
	var cf string
	err = db.reader().row(ctx, `SELECT ct.external_id FROM contacts ct JOIN channels ch ON ch.id = ct.channel_id
	 WHERE ct.ente_id = ? AND ch.kind = ? AND ct.erased_at = 0 AND (ct.id = ? OR ct.person_id = ?) ORDER BY ct.id DESC LIMIT 1`,
		enteID, string(redazione.ChannelAppIO), person, person).Scan(&cf)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return cf, err
}

// SetAppIOStatus records the outcome IO gave a message: delivered when IO
// processed it, failed (with the reason) when it rejected it or failed;
// any other status is only noted.
func (db *DB) SetAppIOStatus(ctx context.Context, enteID, messageID int64, status string, delivery redazione.Delivery, reason string) error {
	now := db.now()
	return db.inTx(ctx, func(tx conn) error {
		if err := tx.execOne(ctx, "messaggio App IO", "UPDATE appio_messages SET io_status = ?, checked_at = ? WHERE message_id = ? AND ente_id = ?",
			strings.ToUpper(status), ms(now), messageID, enteID); err != nil {
			return err
		}
		if delivery == redazione.DeliveryNone {
			return nil
		}
		_, err := tx.exec(ctx, "UPDATE messages SET delivery = ?, delivery_error = ? WHERE id = ? AND ente_id = ? AND delivery IN ('sent', 'delivered')",
			string(delivery), reason, messageID, enteID)
		return err
	})
}

// AppIOChannels returns the ente's App IO channels in use, by id.
func (db *DB) AppIOChannels(ctx context.Context, enteID int64) ([]*redazione.Channel, error) {
	return db.queryChannels(ctx, "ente_id = ? AND kind = ? AND disabled = false", enteID, string(redazione.ChannelAppIO))
}
