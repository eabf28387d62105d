-- +goose Up
-- A channel's platform settings and credentials (a bot token, an app
-- secret...), as JSON sealed with the master key (package secrets).
ALTER TABLE channels ADD COLUMN settings TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE channels DROP COLUMN settings;
