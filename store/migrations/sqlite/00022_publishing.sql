-- +goose Up
-- Institutional publishing: posts written in Redazione for one of the ente's
-- accounts (a channel), their checks, approval and undo window; the
-- electoral periods (L. 28/2000 art. 9); and the publication log, each
-- entry chained to the one before by its hash (append-only).
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    ente_id INTEGER NOT NULL REFERENCES entes(id),
    desk_id INTEGER NOT NULL REFERENCES desks(id),
    channel_id INTEGER NOT NULL REFERENCES channels(id),
    text TEXT NOT NULL,
    status TEXT NOT NULL,
    scheduled_at INTEGER NOT NULL DEFAULT 0,
    send_at INTEGER NOT NULL DEFAULT 0,
    justification TEXT NOT NULL DEFAULT '',
    needs_approval BOOLEAN NOT NULL DEFAULT false,
    created_by INTEGER NOT NULL,
    approved_by INTEGER NOT NULL DEFAULT 0,
    external_id TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    published_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX posts_due ON posts (status, send_at);
CREATE INDEX posts_ente ON posts (ente_id, send_at);

CREATE TABLE electoral_periods (
    id INTEGER PRIMARY KEY,
    ente_id INTEGER NOT NULL REFERENCES entes(id),
    name TEXT NOT NULL,
    from_day TEXT NOT NULL,
    to_day TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE publication_log (
    id INTEGER PRIMARY KEY,
    ente_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    post_id INTEGER NOT NULL,
    action TEXT NOT NULL,
    actor_id INTEGER NOT NULL DEFAULT 0,
    at INTEGER NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (ente_id, seq)
);
CREATE TRIGGER publication_log_no_update BEFORE UPDATE ON publication_log
BEGIN SELECT RAISE(ABORT, 'publication_log is append-only'); END;
CREATE TRIGGER publication_log_no_delete BEFORE DELETE ON publication_log
BEGIN SELECT RAISE(ABORT, 'publication_log is append-only'); END;

ALTER TABLE entes ADD COLUMN blocklist TEXT NOT NULL DEFAULT '';
ALTER TABLE entes ADD COLUMN undo_seconds INTEGER NOT NULL DEFAULT 60;

-- +goose Down
ALTER TABLE entes DROP COLUMN undo_seconds;
ALTER TABLE entes DROP COLUMN blocklist;
DROP TABLE publication_log;
DROP TABLE electoral_periods;
DROP TABLE posts;
