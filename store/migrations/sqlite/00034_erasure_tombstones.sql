-- +goose Up
-- What an erasure leaves: a keyed hash of each erased message's channel and
-- platform id (no personal data), so that a redelivery or a replay of the
-- message is acknowledged and not stored again, until it expires.
CREATE TABLE erased_messages (
    mac TEXT PRIMARY KEY,
    erased_at INTEGER NOT NULL
);
CREATE INDEX erased_messages_at ON erased_messages (erased_at);
-- FTS5 removes a deleted row's terms from its index at once, instead of
-- leaving them until the next merge.
INSERT INTO messages_fts (messages_fts, rank) VALUES ('secure-delete', 1);
INSERT INTO contacts_fts (contacts_fts, rank) VALUES ('secure-delete', 1);

-- +goose Down
DROP TABLE erased_messages;
