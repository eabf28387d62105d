-- +goose Up
-- The chain of the existing entries is filled (00032): the audit trail is
-- append-only again.
ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change;

-- +goose Down
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change;
