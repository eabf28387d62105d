-- +goose Up
-- The audit trail becomes a hash chain, one per ente (redazione.AuditHash):
-- each entry holds the hash of the one before and its own. Migration 00032
-- (Go, as on SQLite) fills the chain of the entries already written, which
-- needs the no-change trigger off until 00033 turns it on again.
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change;

-- +goose Down
ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change;
ALTER TABLE audit_log DROP COLUMN hash;
ALTER TABLE audit_log DROP COLUMN prev_hash;
