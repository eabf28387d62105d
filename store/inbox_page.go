package store

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/redazione/redazione"
)

// UntilLimit is the most rows a redraw up to a cursor (InboxFilter.Until)
// returns: a screen that loaded more gets them back in pages.
const UntilLimit = 1000

// InboxPage is one page of an inbox view.
type InboxPage struct {
	Conversations []*redazione.Conversation
	// Next is the cursor of the page after this one; "" on the last page.
	Next string
	// Last is the cursor of this page's last row ("" when it has none): a
	// screen passes it as InboxFilter.Until to redraw what it shows.
	Last string
}

// inboxSegment is a run of an inbox order that one index serves. Most
// orders are one segment; the order by due time is two: the conversations
// with a due time, nearest first, then those without, by waiting time.
type inboxSegment struct {
	cond string // what the segment adds to the view's WHERE
	key  string // the sort column before the id; "" for the id alone
}

// order returns the letter that names the filter's order in a cursor, and
// its segments.
func (f InboxFilter) order() (string, []inboxSegment) {
	switch {
	case f.Snoozed:
		return "s", []inboxSegment{{"", "c.snoozed_until"}}
	case f.SortDue || f.Due != "":
		segs := []inboxSegment{{" AND c.sla_next_due > 0", "c.sla_next_due"}}
		if f.Due == "" {
			segs = append(segs, inboxSegment{" AND c.sla_next_due = 0", "c.queue_key"})
		}
		return "d", segs
	case f.SortID:
		return "i", []inboxSegment{{"", ""}}
	default:
		return "w", []inboxSegment{{"", "c.queue_key"}}
	}
}

// rowKey is a row's place in an order: what a cursor holds.
type rowKey struct {
	seg     int
	key, id int64
}

// encodeCursor makes an opaque cursor: base64 of the order's letter, the
// segment, the sort key and the id.
func encodeCursor(sort string, k rowKey) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%s.%d.%d.%d", sort, k.seg, k.key, k.id))
}

// decodeCursor reads a cursor of the given order ("": none). A cursor of
// another order, or not one at all, is refused as invalid.
func decodeCursor(field, c, sort string, segs int) (rowKey, bool, error) {
	if c == "" {
		return rowKey{}, false, nil
	}
	bad := redazione.FieldError(field, "cursore non valido: ricomincia dalla prima pagina")
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return rowKey{}, false, bad
	}
	parts := strings.Split(string(b), ".")
	if len(parts) != 4 || parts[0] != sort {
		return rowKey{}, false, bad
	}
	var n [3]int64
	for i, p := range parts[1:] {
		if n[i], err = strconv.ParseInt(p, 10, 64); err != nil {
			return rowKey{}, false, bad
		}
	}
	if n[0] < 0 || n[0] >= int64(segs) {
		return rowKey{}, false, bad
	}
	return rowKey{seg: int(n[0]), key: n[1], id: n[2]}, true, nil
}

// InboxPage returns one page of an inbox view: the rows after f.Cursor (from
// the top without one), in the view's order, and the cursor of the next
// page. The page is found by its keys (keyset pagination, no OFFSET), so a
// deep page costs what the first does, and conversations arriving or
// changing meanwhile neither shift a row onto two pages nor push one off
// them all, except a conversation whose own place in the order moves (a
// citizen writing again changes its waiting time): SortID is the order in
// which nothing moves.
func (db *DB) InboxPage(ctx context.Context, a redazione.Actor, f InboxFilter) (*InboxPage, error) {
	where, args, err := db.inboxWhere(a, f)
	if err != nil {
		return nil, err
	}
	sort, segs := f.order()
	from, hasFrom, err := decodeCursor("cursor", f.Cursor, sort, len(segs))
	if err != nil {
		return nil, err
	}
	until, hasUntil, err := decodeCursor("until", f.Until, sort, len(segs))
	if err != nil {
		return nil, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 200)
	if hasUntil {
		limit = UntilLimit
	}
	keys, err := db.inboxKeys(ctx, where, args, segs, from, hasFrom, until, hasUntil, limit+1)
	if err != nil {
		return nil, err
	}
	more := len(keys) > limit
	keys = keys[:min(len(keys), limit)]
	p := &InboxPage{}
	if len(keys) > 0 {
		p.Last = encodeCursor(sort, keys[len(keys)-1])
	}
	switch {
	case more:
		p.Next = p.Last
	case hasUntil:
		// Up to the row the screen had (which may have left the view
		// meanwhile): is there any after it?
		after, err := db.inboxKeys(ctx, where, args, segs, until, true, rowKey{}, false, 1)
		if err != nil {
			return nil, err
		}
		if len(after) > 0 {
			p.Next = f.Until
		}
	}
	if len(keys) == 0 {
		return p, nil
	}
	ids := make([]any, len(keys))
	for i, k := range keys {
		ids[i] = k.id
	}
	convs, err := db.queryConversations(ctx, " WHERE c.id IN ("+placeholders(len(ids))+")", ids...)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*redazione.Conversation, len(convs))
	for _, c := range convs {
		byID[c.ID] = c
	}
	p.Conversations = make([]*redazione.Conversation, 0, len(keys))
	for _, k := range keys {
		if c := byID[k.id]; c != nil { // deleted between the two reads: skipped
			p.Conversations = append(p.Conversations, c)
		}
	}
	return p, nil
}

// inboxKeys finds the keys of up to n rows of a view after from (when
// hasFrom) and up to until (included, when hasUntil), segment by segment.
// Each segment's query is a range of one index, read in its order.
func (db *DB) inboxKeys(ctx context.Context, where string, args []any, segs []inboxSegment, from rowKey, hasFrom bool, until rowKey, hasUntil bool, n int) ([]rowKey, error) {
	var keys []rowKey
	first := 0
	if hasFrom {
		first = from.seg
	}
	for i := first; i < len(segs) && len(keys) < n; i++ {
		if hasUntil && i > until.seg {
			break
		}
		q, qargs := keysQuery(where, args, segs[i], from, hasFrom && i == from.seg, until, hasUntil && i == until.seg, n-len(keys))
		rows, err := db.reader().query(ctx, q, qargs...)
		if err != nil {
			return nil, fmt.Errorf("inbox page: %w", err)
		}
		for rows.Next() {
			k := rowKey{seg: i}
			if err := rows.Scan(&k.id, &k.key); err != nil {
				rows.Close()
				return nil, err
			}
			keys = append(keys, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// keysQuery is the query of one segment's keys, after from and up to until
// when they are in it.
func keysQuery(where string, args []any, seg inboxSegment, from rowKey, hasFrom bool, until rowKey, hasUntil bool, n int) (string, []any) {
	col := seg.key
	if col == "" {
		col = "c.id"
	}
	q := "SELECT c.id, " + col + " FROM conversations c" + where + seg.cond
	qargs := slices.Clone(args)
	bound := func(op string, k rowKey) {
		if seg.key == "" {
			q += " AND c.id " + op + " ?"
			qargs = append(qargs, k.id)
			return
		}
		// A row value: both engines read it as a range of the index.
		q += " AND (" + seg.key + ", c.id) " + op + " (?, ?)"
		qargs = append(qargs, k.key, k.id)
	}
	if hasFrom {
		bound(">", from)
	}
	if hasUntil {
		bound("<=", until)
	}
	if seg.key != "" {
		q += " ORDER BY " + seg.key + ", c.id LIMIT ?"
	} else {
		q += " ORDER BY c.id LIMIT ?"
	}
	return q, append(qargs, n)
}

// CountConversations counts the conversations of a view, stopping at
// max+1: a view with more says "more than max" rather than reading every
// row of a million-conversation office for a number on the screen.
func (db *DB) CountConversations(ctx context.Context, a redazione.Actor, f InboxFilter, max int) (int, error) {
	where, args, err := db.inboxWhere(a, f)
	if err != nil {
		return 0, err
	}
	var n int
	err = db.reader().row(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM conversations c"+where+" LIMIT ?) v", append(args, max+1)...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count conversations: %w", err)
	}
	return n, nil
}

// MessagePage is one page of a conversation's messages and notes, oldest
// first.
type MessagePage struct {
	Messages []*redazione.Message
	// Earlier is the cursor of the page before (older messages); "" when
	// this page starts at the first message.
	Earlier string
	// Later is the cursor of the page after (newer messages); "" when this
	// page ends at the latest.
	Later string
}

// MessagesPage returns a page of the messages of a conversation the actor
// may see: the latest limit of them without a cursor (default 100, at most
// 500), or those just before or after the page a cursor came from. Pages
// are found by message id on the conversation's index, so the first
// message of a 10,000-message thread costs what the latest does.
func (db *DB) MessagesPage(ctx context.Context, a redazione.Actor, conversationID int64, cursor string, limit int) (*MessagePage, error) {
	if _, err := db.Conversation(ctx, a, conversationID); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 500)
	dir, at := "b", int64(0)
	if cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(cursor)
		d, n, ok := strings.Cut(string(b), ".")
		if err == nil && ok && (d == "b" || d == "a") {
			at, err = strconv.ParseInt(n, 10, 64)
		}
		if err != nil || !ok || (d != "b" && d != "a") || at <= 0 {
			return nil, redazione.FieldError("cursor", "cursore non valido: torna agli ultimi messaggi")
		}
		dir = d
	}
	q := "SELECT " + messageColumns + `
	 FROM messages m LEFT JOIN users u ON u.id = m.author_id
	 WHERE m.conversation_id = ? AND m.ente_id = ?`
	args := []any{conversationID, a.EnteID}
	switch {
	case dir == "a":
		q += " AND m.id > ? ORDER BY m.id LIMIT ?"
		args = append(args, at)
	case at > 0:
		q += " AND m.id < ? ORDER BY m.id DESC LIMIT ?"
		args = append(args, at)
	default:
		q += " ORDER BY m.id DESC LIMIT ?"
	}
	msgs, err := db.scanMessages(ctx, q, append(args, limit+1)...)
	if err != nil {
		return nil, fmt.Errorf("messages: %w", err)
	}
	more := len(msgs) > limit
	msgs = msgs[:min(len(msgs), limit)]
	if dir == "b" {
		slices.Reverse(msgs)
	}
	p := &MessagePage{Messages: msgs}
	if len(msgs) == 0 {
		return p, nil
	}
	// Going back, there is more before when the query found it, and more
	// after when the page was asked for from a later one; going forward,
	// the other way round.
	older, newer := more, at > 0
	if dir == "a" {
		older, newer = true, more
	}
	if older {
		p.Earlier = base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "b.%d", msgs[0].ID))
	}
	if newer {
		p.Later = base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "a.%d", msgs[len(msgs)-1].ID))
	}
	if err := db.loadVersions(ctx, msgs); err != nil {
		return nil, err
	}
	return p, db.loadAttachments(ctx, msgs)
}
