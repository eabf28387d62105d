-- +goose Up
-- The registro degli accessi: one row per request of accesso documentale,
-- civico semplice or civico generalizzato, with the fields the Circolare
-- FOIA 2/2017 (Allegato 3 §4) asks the register to keep. Dates are days
-- (YYYY-MM-DD), '' when not yet known. The requester's name and address are
-- kept for the office and never published.
CREATE TABLE access_requests (
    id INTEGER PRIMARY KEY,
    ente_id INTEGER NOT NULL REFERENCES entes(id),
    desk_id INTEGER NOT NULL REFERENCES desks(id),
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    received_on TEXT NOT NULL,
    protocol TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL,
    document TEXT NOT NULL DEFAULT '',
    document_key TEXT NOT NULL DEFAULT '',
    requester_name TEXT NOT NULL DEFAULT '',
    requester_address TEXT NOT NULL DEFAULT '',
    requester_key TEXT NOT NULL DEFAULT '',
    conversation_id INTEGER REFERENCES conversations(id),
    counterparties BOOLEAN NOT NULL DEFAULT false,
    suspended_days INTEGER NOT NULL DEFAULT 0,
    due_on TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT '',
    decided_on TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    review_on TEXT NOT NULL DEFAULT '',
    review_due_on TEXT NOT NULL DEFAULT '',
    review_outcome TEXT NOT NULL DEFAULT '',
    review_decided_on TEXT NOT NULL DEFAULT '',
    review_reason TEXT NOT NULL DEFAULT '',
    appeal_on TEXT NOT NULL DEFAULT '',
    appeal_outcome TEXT NOT NULL DEFAULT '',
    created_by INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (ente_id, year, seq)
);
CREATE INDEX access_requests_pending ON access_requests (ente_id, outcome, due_on);
CREATE INDEX access_requests_document ON access_requests (ente_id, document_key, received_on);
CREATE INDEX access_requests_conversation ON access_requests (conversation_id);

-- Documents published proactively after repeated requests (§8.2): the
-- proposal is no longer made for them.
CREATE TABLE access_publications (
    ente_id INTEGER NOT NULL REFERENCES entes(id),
    document_key TEXT NOT NULL,
    document TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    published_by INTEGER NOT NULL DEFAULT 0,
    published_at INTEGER NOT NULL,
    PRIMARY KEY (ente_id, document_key)
);

-- +goose Down
DROP TABLE access_publications;
DROP TABLE access_requests;
