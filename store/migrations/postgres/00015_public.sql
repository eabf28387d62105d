-- +goose Up
-- Public comments: whether the office hid a citizen's comment on the
-- platform, and, on a private message, the public comment it answers
-- privately (Meta's Private Replies go to the comment, not to the person).
ALTER TABLE messages ADD COLUMN hidden BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE messages ADD COLUMN private_reply_to TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE messages DROP COLUMN private_reply_to;
ALTER TABLE messages DROP COLUMN hidden;
