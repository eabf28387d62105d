-- +goose Up
-- Sessions get an id (to list and end them one by one), the browser
-- (User-Agent) and client address they were opened from, and the time they
-- were last used (written at most once a minute). The id's sequence is the
-- owner's: the default privileges of docs/postgres-roles.sql give the
-- server's role its use.
ALTER TABLE sessions ADD COLUMN id BIGSERIAL UNIQUE;
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;
UPDATE sessions SET last_seen_at = created_at;
CREATE INDEX sessions_user ON sessions (user_id);

-- +goose Down
DROP INDEX sessions_user;
ALTER TABLE sessions DROP COLUMN last_seen_at;
ALTER TABLE sessions DROP COLUMN address;
ALTER TABLE sessions DROP COLUMN user_agent;
ALTER TABLE sessions DROP COLUMN id;
