-- +goose Up
-- Crisis mode: while an ente is in crisis its scheduled posts wait, except
-- the holding statements coordinators wrote and approved in advance.
ALTER TABLE entes ADD COLUMN crisis_since INTEGER NOT NULL DEFAULT 0;
ALTER TABLE entes ADD COLUMN crisis_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE entes ADD COLUMN crisis_by INTEGER NOT NULL DEFAULT 0;
CREATE TABLE holding_statements (
    id INTEGER PRIMARY KEY,
    ente_id INTEGER NOT NULL REFERENCES entes(id),
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    approved_by INTEGER NOT NULL,
    approved_at INTEGER NOT NULL
);
ALTER TABLE posts ADD COLUMN holding_id INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE posts DROP COLUMN holding_id;
DROP TABLE holding_statements;
ALTER TABLE entes DROP COLUMN crisis_by;
ALTER TABLE entes DROP COLUMN crisis_reason;
ALTER TABLE entes DROP COLUMN crisis_since;
