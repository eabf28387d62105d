-- +goose Up
-- Guidelines for delicate situations, one per situation and ente, written by
-- coordinators and shown beside a conversation flagged with that situation.
CREATE TABLE playbooks (
    id INTEGER PRIMARY KEY,
    ente_id INTEGER NOT NULL REFERENCES entes(id),
    situation TEXT NOT NULL,
    steps TEXT NOT NULL,
    alert TEXT NOT NULL DEFAULT '',
    updated_by INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    UNIQUE (ente_id, situation)
);

-- +goose Down
DROP TABLE playbooks;
