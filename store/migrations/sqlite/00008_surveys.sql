-- +goose Up
-- Satisfaction ("Mettiamoci la faccia"): one survey per resolved private
-- conversation, answered once by the citizen through an unguessable token.
-- rating: 1 negative, 2 sufficient, 3 positive (0: not answered yet).
CREATE TABLE surveys (
    id INTEGER PRIMARY KEY,
    ente_id INTEGER NOT NULL,
    conversation_id INTEGER NOT NULL UNIQUE REFERENCES conversations(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    answered_at INTEGER NOT NULL DEFAULT 0,
    rating INTEGER NOT NULL DEFAULT 0,
    comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX surveys_ente ON surveys (ente_id, answered_at);
ALTER TABLE entes ADD COLUMN surveys BOOLEAN NOT NULL DEFAULT true;

-- +goose Down
ALTER TABLE entes DROP COLUMN surveys;
DROP TABLE surveys;
