package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redazione/redazione"
)

// TimedText is a citizen's message text and when it arrived.
type TimedText struct {
	Text string
	At   time.Time
}

// MaxTopicTexts bounds how many messages a topic analysis reads: the
// latest ones, newest first.
const MaxTopicTexts = 20000

// CitizenTexts returns the texts citizens wrote since a moment, in the
// conversations the actor sees, newest first, at most MaxTopicTexts.
// Deleted messages are left out.
func (db *DB) CitizenTexts(ctx context.Context, a redazione.Actor, since time.Time) ([]TimedText, error) {
	first, err := db.firstMessageSince(ctx, since)
	if err != nil {
		return nil, err
	}
	scope, sargs := deskScope(a, "c.desk_id")
	args := append([]any{a.EnteID, first, ms(since)}, sargs...)
	args = append(args, MaxTopicTexts)
	out, err := queryAll(ctx, db.reader(), func(s scanner) (TimedText, error) {
		var t TimedText
		var at int64
		err := s.Scan(&t.Text, &at)
		t.At = tm(at)
		return t, err
	}, `SELECT m.text, m.created_at FROM messages m JOIN conversations c ON c.id = m.conversation_id
	 WHERE m.ente_id = ? AND m.id >= ? AND m.direction = 'in' AND m.deleted_at = 0 AND m.created_at >= ?`+scope+` ORDER BY m.id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("citizen texts: %w", err)
	}
	return out, nil
}

// firstMessageSince finds, by bisection on the primary key, about the first
// message stored at or after since: messages are numbered as they arrive,
// so a query can start there instead of scanning the whole archive (there
// is no index on the time, and none is worth its cost on every ingest).
func (db *DB) firstMessageSince(ctx context.Context, since time.Time) (int64, error) {
	var lo, hi int64
	if err := db.reader().row(ctx, "SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), 0) FROM messages").Scan(&lo, &hi); err != nil {
		return 0, fmt.Errorf("messages since: %w", err)
	}
	for lo < hi {
		mid := lo + (hi-lo)/2
		var at int64
		err := db.reader().row(ctx, "SELECT created_at FROM messages WHERE id >= ? ORDER BY id LIMIT 1", mid).Scan(&at)
		if err != nil {
			return 0, fmt.Errorf("messages since: %w", err)
		}
		if at >= ms(since) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo, nil
}

// TopicAlerted records that an emerging topic is announced, and reports
// whether it was announced since the moment given already (then nothing
// changes).
func (db *DB) TopicAlerted(ctx context.Context, enteID int64, stem string, since time.Time) (bool, error) {
	now := db.now()
	already := false
	err := db.inTx(ctx, func(tx conn) error {
		var at int64
		err := tx.row(ctx, "SELECT alerted_at FROM topic_alerts WHERE ente_id = ? AND stem = ?", enteID, stem).Scan(&at)
		if err == nil && at >= ms(since) {
			already = true
			return nil
		}
		if _, err := tx.exec(ctx, "DELETE FROM topic_alerts WHERE ente_id = ? AND stem = ?", enteID, stem); err != nil {
			return err
		}
		_, err = tx.exec(ctx, "INSERT INTO topic_alerts (ente_id, stem, alerted_at) VALUES (?, ?, ?)", enteID, stem, ms(now))
		return err
	})
	return already, err
}

// Enti returns the ids of every ente of the installation.
func (db *DB) Enti(ctx context.Context) ([]int64, error) {
	return ids(ctx, db.reader(), "SELECT id FROM entes ORDER BY id")
}
