-- +goose Up
-- What a Bluesky channel keeps between its calls: its session (the access
-- and refresh tokens, the account's DID and PDS; name "session", sealed
-- like the channels' settings) and how far its poller has read (name
-- "notifications": the newest notification stored; "chats": each chat's
-- last message stored).
CREATE TABLE bluesky_state (
    channel_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (channel_id, name)
);

-- +goose Down
DROP TABLE bluesky_state;
