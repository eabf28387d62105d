-- +goose Up
-- SQLite has no TRUNCATE (a DELETE without WHERE is already refused by the
-- audit_log triggers); this keeps both dialects at the same version.
SELECT 1;

-- +goose Down
SELECT 1;
