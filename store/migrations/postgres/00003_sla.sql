-- +goose Up
-- The ente's working calendar (calendar.Settings as JSON; '' is the standard
-- office hours) and its response-time targets.
ALTER TABLE entes ADD COLUMN calendar TEXT NOT NULL DEFAULT '';

CREATE TABLE sla_policies (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES entes(id),
    name TEXT NOT NULL,
    desk_id BIGINT NOT NULL DEFAULT 0,
    channel_id BIGINT NOT NULL DEFAULT 0,
    priority INTEGER,
    first_response_minutes INTEGER NOT NULL DEFAULT 0,
    resolution_minutes INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX sla_policies_ente ON sla_policies (ente_id, id);

-- Each conversation's clock: targets fixed when its policy was picked
-- (milliseconds of business time), business time paused while pending, and
-- the due instants; sla_next_due orders the inbox by time left.
ALTER TABLE conversations ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN sla_first_target BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN sla_resolution_target BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN sla_paused BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN pending_since BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN first_response_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN first_response_due BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN resolution_due BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN resolved_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN sla_next_due BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN sla_notified INTEGER NOT NULL DEFAULT 0;
CREATE INDEX conversations_sla ON conversations (ente_id, status, sla_next_due) WHERE sla_next_due > 0;

-- +goose Down
DROP INDEX conversations_sla;
ALTER TABLE conversations DROP COLUMN sla_notified;
ALTER TABLE conversations DROP COLUMN sla_next_due;
ALTER TABLE conversations DROP COLUMN resolved_at;
ALTER TABLE conversations DROP COLUMN resolution_due;
ALTER TABLE conversations DROP COLUMN first_response_due;
ALTER TABLE conversations DROP COLUMN first_response_at;
ALTER TABLE conversations DROP COLUMN pending_since;
ALTER TABLE conversations DROP COLUMN sla_paused;
ALTER TABLE conversations DROP COLUMN sla_resolution_target;
ALTER TABLE conversations DROP COLUMN sla_first_target;
ALTER TABLE conversations DROP COLUMN priority;
DROP TABLE sla_policies;
ALTER TABLE entes DROP COLUMN calendar;
