-- The simulators' own state, and the replies they queue for the gateway (`outbox`).
-- Times are UTC text in one fixed format, so text order is time order.

CREATE TABLE IF NOT EXISTS received (
    message_id      TEXT PRIMARY KEY,  -- de-duplication: a message id is processed once
    endpoint        TEXT NOT NULL,     -- 'eurodac' or a DubliNet peer's member state code
    sender          TEXT NOT NULL,     -- PARTY:system
    message_type    TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    due_at          TEXT NOT NULL,     -- when it is processed (the simulated processing delay)
    state           TEXT NOT NULL CHECK (state IN ('pending', 'done')),
    ack             BLOB NOT NULL,     -- the signed acknowledgement, given again for a duplicate
    signed_xml      BLOB NOT NULL,     -- what the signature covered: the only thing acted on
    plan            TEXT,              -- what was decided on receipt (a DubliNet peer's answer)
    outcome         TEXT               -- what processing did (JSON), for inspection
);
CREATE INDEX IF NOT EXISTS received_due ON received (state, due_at);

-- Eurodac: the data sets stored by the Central System.
CREATE TABLE IF NOT EXISTS eurodac_records (
    reference       TEXT PRIMARY KEY,
    member_state    TEXT NOT NULL,
    category        INTEGER NOT NULL,
    regime          TEXT NOT NULL,
    captured_on     TEXT NOT NULL,     -- date of capture: retention runs from it
    expires_on      TEXT NOT NULL,     -- first day on which the data no longer exist
    stored_at       TEXT NOT NULL,
    marked          INTEGER NOT NULL DEFAULT 0,
    mark_reason     TEXT,
    deleted_at      TEXT,
    deletion_reason TEXT,
    late            INTEGER NOT NULL DEFAULT 0,
    record_json     TEXT NOT NULL      -- the canonical record as transmitted
);

-- Eurodac: what the member state of origin added to a data set after recording (603/2013
-- Art 10; 2024/1358 Arts 16, 17(2)); a hit carries them.
CREATE TABLE IF NOT EXISTS eurodac_status (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    reference       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    on_day          TEXT NOT NULL,
    member_state    TEXT,
    at              TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS eurodac_status_reference ON eurodac_status (reference, id);

-- Eurodac: data sets found to be of one person (hits), to notify on advance deletion.
CREATE TABLE IF NOT EXISTS eurodac_links (
    reference       TEXT NOT NULL,
    other           TEXT NOT NULL,
    PRIMARY KEY (reference, other)
);

-- Eurodac: notifications of the member states of origin (advance deletion of linked data).
CREATE TABLE IF NOT EXISTS eurodac_notifications (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    member_state    TEXT NOT NULL,
    reference       TEXT NOT NULL,     -- their data set
    deleted         TEXT NOT NULL,     -- the linked data set that was erased
    reason          TEXT NOT NULL,
    at              TEXT NOT NULL
);

-- Eurodac: notices of a marking to the member states of origin of data that had a hit with
-- the marked data (603/2013 Art 18(1); 2024/1358 Art 31(1)); `sent`: delivered to the
-- gateway (its member state), else recorded only (another simulated state).
CREATE TABLE IF NOT EXISTS eurodac_mark_notices (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    member_state    TEXT NOT NULL,
    reference       TEXT NOT NULL,     -- their data set
    marked          TEXT NOT NULL,     -- the data set marked by another state
    reason          TEXT NOT NULL,
    sent            INTEGER NOT NULL DEFAULT 0,
    at              TEXT NOT NULL
);

-- DubliNet: each peer's answering policy as a tester last set it (JSON).
CREATE TABLE IF NOT EXISTS dublinet_policies (
    party           TEXT PRIMARY KEY,
    policy          TEXT NOT NULL
);

-- DubliNet: the requests each peer made to the gateway, so its later messages on a case
-- (re-examination request, transfer arrangement, information) continue their conversation.
CREATE TABLE IF NOT EXISTS dublinet_requests (
    message_id         TEXT PRIMARY KEY,
    party              TEXT NOT NULL,  -- the peer that made it
    national_reference TEXT NOT NULL,
    conversation_id    TEXT NOT NULL,
    message_type       TEXT NOT NULL,
    regime             TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    record_json        TEXT NOT NULL   -- the person and application the request was about
);
CREATE INDEX IF NOT EXISTS dublinet_requests_reference
    ON dublinet_requests (party, national_reference, created_at);

-- What the simulated parties send the gateway, kept until the gateway acknowledges it
-- (`simulators.common.outbox`); one order key keeps its messages in the order queued.
CREATE TABLE IF NOT EXISTS outbox (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id      TEXT NOT NULL UNIQUE,
    route           TEXT NOT NULL,     -- SENDER->GATEWAY, e.g. EU:eurodac->BE:gateway
    message_type    TEXT NOT NULL,
    order_key       TEXT,
    body            BLOB NOT NULL,     -- the message as it was signed
    state           TEXT NOT NULL CHECK (state IN ('queued', 'retry_wait', 'acknowledged', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    first_attempt_at TEXT,
    due_at          TEXT NOT NULL,
    last_error      TEXT,
    updated_at      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, due_at);
