-- API tokens: only the SHA-256 digest of each secret is kept.
CREATE TABLE api_tokens (
    token_id   TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    roles      TEXT NOT NULL,
    digest     TEXT NOT NULL UNIQUE,
    created_at {timestamp} NOT NULL,
    revoked_at {timestamp}
);
