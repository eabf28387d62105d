-- +goose Up
-- Word-prefix search over contacts' names and platform ids: "ross" finds
-- "Mario Rossi" without scanning every contact. rowid is contacts.id.
CREATE VIRTUAL TABLE contacts_fts USING fts5(doc, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
INSERT INTO contacts_fts (rowid, doc) SELECT id, name || ' ' || external_id FROM contacts;

-- +goose Down
DROP TABLE contacts_fts;
