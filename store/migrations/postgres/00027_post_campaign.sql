-- +goose Up
-- The campaign or event a post belongs to, for the editorial calendar.
ALTER TABLE posts ADD COLUMN campaign TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE posts DROP COLUMN campaign;
