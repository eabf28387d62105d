-- +goose Up
-- Channel health for administrators: when the channel last brought a
-- message, and its last error (a refused delivery, an unreachable platform).
ALTER TABLE channels ADD COLUMN last_event_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE channels ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE channels ADD COLUMN last_error_at INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE channels DROP COLUMN last_error_at;
ALTER TABLE channels DROP COLUMN last_error;
ALTER TABLE channels DROP COLUMN last_event_at;
