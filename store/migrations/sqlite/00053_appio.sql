-- +goose Up
-- App IO (PagoPA): an App IO message is an outgoing message of the
-- citizen's App IO conversation (its contact's external id is their codice
-- fiscale); beside it, the subject and due date IO takes, where it came
-- from (origin: conversation:ID, access:ID or report:ID, for the page that
-- shows it), whether it was sent by itself, and the outcome IO gave.
CREATE TABLE appio_messages (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id),
    ente_id INTEGER NOT NULL REFERENCES entes(id),
    subject TEXT NOT NULL,
    due_date INTEGER NOT NULL DEFAULT 0,
    origin TEXT NOT NULL DEFAULT '',
    automatic BOOLEAN NOT NULL DEFAULT false,
    io_status TEXT NOT NULL DEFAULT '',
    checked_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX appio_messages_origin ON appio_messages (ente_id, origin);

-- The codice fiscale a citizen gave with an access request or a report
-- (personal data: NULL when not given), and whether they asked to be told
-- on App IO of the decision or of the changes of status.
ALTER TABLE access_requests ADD COLUMN fiscal_code TEXT;
ALTER TABLE access_requests ADD COLUMN appio_notify BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE service_requests ADD COLUMN fiscal_code TEXT;
ALTER TABLE service_requests ADD COLUMN appio_notify BOOLEAN NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE service_requests DROP COLUMN appio_notify;
ALTER TABLE service_requests DROP COLUMN fiscal_code;
ALTER TABLE access_requests DROP COLUMN appio_notify;
ALTER TABLE access_requests DROP COLUMN fiscal_code;
DROP INDEX appio_messages_origin;
DROP TABLE appio_messages;
