-- +goose Up
-- The on-call rota: who answers out of office hours, shift by shift; and
-- what counts as a spike of citizens' messages.
CREATE TABLE oncall_shifts (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES entes(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    from_at BIGINT NOT NULL,
    to_at BIGINT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX oncall_shifts_time ON oncall_shifts (ente_id, to_at);
ALTER TABLE entes ADD COLUMN spike_threshold INTEGER NOT NULL DEFAULT 30;
ALTER TABLE entes ADD COLUMN spike_minutes INTEGER NOT NULL DEFAULT 30;

-- +goose Down
ALTER TABLE entes DROP COLUMN spike_minutes;
ALTER TABLE entes DROP COLUMN spike_threshold;
DROP TABLE oncall_shifts;
