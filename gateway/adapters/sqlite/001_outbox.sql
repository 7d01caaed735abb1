-- Outbound messages and their timelines. Bodies are sealed (AES-256-GCM) by the broker.
CREATE TABLE messages (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id       TEXT NOT NULL UNIQUE,
    peer             TEXT NOT NULL,
    message_type     TEXT NOT NULL,
    conversation_id  TEXT NOT NULL,
    correlation_id   TEXT,
    order_key        TEXT,
    submission_id    TEXT,
    reference        TEXT,
    state            TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    first_attempt_at TEXT,
    next_attempt_at  TEXT,
    lease_owner      TEXT,
    lease_until      TEXT,
    last_error       TEXT,
    body             BLOB
);
CREATE INDEX messages_due ON messages (state, peer, seq);
CREATE INDEX messages_order ON messages (order_key, seq) WHERE order_key IS NOT NULL;
CREATE INDEX messages_reference ON messages (reference) WHERE reference IS NOT NULL;
CREATE INDEX messages_conversation ON messages (conversation_id);

CREATE TABLE state_changes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL REFERENCES messages (message_id),
    at         TEXT NOT NULL,
    from_state TEXT,
    to_state   TEXT NOT NULL,
    event      TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX state_changes_message ON state_changes (message_id, id);
