package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/sla"
)

// queueKey orders the inbox with one index: conversations waiting for the
// office come first, the longest-waiting at the top; the others follow, the
// most recently active first.
func queueKey(waitingSince, lastMessageAt int64) int64 {
	if waitingSince > 0 {
		return waitingSince
	}
	return 10_000_000_000_000 - lastMessageAt
}

// QueueKey is queueKey (times in Unix milliseconds) for the benchmark's bulk
// loader (cmd/redazione-bench), which writes conversations straight into the
// database and must place them in the inbox as the store does. Nothing else
// should need it.
func QueueKey(waitingSince, lastMessageAt int64) int64 { return queueKey(waitingSince, lastMessageAt) }

// InboxFilter selects conversations for an inbox view.
type InboxFilter struct {
	Mine       bool   // assigned to the actor
	Unassigned bool   // assigned to nobody
	DeskID     int64  // one desk (0: every desk the actor sees)
	Status     string // open (default), pending, resolved, or "any"
	ChannelID  int64
	Tag        string
	AssigneeID int64
	ContactID  int64
	ContactIDs []int64 // any of these contacts (a citizen's merged contacts)
	// Due keeps the open conversations with a response-time target:
	// "breached" (past due), "soon" (due by DueBy) or "any".
	Due   string
	DueBy time.Time // for "soon": the instant a breach counts as imminent
	// SortDue orders by the nearest due time instead of by waiting time.
	SortDue bool
	// SortID orders by creation (the id), oldest first: an order nothing
	// moves in, so a walk through every page sees each conversation once
	// and new ones at the end.
	SortID bool
	// Snoozed keeps only the conversations put aside (the "Rimandate"
	// view), by the time they come back; HideSnoozed leaves them out (the
	// inbox's other views). Without either, a list has them all (the API's
	// walk through everything, a citizen's conversations).
	Snoozed, HideSnoozed bool
	// Cursor continues a view after the last row of a page (InboxPage.Next).
	Cursor string
	// Until, a cursor, ends the page at the row it names, included: a live
	// redraw of the rows a screen has loaded (at most UntilLimit of them).
	Until string
	Limit int // default 50, at most 200
}

// conversationSelect joins what an inbox row shows, so a page is one query.
// The last message (not a note) is found by the messages' conversation
// index, newest first, rather than kept on the conversation: a citizen
// writing again while already waiting then changes no conversation row,
// which on SQLite is a page less to write per message (see
// docs/PERFORMANCE.md). last_message_at keeps the time of the last change
// the row saw (a note, an answer, the first message of a wait).
const conversationSelect = `SELECT c.id, c.ente_id, c.channel_id, ch.kind, ch.name, c.contact_id, ct.external_id, ct.name,
 c.desk_id, d.name, c.status, c.assignee_id, COALESCE(u.name, ''), c.waiting_since, c.last_message_at, c.created_at,
 COALESCE(m.id, 0), COALESCE(m.direction, ''), COALESCE(m.text, ''), COALESCE(m.sent_at, 0), COALESCE(m.delivery, ''), COALESCE(m.created_at, 0),
 c.priority, c.first_response_at, c.first_response_due, c.resolution_due, c.pending_since, c.sla_first_target, c.sla_resolution_target,
 c.public, c.erased_at, ct.erased_at, c.snoozed_until
 FROM conversations c
 JOIN channels ch ON ch.id = c.channel_id
 JOIN contacts ct ON ct.id = c.contact_id
 JOIN desks d ON d.id = c.desk_id
 LEFT JOIN users u ON u.id = c.assignee_id
 LEFT JOIN messages m ON m.id = (SELECT m2.id FROM messages m2 WHERE m2.conversation_id = c.id AND m2.direction <> 'note' ORDER BY m2.id DESC LIMIT 1)`

func scanConversation(row interface{ Scan(...any) error }) (*redazione.Conversation, error) {
	var c redazione.Conversation
	var kind, status, dir, delivery string
	var waiting, last, created, msgSent, msgCreated, firstAt, firstDue, resDue, pending, firstTarget, resTarget, erased, contactErased, snoozed int64
	var m redazione.Message
	if err := row.Scan(&c.ID, &c.EnteID, &c.ChannelID, &kind, &c.ChannelName, &c.ContactID, &c.Contact.ExternalID, &c.Contact.Name,
		&c.DeskID, &c.DeskName, &status, &c.AssigneeID, &c.AssigneeName, &waiting, &last, &created,
		&m.ID, &dir, &m.Text, &msgSent, &delivery, &msgCreated,
		&c.Priority, &firstAt, &firstDue, &resDue, &pending, &firstTarget, &resTarget, &c.Public, &erased, &contactErased, &snoozed); err != nil {
		return nil, err
	}
	c.FirstResponseAt, c.FirstResponseDue, c.ResolutionDue, c.PendingSince = tm(firstAt), tm(firstDue), tm(resDue), tm(pending)
	c.FirstTarget, c.ResolutionTarget = time.Duration(firstTarget)*time.Millisecond, time.Duration(resTarget)*time.Millisecond
	c.ChannelKind, c.Status = redazione.ChannelKind(kind), redazione.Status(status)
	c.WaitingSince, c.LastMessageAt, c.CreatedAt, c.ErasedAt = tm(waiting), tm(max(last, msgCreated)), tm(created), tm(erased)
	c.Contact.ID, c.Contact.EnteID, c.Contact.ChannelID, c.Contact.ErasedAt = c.ContactID, c.EnteID, c.ChannelID, tm(contactErased)
	if snoozed == SnoozeUntilReply {
		c.SnoozedUntilReply = true
	} else {
		c.SnoozedUntil = tm(snoozed)
	}
	if m.ID != 0 {
		m.EnteID, m.ConversationID, m.Direction, m.SentAt, m.Delivery = c.EnteID, c.ID, redazione.Direction(dir), tm(msgSent), redazione.Delivery(delivery)
		c.LastMessage = &m
	}
	return &c, nil
}

// deskScope returns the SQL condition that limits an operator to their desks.
func deskScope(a redazione.Actor, col string) (string, []any) {
	if a.SeesAllDesks() {
		return "", nil
	}
	if len(a.DeskIDs) == 0 {
		return " AND 1 = 0", nil
	}
	args := make([]any, len(a.DeskIDs))
	for i, d := range a.DeskIDs {
		args[i] = d
	}
	return " AND " + col + " IN (" + placeholders(len(args)) + ")", args
}

// Conversations lists the conversations the actor may see, by the filter:
// one page of the view (see InboxPage for the cursor to the next).
func (db *DB) Conversations(ctx context.Context, a redazione.Actor, f InboxFilter) ([]*redazione.Conversation, error) {
	p, err := db.InboxPage(ctx, a, f)
	if err != nil {
		return nil, err
	}
	return p.Conversations, nil
}

// inboxWhere is the WHERE clause of an inbox view, without the keyset bounds.
func (db *DB) inboxWhere(a redazione.Actor, f InboxFilter) (string, []any, error) {
	var where strings.Builder
	args := []any{a.EnteID}
	if f.ContactID != 0 || len(f.ContactIDs) > 0 {
		// A citizen's conversations are read by the contact's index: the
		// unary plus keeps SQLite, which has no statistics to go by, from
		// reading the whole ente's index instead (as it did for every
		// conversation page, to list the citizen's others).
		where.WriteString(" WHERE +c.ente_id = ?")
	} else {
		where.WriteString(" WHERE c.ente_id = ?")
	}
	switch f.Status {
	case "any":
	case "":
		where.WriteString(" AND c.status = ?")
		args = append(args, string(redazione.StatusOpen))
	default:
		if !redazione.Status(f.Status).Valid() {
			return "", nil, redazione.FieldError("status", "stato non valido")
		}
		where.WriteString(" AND c.status = ?")
		args = append(args, f.Status)
	}
	scope, sargs := deskScope(a, "c.desk_id")
	where.WriteString(scope)
	args = append(args, sargs...)
	if f.DeskID != 0 {
		where.WriteString(" AND c.desk_id = ?")
		args = append(args, f.DeskID)
	}
	switch {
	case f.Mine:
		where.WriteString(" AND c.assignee_id = ?")
		args = append(args, a.UserID)
	case f.Unassigned:
		where.WriteString(" AND c.assignee_id = 0")
	case f.AssigneeID != 0:
		where.WriteString(" AND c.assignee_id = ?")
		args = append(args, f.AssigneeID)
	}
	if f.ChannelID != 0 {
		where.WriteString(" AND c.channel_id = ?")
		args = append(args, f.ChannelID)
	}
	if f.ContactID != 0 {
		where.WriteString(" AND c.contact_id = ?")
		args = append(args, f.ContactID)
	}
	if len(f.ContactIDs) > 0 {
		where.WriteString(" AND c.contact_id IN (" + placeholders(len(f.ContactIDs)) + ")")
		for _, id := range f.ContactIDs {
			args = append(args, id)
		}
	}
	if f.Tag != "" {
		where.WriteString(" AND EXISTS (SELECT 1 FROM conversation_tags t WHERE t.conversation_id = c.id AND t.tag = ?)")
		args = append(args, f.Tag)
	}
	now := ms(db.now())
	// A conversation is put aside from its snooze until it is woken: by the
	// upkeep when its time has come (WakeSnoozed), by the citizen writing,
	// or by an operator.
	switch sort, _ := f.order(); {
	case f.Snoozed:
		where.WriteString(" AND c.snoozed_until > 0")
	case f.HideSnoozed && sort == "w":
		// Their places in the waiting order are past every other's.
		where.WriteString(" AND c.queue_key < " + snoozedKeys)
	case f.HideSnoozed:
		// The few conversations put aside, read by their partial index:
		// the view's own index still answers the rest (an id is in it).
		where.WriteString(" AND c.id NOT IN (SELECT s.id FROM conversations s WHERE s.ente_id = ? AND s.snoozed_until > 0)")
		args = append(args, a.EnteID)
	}
	switch f.Due {
	case "":
	case "any":
		where.WriteString(" AND c.sla_next_due > 0 AND c.status = 'open'")
	case "breached":
		where.WriteString(" AND c.sla_next_due > 0 AND c.sla_next_due <= ? AND c.status = 'open'")
		args = append(args, now)
	case "soon":
		where.WriteString(" AND c.sla_next_due > ? AND c.sla_next_due <= ? AND c.status = 'open'")
		args = append(args, now, ms(f.DueBy))
	default:
		return "", nil, redazione.FieldError("due", "filtro di scadenza non valido")
	}
	return where.String(), args, nil
}

// queryConversations reads the conversations that conversationSelect+tail
// finds, with their tags and flags, in three queries whatever their number.
func (db *DB) queryConversations(ctx context.Context, tail string, args ...any) ([]*redazione.Conversation, error) {
	rows, err := db.reader().query(ctx, conversationSelect+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("conversations: %w", err)
	}
	var out []*redazione.Conversation
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := db.loadTags(ctx, out); err != nil {
		return nil, err
	}
	return out, db.loadFlagKinds(ctx, out)
}

func (db *DB) loadTags(ctx context.Context, convs []*redazione.Conversation) error {
	if len(convs) == 0 {
		return nil
	}
	byID := make(map[int64]*redazione.Conversation, len(convs))
	args := make([]any, len(convs))
	for i, c := range convs {
		byID[c.ID] = c
		args[i] = c.ID
	}
	rows, err := db.reader().query(ctx, "SELECT conversation_id, tag FROM conversation_tags WHERE conversation_id IN ("+placeholders(len(args))+") ORDER BY tag", args...)
	if err != nil {
		return fmt.Errorf("tags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return err
		}
		byID[id].Tags = append(byID[id].Tags, tag)
	}
	return rows.Err()
}

// Conversation returns one conversation the actor may see. A conversation of
// another desk or ente is "not found", so its existence is not revealed.
func (db *DB) Conversation(ctx context.Context, a redazione.Actor, id int64) (*redazione.Conversation, error) {
	c, err := scanConversation(db.reader().row(ctx, conversationSelect+" WHERE c.id = ? AND c.ente_id = ?", id, a.EnteID))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !a.CanSeeDesk(c.DeskID)) {
		return nil, notFound("conversazione")
	}
	if err != nil {
		return nil, fmt.Errorf("conversation: %w", err)
	}
	if err := db.loadTags(ctx, []*redazione.Conversation{c}); err != nil {
		return nil, err
	}
	return c, db.loadFlagKinds(ctx, []*redazione.Conversation{c})
}

// Messages returns the messages and notes of a conversation the actor may
// see, oldest first (the newest max of them).
func (db *DB) Messages(ctx context.Context, a redazione.Actor, conversationID int64, max int) ([]*redazione.Message, error) {
	if _, err := db.Conversation(ctx, a, conversationID); err != nil {
		return nil, err
	}
	return db.messages(ctx, a.EnteID, conversationID, max, true)
}

func (db *DB) messages(ctx context.Context, enteID, conversationID int64, max int, notes bool) ([]*redazione.Message, error) {
	if max <= 0 {
		max = 500
	}
	q := "SELECT " + messageColumns + `
	 FROM messages m LEFT JOIN users u ON u.id = m.author_id
	 WHERE m.conversation_id = ? AND m.ente_id = ?`
	if !notes {
		q += " AND m.direction <> 'note'"
	}
	out, err := db.scanMessages(ctx, q+" ORDER BY m.id DESC LIMIT ?", conversationID, enteID, max)
	if err != nil {
		return nil, fmt.Errorf("messages: %w", err)
	}
	slices.Reverse(out)
	if err := db.loadVersions(ctx, out); err != nil {
		return nil, err
	}
	return out, db.loadAttachments(ctx, out)
}

// scanMessages reads the messages a query of messageColumns finds.
func (db *DB) scanMessages(ctx context.Context, q string, args ...any) ([]*redazione.Message, error) {
	rows, err := db.reader().query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*redazione.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// messageColumns are what scanMessage reads, from messages m joined to the
// author u.
const messageColumns = `m.id, m.ente_id, m.conversation_id, m.direction, m.author_id, COALESCE(u.name, ''), m.external_id, m.text,
	 m.sent_at, m.created_at, m.delivery, m.delivery_error, m.attempts, m.hidden, m.private_reply_to, m.edited_at, m.deleted_at, m.declared_sent_at`

func scanMessage(row interface{ Scan(...any) error }) (*redazione.Message, error) {
	var m redazione.Message
	var dir, delivery string
	var sent, created, edited, deleted, declared int64
	if err := row.Scan(&m.ID, &m.EnteID, &m.ConversationID, &dir, &m.AuthorID, &m.AuthorName, &m.ExternalID, &m.Text,
		&sent, &created, &delivery, &m.DeliveryError, &m.Attempts, &m.Hidden, &m.PrivateReplyTo, &edited, &deleted, &declared); err != nil {
		return nil, err
	}
	m.Direction, m.Delivery = redazione.Direction(dir), redazione.Delivery(delivery)
	m.SentAt, m.CreatedAt, m.EditedAt, m.DeletedAt, m.DeclaredSentAt = tm(sent), tm(created), tm(edited), tm(deleted), tm(declared)
	return &m, nil
}

// Change is what an operator does to a conversation; nil fields stay as they are.
type Change struct {
	Status     *redazione.Status
	AssigneeID *int64
	DeskID     *int64
	Priority   *sla.Priority
	AddTags    []string
	RemoveTags []string
	// Snooze puts the conversation aside, or (the zero Snooze) wakes it.
	Snooze *Snooze
}

// ChangeConversation applies a change the actor is allowed to make, with an
// audit entry for each part, and returns the conversation as it is now.
func (db *DB) ChangeConversation(ctx context.Context, a redazione.Actor, id int64, ch Change) (*redazione.Conversation, error) {
	if !a.CanWrite() {
		return nil, redazione.Errorf(redazione.EFORBIDDEN, "il ruolo di analista è di sola lettura")
	}
	c, err := db.Conversation(ctx, a, id)
	if err != nil {
		return nil, err
	}
	now := db.now()
	cfg, err := db.SLA(ctx, a.EnteID)
	if err != nil {
		return nil, err
	}
	if ch.Priority != nil && !ch.Priority.Valid() {
		return nil, redazione.FieldError("priority", "priorità non valida")
	}
	if ch.Snooze != nil && !ch.Snooze.UntilReply && !ch.Snooze.Until.IsZero() && !ch.Snooze.Until.After(now) {
		return nil, redazione.FieldError("until", "scegli un momento futuro")
	}
	err = db.inTx(ctx, func(tx conn) error {
		audit := func(action, detail string) error {
			return appendAudit(ctx, tx, now, redazione.AuditEntry{EnteID: a.EnteID, ActorID: a.UserID, Action: action, Target: fmt.Sprint(id), Detail: detail})
		}
		// The response-time clock follows status, desk and priority.
		clk, err := loadClock(ctx, tx, id)
		if err != nil {
			return err
		}
		clockChanged := false
		if ch.Priority != nil && *ch.Priority != clk.Priority {
			if err := audit("conversation.priority", sla.Priority(clk.Priority).Label()+" → "+ch.Priority.Label()); err != nil {
				return err
			}
			clk.Priority, clockChanged = *ch.Priority, true
			clk.pick(cfg)
		}
		if ch.Status != nil && *ch.Status != c.Status && ch.Status.Valid() {
			clk.setStatus(cfg.Calendar, *ch.Status, ms(now))
			clockChanged = true
		}
		if ch.DeskID != nil && *ch.DeskID != c.DeskID {
			clk.DeskID, clockChanged = *ch.DeskID, true
			clk.pick(cfg)
		}

		if ch.Status != nil && *ch.Status != c.Status {
			if !ch.Status.Valid() {
				return redazione.FieldError("status", "stato non valido")
			}
			q := "UPDATE conversations SET status = ? WHERE id = ?"
			if *ch.Status == redazione.StatusResolved {
				q = "UPDATE conversations SET status = ?, " + snoozeSet(0) + " WHERE id = ?" // no longer put aside
			}
			if _, err := tx.exec(ctx, q, string(*ch.Status), id); err != nil {
				return err
			}
			if err := audit("conversation.status", string(c.Status)+" → "+string(*ch.Status)); err != nil {
				return err
			}
		}
		if ch.DeskID != nil && *ch.DeskID != c.DeskID {
			var n int
			if err := tx.row(ctx, "SELECT COUNT(*) FROM desks WHERE id = ? AND ente_id = ?", *ch.DeskID, a.EnteID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return redazione.FieldError("desk", "desk inesistente")
			}
			if _, err := tx.exec(ctx, "UPDATE conversations SET desk_id = ? WHERE id = ?", *ch.DeskID, id); err != nil {
				return err
			}
			if err := audit("conversation.desk", fmt.Sprintf("%d → %d", c.DeskID, *ch.DeskID)); err != nil {
				return err
			}
			// Moved to a desk its assignee does not work on: it goes back to
			// the new desk's unassigned queue instead of vanishing from view.
			if c.AssigneeID != 0 && ch.AssigneeID == nil {
				ok, err := db.canTake(ctx, tx, a.EnteID, c.AssigneeID, *ch.DeskID)
				if err != nil {
					return err
				}
				if !ok {
					zero := int64(0)
					ch.AssigneeID = &zero
				}
			}
		}
		if ch.AssigneeID != nil && *ch.AssigneeID != c.AssigneeID {
			if *ch.AssigneeID != 0 {
				desk := c.DeskID
				if ch.DeskID != nil {
					desk = *ch.DeskID
				}
				ok, err := db.canTake(ctx, tx, a.EnteID, *ch.AssigneeID, desk)
				if err != nil {
					return err
				}
				if !ok {
					return redazione.FieldError("assignee", "questa persona non lavora sul desk della conversazione")
				}
			}
			if _, err := tx.exec(ctx, "UPDATE conversations SET assignee_id = ? WHERE id = ?", *ch.AssigneeID, id); err != nil {
				return err
			}
			if err := audit("conversation.assign", fmt.Sprintf("%d → %d", c.AssigneeID, *ch.AssigneeID)); err != nil {
				return err
			}
		}
		for _, t := range ch.AddTags {
			t = redazione.NormalizeTag(t)
			if t == "" || slices.Contains(c.Tags, t) {
				continue
			}
			if _, err := tx.exec(ctx, "INSERT INTO conversation_tags (conversation_id, ente_id, tag) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", id, a.EnteID, t); err != nil {
				return err
			}
			if err := audit("conversation.tag", "+"+t); err != nil {
				return err
			}
		}
		for _, t := range ch.RemoveTags {
			t = redazione.NormalizeTag(t)
			if _, err := tx.exec(ctx, "DELETE FROM conversation_tags WHERE conversation_id = ? AND tag = ?", id, t); err != nil {
				return err
			}
			if err := audit("conversation.tag", "-"+t); err != nil {
				return err
			}
		}
		if sn := ch.Snooze; sn != nil && sn.value() != snoozeValue(c) && !(ch.Status != nil && *ch.Status == redazione.StatusResolved) {
			args := []any{id}
			if v := sn.value(); v != 0 {
				args = []any{v, id}
			}
			if _, err := tx.exec(ctx, "UPDATE conversations SET "+snoozeSet(sn.value())+" WHERE id = ?", args...); err != nil {
				return err
			}
			action := "conversation.snooze"
			if sn.value() == 0 {
				action = "conversation.wake"
			}
			if err := audit(action, sn.detail()); err != nil {
				return err
			}
		}
		if clockChanged {
			return clk.save(ctx, tx, cfg.Calendar)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return db.conversationSystem(ctx, a.EnteID, id)
}

// snoozeValue is the stored snoozed_until of a conversation as read.
func snoozeValue(c *redazione.Conversation) int64 {
	if c.SnoozedUntilReply {
		return SnoozeUntilReply
	}
	return ms(c.SnoozedUntil)
}

// conversationSystem reads a conversation without the desk check.
func (db *DB) conversationSystem(ctx context.Context, enteID, id int64) (*redazione.Conversation, error) {
	return db.Conversation(ctx, redazione.SystemActor(enteID), id)
}

// Tags lists the tags in use in an ente.
func (db *DB) Tags(ctx context.Context, enteID int64) ([]string, error) {
	// A loose index scan: one index seek per distinct tag, instead of
	// reading every tagged conversation (DISTINCT walks them all).
	rows, err := db.reader().query(ctx, `WITH RECURSIVE t(tag) AS (
	   SELECT MIN(tag) FROM conversation_tags WHERE ente_id = ?
	   UNION ALL
	   SELECT (SELECT MIN(c.tag) FROM conversation_tags c WHERE c.ente_id = ? AND c.tag > t.tag) FROM t WHERE t.tag IS NOT NULL
	 ) SELECT tag FROM t WHERE tag IS NOT NULL LIMIT 500`, enteID, enteID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// canTake reports whether user userID of the ente may be given a conversation
// of desk (see redazione.User.CanTake); an unknown user is an error.
func (db *DB) canTake(ctx context.Context, tx conn, enteID, userID, desk int64) (bool, error) {
	u := &redazione.User{ID: userID}
	var role string
	err := tx.row(ctx, "SELECT role, disabled FROM users WHERE id = ? AND ente_id = ?", userID, enteID).Scan(&role, &u.Disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return false, redazione.FieldError("assignee", "utente inesistente")
	}
	if err != nil {
		return false, err
	}
	u.Role = redazione.Role(role)
	rows, err := tx.query(ctx, "SELECT desk_id FROM user_desks WHERE user_id = ?", userID)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var d int64
		if err := rows.Scan(&d); err != nil {
			return false, err
		}
		u.DeskIDs = append(u.DeskIDs, d)
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	return u.CanTake(desk), nil
}
