package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/search"
)

// inbound is a citizen's message with what is worked out before the write
// transaction: the search document (stemming is the costliest part of
// indexing) and the flags the detectors raise.
type inbound struct {
	redazione.Inbound
	doc      string
	flags    []pendingFlag
	declared time.Time // the sending time declared, when not plausible
	// tombstone is the message's erasure tombstone to look for, or "" if
	// none can exist (tombstoneToCheck).
	tombstone string
}

// How far a citizen's message's declared sending time may be from its
// receipt: platforms redeliver for a day or two, a poller may catch up
// after days; beyond, the time is not taken as it is.
const (
	MaxSentAtAge   = 30 * 24 * time.Hour
	MaxSentAtAhead = 5 * time.Minute
)

// Ingest stores a citizen's message on a channel in one transaction: dedupe
// by external id, contact, conversation (the contact's open or pending one, or
// a new one), message, search index.
func (db *DB) Ingest(ctx context.Context, ch *redazione.Channel, in redazione.Inbound) (*redazione.Ingested, error) {
	row, cfg, now, err := db.prepareIngest(ctx, ch, in)
	if err != nil {
		return nil, err
	}
	// Group commit (batch.go).
	return db.d.ingest(ctx, db, ch, row, cfg, now)
}

// prepareIngest validates a citizen's message and does, in the caller's
// goroutine, what needs no transaction.
func (db *DB) prepareIngest(ctx context.Context, ch *redazione.Channel, in redazione.Inbound) (inbound, *SLAConfig, time.Time, error) {
	if err := in.Validate(); err != nil {
		return inbound{}, nil, time.Time{}, err
	}
	now := db.now().UTC()
	var declared time.Time
	switch {
	case in.SentAt.IsZero():
		in.SentAt = now
	case in.SentAt.After(now.Add(MaxSentAtAhead)) || in.SentAt.Before(now.Add(-MaxSentAtAge)):
		// Not plausible (a wrong clock, a replay, a forged date): filed at
		// the time it came, the declared time kept beside it.
		declared, in.SentAt = in.SentAt, now
	}
	// Whether the message was erased is looked up in the transaction that
	// would store it (for a whole batch at once): its tombstone is made
	// here.
	tombstone, err := db.tombstoneToCheck(ch.ID, in.ExternalID)
	if err != nil {
		return inbound{}, nil, time.Time{}, err
	}
	cfg, err := db.SLA(ctx, ch.EnteID)
	if err != nil {
		return inbound{}, nil, time.Time{}, err
	}
	// Stemming is the costliest part of indexing: done here, in the
	// caller's goroutine, not in the single writer.
	indexed := in.Text
	if in.Email != nil && in.Email.Subject != "" {
		indexed = in.Email.Subject + "\n" + in.Text // an e-mail is found by its subject too
	}
	return inbound{Inbound: in, doc: search.Document(indexed), flags: flagsOf(in), declared: declared, tombstone: tombstone}, cfg, now, nil
}

// ingest stores one validated inbound message in tx.
func (db *DB) ingest(ctx context.Context, tx conn, ch *redazione.Channel, in inbound, cfg *SLAConfig, now time.Time) (*redazione.Ingested, error) {
	var res redazione.Ingested
	err := func() error {
		// Several processes may ingest for the same citizen at once (a
		// platform's retry, a burst of messages): serialize them, so that
		// a redelivery is seen as such and one contact and one conversation
		// are created.
		if !tx.contactsLocked {
			if err := db.d.lockContact(ctx, tx, in.ContactID, ch.ID); err != nil {
				return fmt.Errorf("ingest lock: %w", err)
			}
		}
		if in.tombstone != "" {
			erased, err := tx.erased(ctx, in.tombstone)
			if err != nil {
				return err
			}
			if erased {
				// A replay or redelivery of an erased message: acknowledged,
				// not stored.
				res.Duplicate, res.Erased = true, true
				res.Message = &redazione.Message{EnteID: ch.EnteID, ExternalID: in.ExternalID}
				return nil
			}
		}
		if in.ExternalID != "" && !tx.optimistic {
			// An earlier message of the batch may be this one.
			if err := tx.flushPending(ctx); err != nil {
				return err
			}
			var id, conv int64
			err := tx.row(ctx, "SELECT id, conversation_id FROM messages WHERE channel_id = ? AND external_id = ? AND external_id <> ''", ch.ID, in.ExternalID).Scan(&id, &conv)
			if err == nil {
				res.Duplicate, res.ConversationID = true, conv
				res.Message = &redazione.Message{ID: id, EnteID: ch.EnteID, ConversationID: conv, ExternalID: in.ExternalID}
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("dedupe: %w", err)
			}
		}
		// The contact and their newest conversation, in one lookup.
		var contactID int64
		var name, status string
		var waiting, snoozed int64
		// A group commit may have looked every citizen of its batch up at
		// once: the answer holds for the first of the batch's messages of
		// this citizen (the transaction holds their lock), not after.
		var err error
		if k := (contactKey{in.ContactID, ch.ID}); tx.found[k] != nil && tx.found[k].Public == in.Public {
			f := tx.found[k]
			delete(tx.found, k)
			if f.Missing {
				err = sql.ErrNoRows
			} else {
				contactID, name, res.ConversationID, res.DeskID, res.AssigneeID, status, waiting, snoozed = f.ContactID, f.Name, f.ConversationID, f.DeskID, f.AssigneeID, f.Status, f.WaitingSince, f.SnoozedUntil
			}
		} else {
			delete(tx.found, k)
			err = tx.row(ctx, db.d.lookupContact(), in.Public, ch.ID, in.ContactID).
				Scan(&contactID, &name, &res.ConversationID, &res.DeskID, &res.AssigneeID, &status, &waiting, &snoozed)
		}
		switch {
		case errors.Is(err, sql.ErrNoRows):
			// A new citizen, and their first conversation: open, waiting
			// since this message, in the queue (what touchConversation
			// would write).
			res.NewConversation, res.DeskID, res.AssigneeID, status, waiting, snoozed = true, ch.DeskID, 0, string(redazione.StatusOpen), ms(in.SentAt), 0
			contactID, res.ConversationID, err = db.d.insertCitizen(ctx, tx,
				[]any{ch.EnteID, ch.ID, in.ContactID, in.ContactName, ms(now)},
				[]any{ch.EnteID, ch.ID, ch.DeskID, status, in.Public, ms(now), waiting, ms(now), queueKey(waiting, ms(now))})
			if err != nil {
				return fmt.Errorf("insert contact: %w", err)
			}
			if err := db.indexContact(ctx, tx, contactID, in.ContactName, in.ContactID, false); err != nil {
				return err
			}
		case err != nil:
			return fmt.Errorf("contact: %w", err)
		case in.ContactName != "" && in.ContactName != name:
			if _, err := tx.exec(ctx, "UPDATE contacts SET name = ? WHERE id = ?", in.ContactName, contactID); err != nil {
				return err
			}
			if err := db.indexContact(ctx, tx, contactID, in.ContactName, in.ContactID, true); err != nil {
				return err
			}
		}
		threaded := false
		if len(in.InReplyTo) > 0 && res.ConversationID != 0 {
			if err := tx.flushPending(ctx); err != nil {
				return err
			}
			if threaded, err = db.thread(ctx, tx, ch.ID, contactID, in.InReplyTo, &res, &status, &waiting); err != nil {
				return err
			}
			if threaded {
				snoozed = -1 // another conversation's: not known
			}
		}
		if res.ConversationID == 0 || (status == string(redazione.StatusResolved) && !threaded) {
			// A resolved case stays closed: the citizen's new message opens a new
			// one, and the old one is shown beside it.
			// Open, waiting since this message, in the queue: what
			// touchConversation would write, in the same statement.
			res.NewConversation, res.DeskID, res.AssigneeID, waiting = true, ch.DeskID, 0, ms(in.SentAt)
			res.ConversationID, err = tx.insert(ctx, "INSERT INTO conversations (ente_id, channel_id, contact_id, desk_id, status, public, created_at, waiting_since, last_message_at, queue_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				ch.EnteID, ch.ID, contactID, ch.DeskID, string(redazione.StatusOpen), in.Public, ms(now), waiting, ms(now), queueKey(waiting, ms(now)))
			if err != nil {
				return fmt.Errorf("insert conversation: %w", err)
			}
		}
		m := &redazione.Message{EnteID: ch.EnteID, ConversationID: res.ConversationID, Direction: redazione.DirIn,
			ExternalID: in.ExternalID, Text: in.Text, SentAt: in.SentAt, CreatedAt: now, DeclaredSentAt: in.declared}
		// The message and its full-text document (one statement on
		// PostgreSQL).
		if tx.pending != nil && len(in.Attachments) == 0 && in.Email == nil && len(in.flags) == 0 {
			// With the batch's others (pendingMessage); its id is given
			// before the batch is answered.
			tx.pending.list = append(tx.pending.list, pendingMessage{m: m, channelID: ch.ID, doc: in.doc, index: tx.index})
		} else {
			if err := tx.flushPending(ctx); err != nil {
				return err
			}
			m.ID, err = db.d.insertMessage(ctx, tx, "INSERT INTO messages (ente_id, channel_id, conversation_id, direction, external_id, text, sent_at, created_at, declared_sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
				[]any{m.EnteID, ch.ID, m.ConversationID, string(m.Direction), m.ExternalID, m.Text, ms(m.SentAt), ms(now), ms(in.declared)}, ch.EnteID, in.doc)
			if isUnique(err) {
				if tx.optimistic {
					return errSeen
				}
				return redazione.Errorf(redazione.ECONFLICT, "messaggio già ricevuto")
			}
			if err != nil {
				return fmt.Errorf("insert message: %w", err)
			}
		}
		res.Message, res.ContactID = m, contactID
		if len(in.Attachments) > 0 {
			if res.PendingAttachments, err = db.insertAttachments(ctx, tx, ch.EnteID, m.ID, in.Attachments, ms(now)); err != nil {
				return err
			}
		}
		if in.Email != nil {
			if err := insertEmailPart(ctx, tx, m, in.Email); err != nil {
				return err
			}
		}
		if snoozed != 0 && !res.NewConversation {
			if err := wakeOnReply(ctx, tx, ch.EnteID, res.ConversationID, now); err != nil {
				return err
			}
		}
		if err := db.touchConversation(ctx, tx, ch, &res, status, waiting, m, cfg, now); err != nil {
			return err
		}
		if len(in.flags) > 0 {
			if err := db.raiseFlags(ctx, tx, ch, res.ConversationID, m.ID, in.flags, cfg, now); err != nil {
				return err
			}
			for _, f := range in.flags {
				res.Flags = append(res.Flags, f.kind)
			}
		}
		return nil
	}()
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// touchConversation updates a conversation for a citizen's new message m:
// open, waiting since the first unanswered message, its place in the queue,
// and the response-time clock.
func (db *DB) touchConversation(ctx context.Context, tx conn, ch *redazione.Channel, res *redazione.Ingested, status string, waiting int64, m *redazione.Message, cfg *SLAConfig, now time.Time) error {
	if res.NewConversation {
		// Inserted open and waiting (ingest): only its response-time
		// clock, if a policy sets one.
		return db.startClock(ctx, tx, ch, res, cfg, now)
	}
	if waiting != 0 && status == string(redazione.StatusOpen) {
		// The citizen is already waiting on an open conversation: status,
		// waiting time and queue place stay as they are, and the last
		// message is found by the messages' index (conversationSelect), so
		// the conversation row is not written at all.
		return nil
	}
	if waiting == 0 {
		waiting = ms(m.SentAt)
	}
	if status == string(redazione.StatusPending) || (status == string(redazione.StatusResolved) && !res.NewConversation) {
		// The citizen answered (a resolved case reopens only when an
		// e-mail answers in its thread): the response-time clock runs again.
		c, err := loadClock(ctx, tx, res.ConversationID)
		if err != nil {
			return err
		}
		c.setStatus(cfg.Calendar, redazione.StatusOpen, ms(now))
		if err := c.save(ctx, tx, cfg.Calendar); err != nil {
			return err
		}
	}
	if _, err := tx.exec(ctx, "UPDATE conversations SET status = ?, waiting_since = ?, last_message_at = ?, queue_key = ? WHERE id = ?",
		string(redazione.StatusOpen), waiting, ms(now), queueKey(waiting, ms(now)), res.ConversationID); err != nil {
		return fmt.Errorf("update conversation: %w", err)
	}
	return nil
}

// startClock starts a new conversation's response-time clock, if a policy
// sets one.
func (db *DB) startClock(ctx context.Context, tx conn, ch *redazione.Channel, res *redazione.Ingested, cfg *SLAConfig, now time.Time) error {
	if len(cfg.Policies) == 0 {
		return nil
	}
	c := &clock{ID: res.ConversationID, EnteID: ch.EnteID, DeskID: ch.DeskID, ChannelID: ch.ID, Status: redazione.StatusOpen, Created: ms(now)}
	if c.pick(cfg); c.FirstTarget > 0 || c.ResTarget > 0 {
		return c.save(ctx, tx, cfg.Calendar)
	}
	return nil
}

// index adds a message to the full-text index.
func (db *DB) index(ctx context.Context, tx conn, id, enteID int64, text string) error {
	return db.indexDoc(ctx, tx, id, enteID, search.Document(text))
}

// indexDoc adds a message's search.Document to the full-text index.
func (db *DB) indexDoc(ctx context.Context, tx conn, id, enteID int64, doc string) error {
	return db.d.indexMessage(ctx, tx, id, enteID, doc)
}

// indexContact keeps the full-text index of contact names in step.
func (db *DB) indexContact(ctx context.Context, tx conn, id int64, name, externalID string, replace bool) error {
	return db.d.indexContact(ctx, tx, id, name, externalID, replace)
}

// Outgoing is a reply or a note written by an operator.
type Outgoing struct {
	Text string
	Note bool // internal: never sent to the citizen
	// Sent marks a reply delivered at once (the web chat reads it from here).
	Sent bool
	// Attachments are the files the operator attached, already in the blob
	// store (BlobKey set).
	Attachments []redazione.InboundAttachment
	// Confirmed: the operator was shown a newer message (a colleague's
	// reply, the citizen's) and chose to send anyway; the audit says so.
	Confirmed bool
}

// AddMessage stores an operator's reply (queued for delivery) or note, and
// returns it. A reply stops the waiting clock; a note does not.
func (db *DB) AddMessage(ctx context.Context, a redazione.Actor, conversationID int64, out Outgoing) (*redazione.Message, error) {
	if !a.CanWrite() {
		return nil, redazione.Errorf(redazione.EFORBIDDEN, "il ruolo di analista è di sola lettura")
	}
	text := strings.TrimSpace(out.Text)
	if text == "" {
		return nil, redazione.FieldError("text", "il messaggio è vuoto")
	}
	if !utf8.ValidString(text) {
		return nil, redazione.FieldError("text", "il messaggio non è UTF-8 valido")
	}
	if utf8.RuneCountInString(text) > redazione.MaxTextRunes {
		return nil, redazione.FieldError("text", "il messaggio supera %d caratteri", redazione.MaxTextRunes)
	}
	if strings.ContainsRune(text, 0) {
		return nil, redazione.FieldError("text", "il messaggio contiene caratteri non ammessi (NUL)")
	}
	if err := redazione.ValidateAttachments(out.Attachments); err != nil {
		return nil, err
	}
	for _, f := range out.Attachments {
		if f.BlobKey == "" {
			return nil, redazione.FieldError("file", "il file allegato non è stato salvato")
		}
	}
	c, err := db.Conversation(ctx, a, conversationID)
	if err != nil {
		return nil, err
	}
	if !c.ErasedAt.IsZero() {
		return nil, redazione.Errorf(redazione.ECONFLICT, "i dati di questa conversazione sono stati cancellati: non vi si può più scrivere")
	}
	now := db.now().UTC()
	m := &redazione.Message{EnteID: a.EnteID, ConversationID: c.ID, Direction: redazione.DirOut, AuthorID: a.UserID, Text: text, SentAt: now, CreatedAt: now, Delivery: redazione.DeliveryQueued}
	switch {
	case out.Note:
		m.Direction, m.Delivery = redazione.DirNote, redazione.DeliveryNone
	case out.Sent:
		m.Delivery = redazione.DeliverySent
	}
	err = db.inTx(ctx, func(tx conn) error {
		// The conversation's row first, then the message: a citizen's
		// message being stored meanwhile is either before this one, and
		// seen by the updates below, or after it (see lookupContact).
		if err := db.d.lockConversation(ctx, tx, c.ID); err != nil {
			return fmt.Errorf("lock conversation: %w", err)
		}
		m.ID, err = tx.insert(ctx, "INSERT INTO messages (ente_id, channel_id, conversation_id, direction, author_id, text, sent_at, created_at, delivery) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			m.EnteID, c.ChannelID, m.ConversationID, string(m.Direction), m.AuthorID, m.Text, ms(now), ms(now), string(m.Delivery))
		if err != nil {
			return fmt.Errorf("insert message: %w", err)
		}
		if _, err := db.insertAttachments(ctx, tx, a.EnteID, m.ID, out.Attachments, ms(now)); err != nil {
			return err
		}
		if out.Note {
			// queue_key as queueKey computes it, from the waiting time as
			// it is now in the row (not as read before the lock).
			if _, err := tx.exec(ctx, "UPDATE conversations SET last_message_at = ?, queue_key = CASE WHEN waiting_since > 0 THEN waiting_since ELSE ? END"+keepShift+" WHERE id = ?",
				ms(now), queueKey(0, ms(now)), c.ID); err != nil {
				return err
			}
		} else {
			if _, err := tx.exec(ctx, "UPDATE conversations SET waiting_since = 0, last_message_at = ?, queue_key = ?"+keepShift+" WHERE id = ?",
				ms(now), queueKey(0, ms(now)), c.ID); err != nil {
				return err
			}
			// The first answer: from now the resolution target is the next one.
			if _, err := tx.exec(ctx, `UPDATE conversations SET first_response_at = ?, sla_notified = 0,
			 sla_next_due = CASE WHEN status = ? THEN 0 ELSE resolution_due END WHERE id = ? AND first_response_at = 0`,
				ms(now), string(redazione.StatusResolved), c.ID); err != nil {
				return err
			}
		}
		action := "conversation.reply"
		if out.Note {
			action = "conversation.note"
		}
		detail := fmt.Sprint(m.ID)
		if out.Confirmed && !out.Note {
			detail += " (inviata comunque dopo un messaggio più recente)"
		}
		if err := appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: action, Target: fmt.Sprint(c.ID), Detail: detail}); err != nil {
			return err
		}
		if out.Note {
			if err := db.notifyMentions(ctx, tx, a, c.ID, m.ID, text, now); err != nil {
				return err
			}
		}
		return db.index(ctx, tx, m.ID, a.EnteID, m.Text)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Message returns one message of an ente (for delivery jobs).
func (db *DB) Message(ctx context.Context, enteID, id int64) (*redazione.Message, error) {
	m, err := scanMessage(db.reader().row(ctx, "SELECT "+messageColumns+`
	 FROM messages m LEFT JOIN users u ON u.id = m.author_id WHERE m.id = ? AND m.ente_id = ?`, id, enteID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("messaggio")
	}
	if err != nil {
		return nil, fmt.Errorf("message: %w", err)
	}
	return m, db.loadAttachments(ctx, []*redazione.Message{m})
}

// MarkDelivery records the outcome of one delivery attempt.
func (db *DB) MarkDelivery(ctx context.Context, enteID, messageID int64, state redazione.Delivery, reason string) error {
	if len(reason) > 500 {
		reason = reason[:500]
	}
	_, err := conn{db: db, q: db.write}.exec(ctx, "UPDATE messages SET delivery = ?, delivery_error = ?, attempts = attempts + 1 WHERE id = ? AND ente_id = ?",
		string(state), reason, messageID, enteID)
	return err
}

// MarkSent records a delivered reply with the platform's id for it (kept
// when externalID is empty), so that the platform's receipts find it.
func (db *DB) MarkSent(ctx context.Context, enteID, messageID int64, externalID string) error {
	if len(externalID) > 255 {
		externalID = ""
	}
	c := conn{db: db, q: db.write}
	if externalID != "" {
		_, err := c.exec(ctx, "UPDATE messages SET delivery = 'sent', delivery_error = '', attempts = attempts + 1, external_id = ? WHERE id = ? AND ente_id = ?",
			externalID, messageID, enteID)
		if !isUnique(err) {
			return err
		}
		// The platform gave an id another message has: the reply is sent
		// all the same, and keeps no id (its receipts cannot be told apart).
	}
	return db.MarkDelivery(ctx, enteID, messageID, redazione.DeliverySent, "")
}

// QueuedMessages lists replies still waiting for delivery, oldest first, so a
// restart can enqueue again what a crash left behind.
func (db *DB) QueuedMessages(ctx context.Context, olderThan time.Time, limit int) ([]*redazione.Message, error) {
	rows, err := db.reader().query(ctx, "SELECT id, ente_id FROM messages WHERE delivery = 'queued' AND created_at < ? ORDER BY id LIMIT ?", ms(olderThan), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*redazione.Message
	for rows.Next() {
		var m redazione.Message
		if err := rows.Scan(&m.ID, &m.EnteID); err != nil {
			return nil, err
		}
		out = append(out, &m)
	}
	return out, rows.Err()
}

// ContactThread returns what a citizen sees of their own history on a
// channel: every message of every conversation of the contact, notes
// excluded, oldest first (the newest max). The contact id is 0 when the
// citizen has not written yet.
func (db *DB) ContactThread(ctx context.Context, channelID int64, externalID string, max int) (int64, []*redazione.Message, error) {
	var contactID int64
	err := db.reader().row(ctx, "SELECT id FROM contacts WHERE channel_id = ? AND external_id = ?", channelID, externalID).Scan(&contactID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("contact: %w", err)
	}
	rows, err := db.reader().query(ctx, "SELECT "+messageColumns+`
	 FROM messages m JOIN conversations c ON c.id = m.conversation_id LEFT JOIN users u ON u.id = m.author_id
	 WHERE c.contact_id = ? AND m.direction <> 'note' ORDER BY m.id DESC LIMIT ?`, contactID, max)
	if err != nil {
		return 0, nil, fmt.Errorf("contact thread: %w", err)
	}
	defer rows.Close()
	var out []*redazione.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return 0, nil, err
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return 0, nil, err
	}
	rows.Close()
	slices.Reverse(out)
	return contactID, out, db.loadAttachments(ctx, out)
}

// LastInbound returns when the citizen last wrote in a conversation (zero if
// never): messaging platforms allow free replies only for a while after it.
func (db *DB) LastInbound(ctx context.Context, convID int64) (time.Time, error) {
	var at sql.NullInt64
	err := db.reader().row(ctx, "SELECT MAX(sent_at) FROM messages WHERE conversation_id = ? AND direction = 'in'", convID).Scan(&at)
	if err != nil {
		return time.Time{}, err
	}
	return tm(at.Int64), nil
}

// LastInboundExternalID returns the platform id of the citizen's latest
// message in a conversation ("" if none), for replies that keep the thread;
// one deleted on the platform can no longer be answered, so it is passed over.
func (db *DB) LastInboundExternalID(ctx context.Context, convID int64) (string, error) {
	var id string
	err := db.reader().row(ctx, "SELECT external_id FROM messages WHERE conversation_id = ? AND direction = 'in' AND deleted_at = 0 ORDER BY id DESC LIMIT 1", convID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}
