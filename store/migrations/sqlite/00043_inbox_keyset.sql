-- +goose Up
-- The inbox pages by keyset: the order by due time continues after a
-- (sla_next_due, id) pair, so the index that serves it ends with the id
-- (PostgreSQL's index has no row id to tie-break with; SQLite's had it
-- implicitly, and keeps the same index for one schema on both).
CREATE INDEX conversations_sla_keyset ON conversations (ente_id, status, sla_next_due, id) WHERE sla_next_due > 0;
DROP INDEX conversations_sla;
-- The order by creation (the API's walk through everything: nothing moves
-- in it) reads a view's conversations by id, of one status or of all.
CREATE INDEX conversations_created ON conversations (ente_id, status, id);
CREATE INDEX conversations_ente_created ON conversations (ente_id, id);

-- +goose Down
CREATE INDEX conversations_sla ON conversations (ente_id, status, sla_next_due) WHERE sla_next_due > 0;
DROP INDEX conversations_sla_keyset;
DROP INDEX conversations_created;
DROP INDEX conversations_ente_created;
