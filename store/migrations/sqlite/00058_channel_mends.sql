-- +goose Up
-- A channel's last error is kept once the channel works again, shown as
-- past: last_error_cleared_at is when it worked again (0: not yet).
ALTER TABLE channels ADD COLUMN last_error_cleared_at INTEGER NOT NULL DEFAULT 0;

-- Where a Telegram channel in polling mode has read up to: the offset for
-- the next getUpdates (the last update_id stored, plus one), so a restart
-- neither fetches again nor skips.
CREATE TABLE telegram_offsets (
    channel_id INTEGER PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
    next_offset INTEGER NOT NULL
);

-- +goose Down
DROP TABLE telegram_offsets;
ALTER TABLE channels DROP COLUMN last_error_cleared_at;
