-- +goose Up
-- Citizens' reports (segnalazioni) as Open311 GeoReport v2 names them: the
-- services an ente takes reports for, each routed to the competent desk;
-- the service requests, from the Open311 API, the public form or a
-- conversation; and the API keys of the Open311 clients allowed to post.
CREATE TABLE services (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES entes(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    grp TEXT NOT NULL DEFAULT '',
    keywords TEXT NOT NULL DEFAULT '',
    desk_id BIGINT NOT NULL REFERENCES desks(id),
    active BOOLEAN NOT NULL DEFAULT true,
    created_at BIGINT NOT NULL,
    UNIQUE (ente_id, code)
);

CREATE TABLE service_requests (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES entes(id),
    service_id BIGINT NOT NULL REFERENCES services(id),
    desk_id BIGINT NOT NULL REFERENCES desks(id),
    status TEXT NOT NULL DEFAULT 'open',
    status_notes TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    media_url TEXT NOT NULL DEFAULT '',
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    device_id TEXT NOT NULL DEFAULT '',
    account_id TEXT NOT NULL DEFAULT '',
    conversation_id BIGINT REFERENCES conversations(id),
    source TEXT NOT NULL,
    api_key_id BIGINT NOT NULL DEFAULT 0,
    requested_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX service_requests_ente ON service_requests (ente_id, requested_at);
CREATE INDEX service_requests_desk ON service_requests (ente_id, desk_id, status, requested_at);
CREATE INDEX service_requests_conversation ON service_requests (conversation_id);

CREATE TABLE open311_keys (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES entes(id),
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_by BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE open311_keys;
DROP TABLE service_requests;
DROP TABLE services;
