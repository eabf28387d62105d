-- +goose Up
-- Word-prefix search over contacts' names and platform ids; punctuation
-- separates words as search.Prefixes does ("tg-2002" is "tg" "2002").
ALTER TABLE contacts ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', regexp_replace(lower(name || ' ' || external_id), '[^[:alnum:]]+', ' ', 'g'))) STORED;
CREATE INDEX contacts_search ON contacts USING gin (search);

-- +goose Down
DROP INDEX contacts_search;
ALTER TABLE contacts DROP COLUMN search;
