-- +goose Up
-- Routing rules, evaluated in position order on every citizen's message;
-- conditions and actions are JSON (see store.RuleConditions/RuleActions).
CREATE TABLE routing_rules (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES entes(id),
    position INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT true,
    conditions TEXT NOT NULL,
    actions TEXT NOT NULL,
    fired BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX routing_rules_ente ON routing_rules (ente_id, position, id);

-- Automatic assignment inside a desk: round robin among the available
-- operators, each with an optional cap on open conversations.
ALTER TABLE desks ADD COLUMN auto_assign BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE desks ADD COLUMN last_assigned BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN available BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE users ADD COLUMN max_open INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE users DROP COLUMN max_open;
ALTER TABLE users DROP COLUMN available;
ALTER TABLE desks DROP COLUMN last_assigned;
ALTER TABLE desks DROP COLUMN auto_assign;
DROP TABLE routing_rules;
