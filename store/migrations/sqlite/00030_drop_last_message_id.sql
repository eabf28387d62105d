-- +goose Up
-- A conversation's last message is found through the messages'
-- conversation index (see conversationSelect): last_message_id was written
-- and never read, and went stale.
ALTER TABLE conversations DROP COLUMN last_message_id;

-- +goose Down
ALTER TABLE conversations ADD COLUMN last_message_id INTEGER NOT NULL DEFAULT 0;
UPDATE conversations SET last_message_id = COALESCE((SELECT MAX(m.id) FROM messages m
 WHERE m.conversation_id = conversations.id AND m.direction IN ('in', 'out')), 0)
 WHERE erased_at = 0;
