-- Tracking: hits awaiting verification, Dublin cases and their history, results for
-- the national systems. Each row keeps its record as a JSON document; the columns
-- beside it are what queries select on. A hit's personal data is sealed inside.
CREATE TABLE tracking_hits (
    seq      {identity_key},
    hit_id   TEXT NOT NULL UNIQUE,
    status   TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX tracking_hits_status ON tracking_hits (status, seq);

CREATE TABLE tracking_cases (
    seq                {identity_key},
    case_id            TEXT NOT NULL UNIQUE,
    state              TEXT NOT NULL,
    request_message_id TEXT,
    document           TEXT NOT NULL
);
CREATE INDEX tracking_cases_request ON tracking_cases (request_message_id);

CREATE TABLE tracking_case_changes (
    id       {identity_key},
    case_id  TEXT NOT NULL REFERENCES tracking_cases (case_id),
    document TEXT NOT NULL
);
CREATE INDEX tracking_case_changes_case ON tracking_case_changes (case_id, id);

CREATE TABLE tracking_results (
    seq       {identity_key},
    result_id TEXT NOT NULL UNIQUE,
    submitter TEXT NOT NULL,
    queued_at {timestamp},
    document  TEXT NOT NULL
);
CREATE INDEX tracking_results_submitter ON tracking_results (submitter, seq);
