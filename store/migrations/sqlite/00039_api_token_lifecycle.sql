-- +goose Up
-- API tokens get an id (to list and revoke them), an expiry, a read-only
-- flag, the time of their last use and of their revocation (0: never).
-- The tokens made before have one year from this migration.
CREATE TABLE api_tokens_new (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    ente_id INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL DEFAULT 0,
    read_only BOOLEAN NOT NULL DEFAULT false,
    last_used_at INTEGER NOT NULL DEFAULT 0,
    revoked_at INTEGER NOT NULL DEFAULT 0
);
INSERT INTO api_tokens_new (token_hash, user_id, ente_id, name, created_at, expires_at)
    SELECT token_hash, user_id, ente_id, name, created_at,
        CAST(strftime('%s', 'now') AS INTEGER) * 1000 + 365 * 86400000
    FROM api_tokens ORDER BY created_at;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_new RENAME TO api_tokens;
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- +goose Down
CREATE TABLE api_tokens_old (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    ente_id INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
INSERT INTO api_tokens_old (token_hash, user_id, ente_id, name, created_at)
    SELECT token_hash, user_id, ente_id, name, created_at FROM api_tokens WHERE revoked_at = 0;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_old RENAME TO api_tokens;
