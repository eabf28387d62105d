package store

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/redazione/redazione"
)

var mentionRE = regexp.MustCompile(`@([\p{L}\p{N}._-]+)`)

// Mentions returns the handles mentioned in a note ("@mario.rossi").
func Mentions(text string) []string {
	var out []string
	for _, m := range mentionRE.FindAllStringSubmatch(text, -1) {
		out = append(out, strings.ToLower(strings.TrimRight(m[1], "._-")))
	}
	return out
}

// notifyMentions notifies each user of the ente mentioned in a note who can
// open the conversation (an operator of another desk could not: move or
// assign it to bring them in).
func (db *DB) notifyMentions(ctx context.Context, tx conn, a redazione.Actor, convID int64, text string, now time.Time) error {
	handles := Mentions(text)
	if len(handles) == 0 {
		return nil
	}
	rows, err := tx.query(ctx, `SELECT u.id, u.email, u.name FROM users u WHERE u.ente_id = ? AND u.disabled = ?
	 AND (u.role <> ? OR EXISTS (SELECT 1 FROM user_desks d JOIN conversations c ON c.desk_id = d.desk_id WHERE d.user_id = u.id AND c.id = ?))`,
		a.EnteID, false, string(redazione.RoleOperator), convID)
	if err != nil {
		return err
	}
	type target struct {
		id          int64
		email, name string
	}
	var users []target
	for rows.Next() {
		var t target
		if err := rows.Scan(&t.id, &t.email, &t.name); err != nil {
			rows.Close()
			return err
		}
		users = append(users, t)
	}
	rows.Close()
	var author string
	_ = tx.row(ctx, "SELECT name FROM users WHERE id = ?", a.UserID).Scan(&author)
	done := map[int64]bool{}
	for _, h := range handles {
		for _, u := range users {
			local := strings.ToLower(strings.SplitN(u.email, "@", 2)[0])
			if (local == h || strings.ToLower(strings.ReplaceAll(u.name, " ", ".")) == h) && !done[u.id] && u.id != a.UserID {
				done[u.id] = true
				msg := fmt.Sprintf("%s ti ha menzionato in una nota", author)
				if _, err := tx.exec(ctx, "INSERT INTO notifications (ente_id, user_id, conversation_id, text, created_at) VALUES (?, ?, ?, ?, ?)",
					a.EnteID, u.id, convID, msg, ms(now)); err != nil {
					return fmt.Errorf("notify: %w", err)
				}
			}
		}
	}
	return nil
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
