-- +goose Up
-- A post carries several images, in order (Mastodon, Bluesky and X take
-- four, Instagram's carousel and Telegram's album ten), each kept in the
-- blob store with its own alternative text. The single image of 00028
-- moves here as position 0, and its columns go: one place to read.
CREATE TABLE post_images (
    post_id BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    blob_key TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL,
    alt_text TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (post_id, position)
);
-- Whether a stored file is still referred to (erasure, a refused upload).
CREATE INDEX post_images_blob ON post_images (blob_key);
INSERT INTO post_images (post_id, position, blob_key, name, content_type, alt_text)
    SELECT id, 0, image_key, image_name, image_type, alt_text FROM posts WHERE image_key <> '';
ALTER TABLE posts DROP COLUMN image_key;
ALTER TABLE posts DROP COLUMN image_name;
ALTER TABLE posts DROP COLUMN image_type;
ALTER TABLE posts DROP COLUMN alt_text;

-- +goose Down
-- Back to one image a post: the first of each.
ALTER TABLE posts ADD COLUMN image_key TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN image_name TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN image_type TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN alt_text TEXT NOT NULL DEFAULT '';
UPDATE posts SET
    image_key = (SELECT blob_key FROM post_images i WHERE i.post_id = posts.id AND i.position = 0),
    image_name = (SELECT name FROM post_images i WHERE i.post_id = posts.id AND i.position = 0),
    image_type = (SELECT content_type FROM post_images i WHERE i.post_id = posts.id AND i.position = 0),
    alt_text = (SELECT alt_text FROM post_images i WHERE i.post_id = posts.id AND i.position = 0)
    WHERE id IN (SELECT post_id FROM post_images WHERE position = 0);
DROP TABLE post_images;
