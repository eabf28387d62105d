-- +goose Up
-- Times are BIGINT milliseconds since the Unix epoch (UTC) in both dialects,
-- so that sorting and comparing is the same everywhere.
CREATE TABLE entes (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE desks (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES entes(id),
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    position BIGINT NOT NULL DEFAULT 0,
    UNIQUE (ente_id, slug)
);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES entes(id),
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    disabled BOOLEAN NOT NULL DEFAULT false,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0,
    lang TEXT NOT NULL DEFAULT 'it',
    created_at BIGINT NOT NULL
);

CREATE TABLE user_desks (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    desk_id BIGINT NOT NULL REFERENCES desks(id),
    PRIMARY KEY (user_id, desk_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    ente_id BIGINT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    ente_id BIGINT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

CREATE TABLE channels (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES entes(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    desk_id BIGINT NOT NULL REFERENCES desks(id),
    secret TEXT NOT NULL,
    callback_url TEXT NOT NULL DEFAULT '',
    disabled BOOLEAN NOT NULL DEFAULT false,
    created_at BIGINT NOT NULL
);

CREATE TABLE contacts (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES entes(id),
    channel_id BIGINT NOT NULL REFERENCES channels(id),
    external_id TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    UNIQUE (channel_id, external_id)
);
CREATE INDEX contacts_ente_name ON contacts (ente_id, name);

CREATE TABLE conversations (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES entes(id),
    channel_id BIGINT NOT NULL REFERENCES channels(id),
    contact_id BIGINT NOT NULL REFERENCES contacts(id),
    desk_id BIGINT NOT NULL REFERENCES desks(id),
    status TEXT NOT NULL DEFAULT 'open',
    assignee_id BIGINT NOT NULL DEFAULT 0,
    waiting_since BIGINT NOT NULL DEFAULT 0,
    last_message_at BIGINT NOT NULL DEFAULT 0,
    last_message_id BIGINT NOT NULL DEFAULT 0,
    -- queue_key orders the inbox: the longest-waiting first, then the rest by
    -- most recent activity (see store.queueKey).
    queue_key BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX conversations_queue ON conversations (ente_id, status, queue_key, id);
CREATE INDEX conversations_desk_queue ON conversations (ente_id, desk_id, status, queue_key, id);
CREATE INDEX conversations_assignee_queue ON conversations (ente_id, assignee_id, status, queue_key, id);
CREATE INDEX conversations_contact ON conversations (contact_id, id);

CREATE TABLE conversation_tags (
    conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    ente_id BIGINT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (conversation_id, tag)
);
CREATE INDEX conversation_tags_tag ON conversation_tags (ente_id, tag);

CREATE TABLE messages (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL,
    channel_id BIGINT NOT NULL,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    direction TEXT NOT NULL,
    author_id BIGINT NOT NULL DEFAULT 0,
    external_id TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    delivery TEXT NOT NULL DEFAULT '',
    delivery_error TEXT NOT NULL DEFAULT '',
    attempts BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX messages_conversation ON messages (conversation_id, id);
CREATE UNIQUE INDEX messages_external ON messages (channel_id, external_id) WHERE external_id <> '';
CREATE INDEX messages_delivery ON messages (delivery, id) WHERE delivery = 'queued';

-- Full-text index: doc is to_tsvector('simple', search.Document(text)),
-- the Italian stemming being done in Go so both dialects match alike.
CREATE TABLE message_search (
    message_id BIGINT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    ente_id BIGINT NOT NULL,
    doc tsvector NOT NULL
);
CREATE INDEX message_search_doc ON message_search USING gin (doc);

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL,
    actor_id BIGINT NOT NULL DEFAULT 0,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL
);
CREATE INDEX audit_log_ente ON audit_log (ente_id, id);
-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE notifications (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    conversation_id BIGINT NOT NULL,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX notifications_user ON notifications (user_id, id);

-- +goose Down
DROP TABLE notifications;
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only;
DROP TABLE message_search;
DROP TABLE messages;
DROP TABLE conversation_tags;
DROP TABLE conversations;
DROP TABLE contacts;
DROP TABLE channels;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE user_desks;
DROP TABLE users;
DROP TABLE desks;
DROP TABLE entes;
