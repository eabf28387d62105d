-- +goose Up
-- Guidelines for delicate situations, one per situation and ente, written by
-- coordinators and shown beside a conversation flagged with that situation.
CREATE TABLE playbooks (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES entes(id),
    situation TEXT NOT NULL,
    steps TEXT NOT NULL,
    alert TEXT NOT NULL DEFAULT '',
    updated_by BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    UNIQUE (ente_id, situation)
);

-- +goose Down
DROP TABLE playbooks;
