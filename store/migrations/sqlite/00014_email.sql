-- +goose Up
-- The e-mail part of a message: its subject, its HTML sanitised at ingest,
-- whether it arrived by PEC, and its References (for the office's reply).
CREATE TABLE email_parts (
    message_id INTEGER PRIMARY KEY,
    ente_id INTEGER NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    html TEXT NOT NULL DEFAULT '',
    pec BOOLEAN NOT NULL DEFAULT false,
    refs TEXT NOT NULL DEFAULT ''
);

-- PEC receipts (accettazione, avvenuta-consegna, errore-consegna...) of the
-- office's outgoing messages; external_id is the receipt's own Message-ID,
-- so a receipt fetched twice is stored once.
CREATE TABLE pec_receipts (
    id INTEGER PRIMARY KEY,
    ente_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    external_id TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    UNIQUE (channel_id, external_id)
);
CREATE INDEX pec_receipts_message ON pec_receipts (message_id, id);

-- What the IMAP poller of an e-mail channel has fetched: the mailbox's
-- UIDVALIDITY and the last UID stored, so a restart neither loses nor
-- fetches again.
CREATE TABLE email_mailboxes (
    channel_id INTEGER PRIMARY KEY,
    uid_validity INTEGER NOT NULL,
    last_uid INTEGER NOT NULL
);

-- +goose Down
DROP TABLE email_mailboxes;
DROP TABLE pec_receipts;
DROP TABLE email_parts;
