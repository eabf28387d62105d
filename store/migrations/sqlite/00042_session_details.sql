-- +goose Up
-- Sessions get an id (to list and end them one by one), the browser
-- (User-Agent) and client address they were opened from, and the time they
-- were last used (written at most once a minute). SQLite cannot add a key
-- to a table: it is made anew, its sessions kept.
CREATE TABLE sessions_new (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    ente_id INTEGER NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    scope TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    last_seen_at INTEGER NOT NULL DEFAULT 0
);
INSERT INTO sessions_new (token_hash, user_id, ente_id, csrf_token, created_at, expires_at, scope, last_seen_at)
    SELECT token_hash, user_id, ente_id, csrf_token, created_at, expires_at, scope, created_at
    FROM sessions ORDER BY created_at;
DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;
CREATE INDEX sessions_user ON sessions (user_id);

-- +goose Down
CREATE TABLE sessions_old (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    ente_id INTEGER NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    scope TEXT NOT NULL DEFAULT ''
);
INSERT INTO sessions_old (token_hash, user_id, ente_id, csrf_token, created_at, expires_at, scope)
    SELECT token_hash, user_id, ente_id, csrf_token, created_at, expires_at, scope FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_old RENAME TO sessions;
