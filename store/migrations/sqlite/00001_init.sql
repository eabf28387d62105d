-- +goose Up
-- Times are INTEGER milliseconds since the Unix epoch (UTC) in both dialects,
-- so that sorting and comparing is the same everywhere.
CREATE TABLE entes (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE desks (
    id INTEGER PRIMARY KEY,
    ente_id INTEGER NOT NULL REFERENCES entes(id),
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    UNIQUE (ente_id, slug)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    ente_id INTEGER NOT NULL REFERENCES entes(id),
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    disabled BOOLEAN NOT NULL DEFAULT false,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER NOT NULL DEFAULT 0,
    lang TEXT NOT NULL DEFAULT 'it',
    created_at INTEGER NOT NULL
);

CREATE TABLE user_desks (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    desk_id INTEGER NOT NULL REFERENCES desks(id),
    PRIMARY KEY (user_id, desk_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    ente_id INTEGER NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    ente_id INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);

CREATE TABLE channels (
    id INTEGER PRIMARY KEY,
    ente_id INTEGER NOT NULL REFERENCES entes(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    desk_id INTEGER NOT NULL REFERENCES desks(id),
    secret TEXT NOT NULL,
    callback_url TEXT NOT NULL DEFAULT '',
    disabled BOOLEAN NOT NULL DEFAULT false,
    created_at INTEGER NOT NULL
);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    ente_id INTEGER NOT NULL REFERENCES entes(id),
    channel_id INTEGER NOT NULL REFERENCES channels(id),
    external_id TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    UNIQUE (channel_id, external_id)
);
CREATE INDEX contacts_ente_name ON contacts (ente_id, name);

CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    ente_id INTEGER NOT NULL REFERENCES entes(id),
    channel_id INTEGER NOT NULL REFERENCES channels(id),
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    desk_id INTEGER NOT NULL REFERENCES desks(id),
    status TEXT NOT NULL DEFAULT 'open',
    assignee_id INTEGER NOT NULL DEFAULT 0,
    waiting_since INTEGER NOT NULL DEFAULT 0,
    last_message_at INTEGER NOT NULL DEFAULT 0,
    last_message_id INTEGER NOT NULL DEFAULT 0,
    -- queue_key orders the inbox: the longest-waiting first, then the rest by
    -- most recent activity (see store.queueKey).
    queue_key INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX conversations_queue ON conversations (ente_id, status, queue_key, id);
CREATE INDEX conversations_desk_queue ON conversations (ente_id, desk_id, status, queue_key, id);
CREATE INDEX conversations_assignee_queue ON conversations (ente_id, assignee_id, status, queue_key, id);
CREATE INDEX conversations_contact ON conversations (contact_id, id);

CREATE TABLE conversation_tags (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    ente_id INTEGER NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (conversation_id, tag)
);
CREATE INDEX conversation_tags_tag ON conversation_tags (ente_id, tag);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    ente_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    direction TEXT NOT NULL,
    author_id INTEGER NOT NULL DEFAULT 0,
    external_id TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    delivery TEXT NOT NULL DEFAULT '',
    delivery_error TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX messages_conversation ON messages (conversation_id, id);
CREATE UNIQUE INDEX messages_external ON messages (channel_id, external_id) WHERE external_id <> '';
CREATE INDEX messages_delivery ON messages (delivery, id) WHERE delivery = 'queued';

-- Contentless full-text index: rowid is messages.id, doc is search.Document(text).
CREATE VIRTUAL TABLE messages_fts USING fts5(doc, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0');

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    ente_id INTEGER NOT NULL,
    actor_id INTEGER NOT NULL DEFAULT 0,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    at INTEGER NOT NULL
);
CREATE INDEX audit_log_ente ON audit_log (ente_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    ente_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    conversation_id INTEGER NOT NULL,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notifications_user ON notifications (user_id, id);

-- +goose Down
DROP TABLE notifications;
DROP TABLE audit_log;
DROP TABLE messages_fts;
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
