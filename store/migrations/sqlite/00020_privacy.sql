-- +goose Up
-- GDPR: how long the ente keeps the messages of resolved conversations
-- (0: no limit), and when a conversation's messages or a contact's identity
-- were erased (by that retention, or on the citizen's request). An erased
-- conversation keeps its desk, times and rating for the reports.
ALTER TABLE entes ADD COLUMN retention_months INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN erased_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN erased_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX conversations_retention ON conversations (ente_id, last_message_at) WHERE status = 'resolved' AND erased_at = 0;

-- +goose Down
DROP INDEX conversations_retention;
ALTER TABLE contacts DROP COLUMN erased_at;
ALTER TABLE conversations DROP COLUMN erased_at;
ALTER TABLE entes DROP COLUMN retention_months;
