-- +goose Up
-- Public conversations (comments, mentions) are kept apart from private ones.
ALTER TABLE conversations ADD COLUMN public BOOLEAN NOT NULL DEFAULT false;

-- Flags for delicate situations: personal data exposed in public, urgency or
-- danger. detail is the JSON of what was found (kind, start, end in the
-- message's text). A cleared flag stays, with who cleared it and why.
CREATE TABLE conversation_flags (
    id INTEGER PRIMARY KEY,
    ente_id INTEGER NOT NULL,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    message_id INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    cleared_by INTEGER NOT NULL DEFAULT 0,
    cleared_at INTEGER NOT NULL DEFAULT 0,
    clear_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX conversation_flags_conversation ON conversation_flags (conversation_id, id);
CREATE INDEX conversation_flags_open ON conversation_flags (ente_id, kind, conversation_id) WHERE cleared_at = 0;

-- +goose Down
DROP TABLE conversation_flags;
ALTER TABLE conversations DROP COLUMN public;
