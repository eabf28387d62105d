package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/redazione/redazione"
)

// Colleague is a user who may open a conversation: someone a note on it
// may mention.
type Colleague struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Email  string `json:"-"`
	Handle string `json:"handle"` // what follows the @ ("giulia.bianchi")
}

// Handle is the name a colleague is mentioned by: the local part of their
// e-mail address ("giulia.bianchi" of giulia.bianchi@comune.example.it),
// lower case, or their name with dots for spaces when the address has
// characters a handle cannot hold.
func Handle(email, name string) string {
	local := strings.ToLower(strings.SplitN(email, "@", 2)[0])
	if local != "" && validHandle(local) {
		return local
	}
	return nameHandle(name)
}

func nameHandle(name string) string {
	return strings.ToLower(strings.Join(strings.Fields(name), "."))
}

func validHandle(h string) bool {
	for _, r := range h {
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) && r != '.' && r != '_' && r != '-' {
			return false
		}
	}
	return strings.TrimRight(h, "._-") == h
}

// matches reports whether a mentioned handle names c: their handle, their
// address's local part or their name with dots.
func (c Colleague) matches(h string) bool {
	return h == c.Handle || h == strings.ToLower(strings.SplitN(c.Email, "@", 2)[0]) || h == nameHandle(c.Name)
}

// colleagues lists the enabled users of the ente who may open the
// conversation: coordinators and administrators, and the operators of its
// desk.
func colleagues(ctx context.Context, c conn, enteID, convID int64) ([]Colleague, error) {
	return queryAll(ctx, c, func(s scanner) (Colleague, error) {
		var u Colleague
		err := s.Scan(&u.ID, &u.Email, &u.Name)
		u.Handle = Handle(u.Email, u.Name)
		return u, err
	}, `SELECT u.id, u.email, u.name FROM users u WHERE u.ente_id = ? AND u.disabled = ?
	 AND (u.role <> ? OR EXISTS (SELECT 1 FROM user_desks d JOIN conversations c ON c.desk_id = d.desk_id WHERE d.user_id = u.id AND c.id = ?))
	 ORDER BY u.name, u.id`, enteID, false, string(redazione.RoleOperator), convID)
}

// Colleagues lists who a note on the conversation may mention, the actor
// left out, by name.
func (db *DB) Colleagues(ctx context.Context, a redazione.Actor, convID int64) ([]Colleague, error) {
	if _, err := db.Conversation(ctx, a, convID); err != nil {
		return nil, err
	}
	all, err := colleagues(ctx, db.reader(), a.EnteID, convID)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, c := range all {
		if c.ID != a.UserID {
			out = append(out, c)
		}
	}
	return out, nil
}

// notifyMentions records a mention and a notification for each colleague a
// note names who can open the conversation (an operator of another desk
// could not: move or assign it to bring them in). A handle that names no
// one stays plain text.
func (db *DB) notifyMentions(ctx context.Context, tx conn, a redazione.Actor, convID, msgID int64, text string, now time.Time) error {
	handles := Mentions(text)
	if len(handles) == 0 {
		return nil
	}
	users, err := colleagues(ctx, tx, a.EnteID, convID)
	if err != nil {
		return err
	}
	author := "Redazione" // a note of the system's own
	if err := tx.row(ctx, "SELECT name FROM users WHERE id = ?", a.UserID).Scan(&author); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("mention author: %w", err)
	}
	done := map[int64]bool{}
	for _, h := range handles {
		for _, u := range users {
			if !u.matches(h) || done[u.ID] || u.ID == a.UserID {
				continue
			}
			done[u.ID] = true
			if _, err := tx.exec(ctx, "INSERT INTO mentions (ente_id, conversation_id, message_id, user_id, author_id, handle, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
				a.EnteID, convID, msgID, u.ID, a.UserID, h, ms(now)); err != nil {
				return fmt.Errorf("mention: %w", err)
			}
			msg := fmt.Sprintf("%s ti ha menzionato in una nota", author)
			if _, err := tx.exec(ctx, "INSERT INTO notifications (ente_id, user_id, conversation_id, text, created_at) VALUES (?, ?, ?, ?, ?)",
				a.EnteID, u.ID, convID, msg, ms(now)); err != nil {
				return fmt.Errorf("notify: %w", err)
			}
		}
	}
	return nil
}

// Mentioned is a colleague a note named: the handle written and who it is.
type Mentioned struct {
	Handle string
	UserID int64
	Name   string
	Email  string
}

// NoteMentions returns, by message, the colleagues the given notes of an
// ente named.
func (db *DB) NoteMentions(ctx context.Context, enteID int64, msgIDs []int64) (map[int64][]Mentioned, error) {
	out := map[int64][]Mentioned{}
	if len(msgIDs) == 0 {
		return out, nil
	}
	rows, err := db.reader().query(ctx, `SELECT mn.message_id, mn.handle, u.id, u.name, u.email FROM mentions mn JOIN users u ON u.id = mn.user_id
	 WHERE mn.ente_id = ? AND mn.message_id IN (`+placeholders(len(msgIDs))+`) ORDER BY mn.id`, append([]any{enteID}, anys(msgIDs)...)...)
	if err != nil {
		return nil, fmt.Errorf("note mentions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var m Mentioned
		if err := rows.Scan(&id, &m.Handle, &m.UserID, &m.Name, &m.Email); err != nil {
			return nil, err
		}
		out[id] = append(out[id], m)
	}
	return out, rows.Err()
}

// Mention is one note that named the reader, as the Menzioni view lists it.
type Mention struct {
	ID             int64
	ConversationID int64
	MessageID      int64
	AuthorName     string
	ContactName    string // the citizen the conversation is with
	Text           string // the note
	CreatedAt      time.Time
	ReadAt         time.Time
}

// MentionsOf lists the notes that named the actor, newest first, on the
// conversations they may still open, and how many are unread.
func (db *DB) MentionsOf(ctx context.Context, a redazione.Actor, limit int) ([]Mention, int, error) {
	scope, args := deskScope(a, "c.desk_id")
	base := ` FROM mentions mn JOIN conversations c ON c.id = mn.conversation_id
	 WHERE mn.user_id = ? AND mn.ente_id = ?` + scope
	var unread int
	if err := db.reader().row(ctx, "SELECT COUNT(*)"+base+" AND mn.read_at = 0", append([]any{a.UserID, a.EnteID}, args...)...).Scan(&unread); err != nil {
		return nil, 0, fmt.Errorf("mentions: %w", err)
	}
	q := `SELECT mn.id, mn.conversation_id, mn.message_id, COALESCE(au.name, ''), CASE WHEN ct.name <> '' THEN ct.name ELSE ct.external_id END, COALESCE(m.text, ''), mn.created_at, mn.read_at
	 FROM mentions mn JOIN conversations c ON c.id = mn.conversation_id
	 JOIN contacts ct ON ct.id = c.contact_id
	 LEFT JOIN messages m ON m.id = mn.message_id
	 LEFT JOIN users au ON au.id = mn.author_id
	 WHERE mn.user_id = ? AND mn.ente_id = ?` + scope + ` ORDER BY mn.id DESC LIMIT ?`
	list, err := queryAll(ctx, db.reader(), func(s scanner) (Mention, error) {
		var m Mention
		var created, read int64
		err := s.Scan(&m.ID, &m.ConversationID, &m.MessageID, &m.AuthorName, &m.ContactName, &m.Text, &created, &read)
		m.CreatedAt, m.ReadAt = tm(created), tm(read)
		return m, err
	}, q, append(append([]any{a.UserID, a.EnteID}, args...), limit)...)
	if err != nil {
		return nil, 0, fmt.Errorf("mentions: %w", err)
	}
	return list, unread, nil
}

// ReadMentions marks read the actor's mentions in a conversation they
// opened. It writes only when there is something to mark.
func (db *DB) ReadMentions(ctx context.Context, a redazione.Actor, convID int64) error {
	var n int
	if err := db.reader().row(ctx, "SELECT COUNT(*) FROM mentions WHERE user_id = ? AND conversation_id = ? AND read_at = 0", a.UserID, convID).Scan(&n); err != nil || n == 0 {
		return err
	}
	_, err := conn{db: db, q: db.write}.exec(ctx, "UPDATE mentions SET read_at = ? WHERE user_id = ? AND conversation_id = ? AND read_at = 0", ms(db.now()), a.UserID, convID)
	return err
}

// NewerMessages returns what was added to a conversation after the message
// afterID, notes and the actor's own messages left out: a citizen's new
// message or a colleague's reply that someone about to answer has not
// seen. Oldest first.
func (db *DB) NewerMessages(ctx context.Context, a redazione.Actor, convID, afterID int64) ([]*redazione.Message, error) {
	if _, err := db.Conversation(ctx, a, convID); err != nil {
		return nil, err
	}
	return queryAll(ctx, db.reader(), func(s scanner) (*redazione.Message, error) { return scanMessage(s) }, "SELECT "+messageColumns+`
	 FROM messages m LEFT JOIN users u ON u.id = m.author_id
	 WHERE m.conversation_id = ? AND m.ente_id = ? AND m.id > ? AND m.direction <> ? AND m.author_id <> ?
	 ORDER BY m.id LIMIT 20`, convID, a.EnteID, afterID, string(redazione.DirNote), a.UserID)
}

// LatestMessageID returns the id of a conversation's newest message or
// note (0 when it has none).
func (db *DB) LatestMessageID(ctx context.Context, enteID, convID int64) (int64, error) {
	var id int64
	err := db.reader().row(ctx, "SELECT COALESCE(MAX(id), 0) FROM messages WHERE conversation_id = ? AND ente_id = ?", convID, enteID).Scan(&id)
	return id, err
}
