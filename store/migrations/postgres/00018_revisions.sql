-- +goose Up
-- A citizen may edit or delete, on the platform, a message or comment
-- already in the inbox. The message shows the text as it is now (edited_at)
-- or that its author deleted it (deleted_at; the office keeps what it
-- received); message_versions keeps every text it replaced, so the office
-- can see what it was answering.
ALTER TABLE messages ADD COLUMN edited_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN deleted_at BIGINT NOT NULL DEFAULT 0;
CREATE TABLE message_versions (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL,
    message_id BIGINT NOT NULL REFERENCES messages(id),
    text TEXT NOT NULL,
    replaced_at BIGINT NOT NULL
);
CREATE INDEX message_versions_message ON message_versions (message_id, id);

-- +goose Down
DROP TABLE message_versions;
ALTER TABLE messages DROP COLUMN deleted_at;
ALTER TABLE messages DROP COLUMN edited_at;
