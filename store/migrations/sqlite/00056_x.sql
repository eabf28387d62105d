-- +goose Up
-- X (formerly Twitter): the newest mention of an X channel's account read
-- into the inbox, so the next poll asks only for newer ones (since_id),
-- across restarts and whichever process holds the channel's lease.
CREATE TABLE x_mentions (
    channel_id INTEGER PRIMARY KEY,
    since_id TEXT NOT NULL
);

-- +goose Down
DROP TABLE x_mentions;
