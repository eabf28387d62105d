-- +goose Up
-- A second factor (docs/MFA.md). TOTP: the secret sealed with the master
-- key (package secrets); confirmed_at is 0 until a first valid code;
-- last_step is the last time step accepted, so a code is never taken
-- twice.
CREATE TABLE mfa_totp (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    ente_id BIGINT NOT NULL,
    secret TEXT NOT NULL,
    confirmed_at BIGINT NOT NULL DEFAULT 0,
    last_step BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- Passkeys (WebAuthn): the public credential as the library keeps it
-- (JSON: id, public key, sign counter, flags); nothing in it is secret.
CREATE TABLE mfa_passkeys (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    ente_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    credential_id TEXT NOT NULL UNIQUE,
    credential TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX mfa_passkeys_user ON mfa_passkeys (user_id);

-- Ten single-use recovery codes: only their SHA-256 is kept.
CREATE TABLE mfa_recovery_codes (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, code_hash)
);

-- A pending login: the password (or single sign-on) passed, the second
-- factor not yet; known by the SHA-256 of its cookie's token. No session
-- exists until the second factor passes.
CREATE TABLE mfa_pending (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    ente_id BIGINT NOT NULL,
    via TEXT NOT NULL,
    next TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX mfa_pending_user ON mfa_pending (user_id);

-- The state of a WebAuthn ceremony (challenge, user, allowed credentials)
-- between its two requests, bound to the session or the pending login
-- that began it (owner_hash: the hash of its token); short-lived.
CREATE TABLE webauthn_ceremonies (
    owner_hash TEXT NOT NULL,
    kind TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    data TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (owner_hash, kind)
);

-- Each ente's policy: required is '' (not required), 'privileged'
-- (administrators and coordinators) or 'all'; sso_provider_factor: a
-- sign-in through single sign-on relies on the provider's own factor.
CREATE TABLE mfa_policies (
    ente_id BIGINT PRIMARY KEY REFERENCES entes(id) ON DELETE CASCADE,
    required TEXT NOT NULL DEFAULT '',
    sso_provider_factor BOOLEAN NOT NULL DEFAULT false
);

-- A session opened for a user who must enrol a second factor first
-- reaches only the enrolment page and logout (scope 'enrol').
ALTER TABLE sessions ADD COLUMN scope TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE sessions DROP COLUMN scope;
DROP TABLE mfa_policies;
DROP TABLE webauthn_ceremonies;
DROP TABLE mfa_pending;
DROP TABLE mfa_recovery_codes;
DROP TABLE mfa_passkeys;
DROP TABLE mfa_totp;
