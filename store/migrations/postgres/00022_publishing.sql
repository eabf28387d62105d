-- +goose Up
-- Institutional publishing: posts written in Redazione for one of the ente's
-- accounts (a channel), their checks, approval and undo window; the
-- electoral periods (L. 28/2000 art. 9); and the publication log, each
-- entry chained to the one before by its hash (append-only).
CREATE TABLE posts (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES entes(id),
    desk_id BIGINT NOT NULL REFERENCES desks(id),
    channel_id BIGINT NOT NULL REFERENCES channels(id),
    text TEXT NOT NULL,
    status TEXT NOT NULL,
    scheduled_at BIGINT NOT NULL DEFAULT 0,
    send_at BIGINT NOT NULL DEFAULT 0,
    justification TEXT NOT NULL DEFAULT '',
    needs_approval BOOLEAN NOT NULL DEFAULT false,
    created_by BIGINT NOT NULL,
    approved_by BIGINT NOT NULL DEFAULT 0,
    external_id TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    published_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX posts_due ON posts (status, send_at);
CREATE INDEX posts_ente ON posts (ente_id, send_at);

CREATE TABLE electoral_periods (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES entes(id),
    name TEXT NOT NULL,
    from_day TEXT NOT NULL,
    to_day TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE publication_log (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    post_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    actor_id BIGINT NOT NULL DEFAULT 0,
    at BIGINT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (ente_id, seq)
);
-- +goose StatementBegin
CREATE FUNCTION publication_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'publication_log is append-only';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER publication_log_no_change BEFORE UPDATE OR DELETE ON publication_log
FOR EACH ROW EXECUTE FUNCTION publication_log_append_only();
CREATE TRIGGER publication_log_no_truncate BEFORE TRUNCATE ON publication_log
FOR EACH STATEMENT EXECUTE FUNCTION publication_log_append_only();

ALTER TABLE entes ADD COLUMN blocklist TEXT NOT NULL DEFAULT '';
ALTER TABLE entes ADD COLUMN undo_seconds INTEGER NOT NULL DEFAULT 60;

-- +goose Down
ALTER TABLE entes DROP COLUMN undo_seconds;
ALTER TABLE entes DROP COLUMN blocklist;
DROP TABLE publication_log;
DROP FUNCTION publication_log_append_only;
DROP TABLE electoral_periods;
DROP TABLE posts;
