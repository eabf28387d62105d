-- +goose Up
-- Emerging topics already announced to the coordinators, so that each is
-- announced once a week at most.
CREATE TABLE topic_alerts (
    ente_id BIGINT NOT NULL REFERENCES entes(id),
    stem TEXT NOT NULL,
    alerted_at BIGINT NOT NULL,
    PRIMARY KEY (ente_id, stem)
);

-- +goose Down
DROP TABLE topic_alerts;
