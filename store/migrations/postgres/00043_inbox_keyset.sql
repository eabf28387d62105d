-- +goose Up
-- The inbox pages by keyset: the order by due time continues after a
-- (sla_next_due, id) pair, so the index that serves it ends with the id
-- (PostgreSQL's index has no row id to tie-break with; SQLite's had it
-- implicitly, and keeps the same index for one schema on both).
CREATE INDEX conversations_sla_keyset ON conversations (ente_id, status, sla_next_due, id) WHERE sla_next_due > 0;
DROP INDEX conversations_sla;

-- +goose Down
CREATE INDEX conversations_sla ON conversations (ente_id, status, sla_next_due) WHERE sla_next_due > 0;
DROP INDEX conversations_sla_keyset;
