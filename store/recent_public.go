package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redazione/redazione"
)

// RecentPublicInbound lists the platform ids of the citizens' latest
// messages in the channel's open (not resolved) public conversations,
// received after since and not deleted, newest first, at most limit: the
// statuses a poller asks for again to learn of their edits and deletions
// where the platform tells them only on a stream. The ente's index of
// inbound messages by time (messages_inbound_at) serves it.
func (db *DB) RecentPublicInbound(ctx context.Context, ch *redazione.Channel, since time.Time, limit int) ([]string, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := db.reader().query(ctx, `SELECT m.external_id FROM messages m JOIN conversations c ON c.id = m.conversation_id
	 WHERE m.ente_id = ? AND m.direction = 'in' AND m.created_at > ? AND m.channel_id = ? AND m.external_id <> '' AND m.deleted_at = 0
	   AND c.public = ? AND c.status <> ?
	 ORDER BY m.created_at DESC, m.id DESC LIMIT ?`, ch.EnteID, ms(since), ch.ID, true, string(redazione.StatusResolved), limit)
	if err != nil {
		return nil, fmt.Errorf("recent public messages: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("recent public messages: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
