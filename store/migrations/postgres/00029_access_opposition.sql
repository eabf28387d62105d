-- +goose Up
-- The controinteressati opposed the access: when it is granted all the
-- same, documents go out no earlier than 15 days after the decision is
-- notified to them (d.lgs. 33/2013 art. 5 c. 6).
ALTER TABLE access_requests ADD COLUMN opposed BOOLEAN NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE access_requests DROP COLUMN opposed;
