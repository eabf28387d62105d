-- +goose Up
-- An image a post carries, kept in the blob store, with its alternative
-- text for people who cannot see it.
ALTER TABLE posts ADD COLUMN image_key TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN image_name TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN image_type TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN alt_text TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE posts DROP COLUMN alt_text;
ALTER TABLE posts DROP COLUMN image_type;
ALTER TABLE posts DROP COLUMN image_name;
ALTER TABLE posts DROP COLUMN image_key;
