-- +goose Up
-- A citizen's message whose sending time is not plausible (more than 30
-- days old, or in the future) is filed at the time it was received; the
-- time the platform or the sender declared is kept here (0 otherwise) and
-- shown beside it.
ALTER TABLE messages ADD COLUMN declared_sent_at BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE messages DROP COLUMN declared_sent_at;
