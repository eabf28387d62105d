-- +goose Up
-- The audit trail becomes a hash chain, one per ente (redazione.AuditHash):
-- each entry holds the hash of the one before and its own. Migration 00032
-- (Go: SQLite has no SHA-256) fills the chain of the entries already
-- written, which needs the no-update trigger gone until 00033 puts it back.
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';
DROP TRIGGER audit_log_no_update;

-- +goose Down
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
ALTER TABLE audit_log DROP COLUMN hash;
ALTER TABLE audit_log DROP COLUMN prev_hash;
