-- +goose Up
-- The spike of citizens' messages is counted from the database, so that
-- several nodes behind a balancer count the total: an index serves the count
-- of an ente's inbound messages since a time, and the ente's row keeps when
-- it was last alerted, claimed by a conditional update (one alert per window
-- across nodes).
ALTER TABLE entes ADD COLUMN spike_alerted_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_inbound_at ON messages (ente_id, created_at) WHERE direction = 'in';

-- +goose Down
DROP INDEX messages_inbound_at;
ALTER TABLE entes DROP COLUMN spike_alerted_at;
