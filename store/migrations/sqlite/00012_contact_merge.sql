-- +goose Up
-- One citizen on several channels: contacts merged by an operator share a
-- person (the id of the contact they were merged into; 0: on their own).
ALTER TABLE contacts ADD COLUMN person_id INTEGER NOT NULL DEFAULT 0;
CREATE INDEX contacts_person ON contacts (person_id) WHERE person_id <> 0;

-- +goose Down
DROP INDEX contacts_person;
ALTER TABLE contacts DROP COLUMN person_id;
