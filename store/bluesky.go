package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// blueskySession names the row of a Bluesky channel's session.
const blueskySession = "session"

// BlueskySession returns a Bluesky channel's session as it was saved
// (nothing before the first sign-in), opened from its sealed form.
func (db *DB) BlueskySession(ctx context.Context, channelID int64) ([]byte, error) {
	v, err := db.BlueskyCursor(ctx, channelID, blueskySession)
	if err != nil || v == "" {
		return nil, err
	}
	if db.sealer == nil {
		return nil, errors.New("the Bluesky session is sealed and no master key is set")
	}
	plain, err := db.sealer.Open(v)
	if err != nil {
		return nil, fmt.Errorf("channel %d Bluesky session: %w", channelID, err)
	}
	return plain, nil
}

// SaveBlueskySession keeps a Bluesky channel's session, sealed: its tokens
// post on the ente's behalf.
func (db *DB) SaveBlueskySession(ctx context.Context, channelID int64, session []byte) error {
	if db.sealer == nil {
		return errors.New("no master key to seal the Bluesky session (REDAZIONE_SECRET_KEY)")
	}
	sealed, err := db.sealer.Seal(session)
	if err != nil {
		return err
	}
	return db.SaveBlueskyCursor(ctx, channelID, blueskySession, sealed)
}

// BlueskyCursor returns how far a Bluesky channel's poller has read under
// name ("" at first).
func (db *DB) BlueskyCursor(ctx context.Context, channelID int64, name string) (string, error) {
	var v string
	err := db.reader().row(ctx, "SELECT value FROM bluesky_state WHERE channel_id = ? AND name = ?", channelID, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("bluesky state: %w", err)
	}
	return v, nil
}

// SaveBlueskyCursor records how far a Bluesky channel's poller has read.
func (db *DB) SaveBlueskyCursor(ctx context.Context, channelID int64, name, value string) error {
	_, err := conn{db: db, q: db.write}.exec(ctx, `INSERT INTO bluesky_state (channel_id, name, value) VALUES (?, ?, ?)
	 ON CONFLICT (channel_id, name) DO UPDATE SET value = excluded.value`, channelID, name, value)
	if err != nil {
		return fmt.Errorf("save bluesky state: %w", err)
	}
	return nil
}
