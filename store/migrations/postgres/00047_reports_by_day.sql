-- +goose Up
-- The reports read an ente's conversations opened in a period (by day in
-- Rome's time): an index by opening time bounds the rows to the period,
-- instead of every conversation the ente ever had.
CREATE INDEX conversations_opened_at ON conversations (ente_id, created_at);

-- +goose Down
DROP INDEX conversations_opened_at;
