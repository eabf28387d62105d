-- +goose Up
-- The chain of the existing entries is filled (00032): the audit trail is
-- append-only again.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- +goose Down
DROP TRIGGER audit_log_no_update;
