-- +goose Up
-- When a channel's credentials expire (0: never, or not known), as the
-- platform said when last asked (credentials_checked_at), so administrators
-- renew them before the channel stops.
ALTER TABLE channels ADD COLUMN credentials_expire_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE channels ADD COLUMN credentials_checked_at BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE channels DROP COLUMN credentials_checked_at;
ALTER TABLE channels DROP COLUMN credentials_expire_at;
