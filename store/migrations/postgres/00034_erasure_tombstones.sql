-- +goose Up
-- What an erasure leaves: a keyed hash of each erased message's channel and
-- platform id (no personal data), so that a redelivery or a replay of the
-- message is acknowledged and not stored again, until it expires.
CREATE TABLE erased_messages (
    mac TEXT PRIMARY KEY,
    erased_at BIGINT NOT NULL
);
CREATE INDEX erased_messages_at ON erased_messages (erased_at);

-- +goose Down
DROP TABLE erased_messages;
