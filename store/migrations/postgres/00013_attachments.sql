-- +goose Up
-- Files citizens send with a message (photos, documents, e-mail
-- attachments). The content is in the blob store under blob_key (the hex
-- SHA-256 of the content); until it is there the row is 'pending' with the
-- platform's reference in source (a Telegram file_id, a WhatsApp media id, a
-- URL the webhook gave), or 'failed' with the reason in error.
CREATE TABLE attachments (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL,
    message_id BIGINT NOT NULL REFERENCES messages(id),
    name TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '',
    size BIGINT NOT NULL DEFAULT 0,
    blob_key TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX attachments_message ON attachments (message_id);
CREATE INDEX attachments_pending ON attachments (id) WHERE status = 'pending';

-- +goose Down
DROP TABLE attachments;
