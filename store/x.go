package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"

	"github.com/redazione/redazione"
)

// SaveChannelTokens merges a platform's new OAuth tokens into a channel's
// settings, sealed like the rest, on the channel's own behalf (no actor:
// the adapter renews them as they expire). prevRefresh is the refresh token
// the renewal used: when the stored one is no longer it, another process
// renewed first (X rotates refresh tokens, the old one is spent) and the
// answer is a conflict, so the caller takes the stored tokens instead of
// overwriting newer ones.
func (db *DB) SaveChannelTokens(ctx context.Context, id int64, prevRefresh string, tokens map[string]string) error {
	defer db.channels.Delete(id)
	return db.inTx(ctx, func(tx conn) error {
		var sealed string
		if err := tx.row(ctx, "SELECT settings FROM channels WHERE id = ?", id).Scan(&sealed); errors.Is(err, sql.ErrNoRows) {
			return notFound("canale")
		} else if err != nil {
			return fmt.Errorf("channel tokens: %w", err)
		}
		settings := map[string]string{}
		if sealed != "" {
			if db.sealer == nil {
				return errors.New("channel settings are sealed and no master key is set")
			}
			plain, err := db.sealer.Open(sealed)
			if err != nil {
				return fmt.Errorf("channel %d settings: %w", id, err)
			}
			if err := json.Unmarshal(plain, &settings); err != nil {
				return fmt.Errorf("channel %d settings: %w", id, err)
			}
		}
		if settings["refresh_token"] != prevRefresh {
			return redazione.Errorf(redazione.ECONFLICT, "i token del canale sono stati rinnovati nel frattempo")
		}
		maps.Copy(settings, tokens)
		resealed, err := db.sealSettings(settings)
		if err != nil {
			return err
		}
		// The old sealed value in the WHERE: a renewal that raced this one
		// between the read and the write changes nothing here.
		res, err := tx.exec(ctx, "UPDATE channels SET settings = ? WHERE id = ? AND settings = ?", resealed, id, sealed)
		if err != nil {
			return fmt.Errorf("save channel tokens: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return redazione.Errorf(redazione.ECONFLICT, "i token del canale sono stati rinnovati nel frattempo")
		}
		return nil
	})
}

// XSinceID returns the id of the newest mention an X channel's poller has
// read ("" at first).
func (db *DB) XSinceID(ctx context.Context, channelID int64) (string, error) {
	var id string
	err := db.reader().row(ctx, "SELECT since_id FROM x_mentions WHERE channel_id = ?", channelID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("x since_id: %w", err)
	}
	return id, nil
}

// SaveXSinceID records the newest mention an X channel's poller has read.
func (db *DB) SaveXSinceID(ctx context.Context, channelID int64, sinceID string) error {
	_, err := conn{db: db, q: db.write}.exec(ctx, `INSERT INTO x_mentions (channel_id, since_id) VALUES (?, ?)
	 ON CONFLICT (channel_id) DO UPDATE SET since_id = excluded.since_id`, channelID, sinceID)
	if err != nil {
		return fmt.Errorf("save x since_id: %w", err)
	}
	return nil
}
