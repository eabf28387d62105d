-- +goose Up
-- A conversation can be put aside (Rimanda) until a time, or until the
-- citizen writes (the largest integer): snoozed_until, in Unix
-- milliseconds, 0 when it is not snoozed. The open views leave out the few
-- snoozed conversations by this partial index (so their own indexes still
-- answer them alone), the "Rimandate" view reads them by wake-up time, and
-- the upkeep finds those whose time has come.
ALTER TABLE conversations ADD COLUMN snoozed_until BIGINT NOT NULL DEFAULT 0;
CREATE INDEX conversations_snoozed ON conversations (ente_id, snoozed_until, id) WHERE snoozed_until > 0;

-- +goose Down
DROP INDEX conversations_snoozed;
ALTER TABLE conversations DROP COLUMN snoozed_until;
