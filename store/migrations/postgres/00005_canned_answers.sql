-- +goose Up
-- Risposte predefinite: the office's ready answers, for one desk or all
-- (desk_id 0), with variables such as {nome} filled in when inserted.
CREATE TABLE canned_answers (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES entes(id),
    desk_id BIGINT NOT NULL DEFAULT 0,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    uses BIGINT NOT NULL DEFAULT 0,
    updated_by BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);
CREATE INDEX canned_answers_ente ON canned_answers (ente_id, desk_id);

-- +goose Down
DROP TABLE canned_answers;
