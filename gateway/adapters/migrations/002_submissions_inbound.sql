-- Submissions under idempotency keys, and verified inbound messages (de-duplicated by id).
CREATE TABLE submissions (
    submission_id   TEXT PRIMARY KEY,
    submitter       TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_digest  TEXT NOT NULL,
    status          TEXT NOT NULL,
    http_status     INTEGER NOT NULL,
    response        TEXT NOT NULL,
    message_ids     TEXT NOT NULL,
    created_at      {timestamp} NOT NULL,
    UNIQUE (submitter, idempotency_key)
);

CREATE TABLE inbound (
    message_id      TEXT PRIMARY KEY,
    peer            TEXT NOT NULL,
    message_type    TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    correlation_id  TEXT,
    received_at     {timestamp} NOT NULL,
    body            {bytes}
);
CREATE INDEX inbound_correlation ON inbound (correlation_id);
CREATE INDEX inbound_conversation ON inbound (conversation_id);
