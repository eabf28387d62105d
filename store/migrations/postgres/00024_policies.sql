-- +goose Up
-- Governance: the social media policies (internal, for the staff; external,
-- for citizens, published), each version kept; who acknowledged which
-- internal version; the person responsible for each account; and the
-- training register.
CREATE TABLE policies (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES entes(id),
    kind TEXT NOT NULL,
    version INTEGER NOT NULL,
    sections TEXT NOT NULL,
    published_by BIGINT NOT NULL,
    published_at BIGINT NOT NULL,
    UNIQUE (ente_id, kind, version)
);
CREATE TABLE policy_acks (
    policy_id BIGINT NOT NULL REFERENCES policies(id),
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    acked_at BIGINT NOT NULL,
    PRIMARY KEY (policy_id, user_id)
);
ALTER TABLE channels ADD COLUMN responsible_id BIGINT NOT NULL DEFAULT 0;
CREATE TABLE trainings (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES entes(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    course TEXT NOT NULL,
    day TEXT NOT NULL,
    hours INTEGER NOT NULL,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX trainings_ente ON trainings (ente_id, day);

-- +goose Down
DROP TABLE trainings;
ALTER TABLE channels DROP COLUMN responsible_id;
DROP TABLE policy_acks;
DROP TABLE policies;
