-- The audit trail: append-only, hash-chained (see gateway/broker/audit.py). No personal data.
CREATE TABLE audit (
    seq       {bigint} PRIMARY KEY,
    at        {timestamp} NOT NULL,
    kind      TEXT NOT NULL,
    subject   TEXT NOT NULL,
    actor     TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
