-- +goose Up
-- Who was mentioned in which note. The Menzioni view lists a person's
-- mentions newest first, unread until they open the conversation; the note
-- shows each handle that named a colleague as that colleague's name. No
-- foreign key to messages: erasure deletes the rows of the conversations it
-- erases (store/privacy.go), as it does the notifications.
CREATE TABLE mentions (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL,
    conversation_id BIGINT NOT NULL,
    message_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    author_id BIGINT NOT NULL,
    handle TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX mentions_user ON mentions (user_id, id);
CREATE INDEX mentions_message ON mentions (message_id);

-- +goose Down
DROP TABLE mentions;
