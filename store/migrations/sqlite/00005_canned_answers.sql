-- +goose Up
-- Risposte predefinite: the office's ready answers, for one desk or all
-- (desk_id 0), with variables such as {nome} filled in when inserted.
CREATE TABLE canned_answers (
    id INTEGER PRIMARY KEY,
    ente_id INTEGER NOT NULL REFERENCES entes(id),
    desk_id INTEGER NOT NULL DEFAULT 0,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    uses INTEGER NOT NULL DEFAULT 0,
    updated_by INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);
CREATE INDEX canned_answers_ente ON canned_answers (ente_id, desk_id);

-- +goose Down
DROP TABLE canned_answers;
