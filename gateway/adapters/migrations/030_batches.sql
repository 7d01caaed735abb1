-- Batch uploads of source exports: progress counters, and the records refused with their problems.
CREATE TABLE batches (
    batch_id        TEXT PRIMARY KEY,
    submitter       TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_digest  TEXT NOT NULL,
    source          TEXT NOT NULL,
    format          TEXT,
    state           TEXT NOT NULL,
    total           INTEGER NOT NULL DEFAULT 0,
    mapped          INTEGER NOT NULL DEFAULT 0,
    rejected        INTEGER NOT NULL DEFAULT 0,
    queued          INTEGER NOT NULL DEFAULT 0,
    error           TEXT NOT NULL DEFAULT '',
    created_at      {timestamp} NOT NULL,
    updated_at      {timestamp} NOT NULL,
    UNIQUE (submitter, idempotency_key)
);

CREATE TABLE batch_rejections (
    batch_id TEXT NOT NULL REFERENCES batches (batch_id),
    record   INTEGER NOT NULL,
    line     INTEGER,
    problems TEXT NOT NULL,
    PRIMARY KEY (batch_id, record)
);
