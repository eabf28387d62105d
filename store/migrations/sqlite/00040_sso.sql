-- +goose Up
-- Single sign-on (OpenID Connect): each ente may connect its own identity
-- provider. client_secret is sealed (package secrets), never plaintext;
-- allowed_domains is a space-separated list of e-mail domains (empty: any).
CREATE TABLE sso_providers (
    ente_id INTEGER PRIMARY KEY REFERENCES entes(id) ON DELETE CASCADE,
    name TEXT NOT NULL DEFAULT '',
    issuer TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    allowed_domains TEXT NOT NULL DEFAULT '',
    create_users BOOLEAN NOT NULL DEFAULT false,
    password_login BOOLEAN NOT NULL DEFAULT true,
    updated_at INTEGER NOT NULL
);
-- Who a provider's account is: once linked, a sign-in matches on the
-- issuer and the provider's subject (sub), not on the e-mail.
CREATE TABLE sso_links (
    ente_id INTEGER NOT NULL,
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (ente_id, issuer, subject)
);
CREATE INDEX sso_links_user ON sso_links (user_id);

-- +goose Down
DROP TABLE sso_links;
DROP TABLE sso_providers;
