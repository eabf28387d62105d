-- +goose Up
-- The on-call rota: who answers out of office hours, shift by shift; and
-- what counts as a spike of citizens' messages.
CREATE TABLE oncall_shifts (
    id INTEGER PRIMARY KEY,
    ente_id INTEGER NOT NULL REFERENCES entes(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    from_at INTEGER NOT NULL,
    to_at INTEGER NOT NULL,
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX oncall_shifts_time ON oncall_shifts (ente_id, to_at);
ALTER TABLE entes ADD COLUMN spike_threshold INTEGER NOT NULL DEFAULT 30;
ALTER TABLE entes ADD COLUMN spike_minutes INTEGER NOT NULL DEFAULT 30;

-- +goose Down
ALTER TABLE entes DROP COLUMN spike_minutes;
ALTER TABLE entes DROP COLUMN spike_threshold;
DROP TABLE oncall_shifts;
