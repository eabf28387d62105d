package store

import (
	"context"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/redazione/redazione"
)

var mentionRE = regexp.MustCompile(`@([\p{L}\p{N}._-]+)`)

// Mentions returns the handles mentioned in a note ("@mario.rossi").
func Mentions(text string) []string {
	var out []string
	for _, sp := range MentionSpans(text) {
		out = append(out, sp.Handle)
	}
	return out
}

// MentionSpan is a handle written in a note: text[Start:End] is "@" and the
// handle as written; Handle is it in lower case.
type MentionSpan struct {
	Start, End int
	Handle     string
}

// MentionSpans finds the handles written in a note; the dots, dashes and
// underscores that end a sentence are not part of one, and the @ of an
// e-mail address starts none.
func MentionSpans(text string) []MentionSpan {
	var out []MentionSpan
	for _, m := range mentionRE.FindAllStringSubmatchIndex(text, -1) {
		h := strings.TrimRight(text[m[2]:m[3]], "._-")
		if prev, _ := utf8.DecodeLastRuneInString(text[:m[0]]); h == "" || unicode.IsLetter(prev) || unicode.IsNumber(prev) {
			// an e-mail address (urp@comune.it), not a mention
			continue
		}
		out = append(out, MentionSpan{Start: m[0], End: m[2] + len(h), Handle: strings.ToLower(h)})
	}
	return out
}

// Notifications lists a user's newest notifications and how many are unread.
func (db *DB) Notifications(ctx context.Context, a redazione.Actor, limit int) ([]redazione.Notification, int, error) {
	var unread int
	if err := db.reader().row(ctx, "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND ente_id = ? AND read_at = 0", a.UserID, a.EnteID).Scan(&unread); err != nil {
		return nil, 0, err
	}
	rows, err := db.reader().query(ctx, "SELECT id, ente_id, user_id, conversation_id, text, created_at, read_at FROM notifications WHERE user_id = ? AND ente_id = ? ORDER BY id DESC LIMIT ?", a.UserID, a.EnteID, limit)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []redazione.Notification
	for rows.Next() {
		var n redazione.Notification
		var created, read int64
		if err := rows.Scan(&n.ID, &n.EnteID, &n.UserID, &n.ConversationID, &n.Text, &created, &read); err != nil {
			return nil, 0, err
		}
		n.CreatedAt, n.ReadAt = tm(created), tm(read)
		out = append(out, n)
	}
	return out, unread, rows.Err()
}

// MarkNotificationsRead marks all of a user's notifications read.
func (db *DB) MarkNotificationsRead(ctx context.Context, a redazione.Actor) error {
	_, err := conn{db: db, q: db.write}.exec(ctx, "UPDATE notifications SET read_at = ? WHERE user_id = ? AND ente_id = ? AND read_at = 0", ms(db.now()), a.UserID, a.EnteID)
	return err
}
