-- Outbound messages and their timelines. Bodies are sealed (AES-256-GCM) by the broker.
CREATE TABLE messages (
    seq              {serial_key},
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
    created_at       {timestamp} NOT NULL,
    updated_at       {timestamp} NOT NULL,
    first_attempt_at {timestamp},
    next_attempt_at  {timestamp},
    lease_owner      TEXT,
    lease_until      {timestamp},
    last_error       TEXT,
    body             {bytes}
);
CREATE INDEX messages_due ON messages (state, peer, seq);
CREATE INDEX messages_order ON messages (order_key, seq) WHERE order_key IS NOT NULL;
CREATE INDEX messages_reference ON messages (reference) WHERE reference IS NOT NULL;
CREATE INDEX messages_conversation ON messages (conversation_id);

CREATE TABLE state_changes (
    id         {serial_key},
    message_id TEXT NOT NULL REFERENCES messages (message_id),
    at         {timestamp} NOT NULL,
    from_state TEXT,
    to_state   TEXT NOT NULL,
    event      TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX state_changes_message ON state_changes (message_id, id);
