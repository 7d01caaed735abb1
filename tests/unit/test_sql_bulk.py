"""Many rows of one statement as one (PostgreSQL's json_to_recordset): what goes to the
server, in which order, and what each row is told back."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from gateway.adapters.sql_statements import POSTGRES, Statements

SQL = Statements(POSTGRES)


def _inbound(message_id: str, body: bytes = b"\x00\xffbody") -> dict[str, object]:
    return {
        "message_id": message_id,
        "peer": "EU",
        "message_type": "eurodac.acknowledgement",
        "conversation_id": "c",
        "correlation_id": None,
        "received_at": datetime(2026, 3, 17, 10, 30, 0, 123456, tzinfo=UTC),
        "body": body,
    }


def test_inserts_go_in_key_order_and_equal_keys_as_they_came() -> None:
    bulk = SQL.bulk[SQL.insert_inbound]
    rows = [_inbound("b", b"first b"), _inbound("a"), _inbound("b", b"second b")]
    sent = json.loads(bulk.parameters(rows)["rows"])
    assert [(row["message_id"], row["body"]) for row in sent] == [
        ("a", "AP9ib2R5"),
        ("b", "Zmlyc3QgYg=="),
        ("b", "c2Vjb25kIGI="),
    ]
    assert sent[0]["received_at"] == "2026-03-17T10:30:00.123456+00:00"
    assert "decode(v.body, 'base64')" in bulk.sql
    assert bulk.sql.endswith("ON CONFLICT (message_id) DO NOTHING RETURNING message_id")


def test_each_row_is_told_what_its_own_insert_would_have_returned() -> None:
    bulk = SQL.bulk[SQL.insert_inbound]
    rows = [_inbound("b"), _inbound("a"), _inbound("b"), _inbound("known")]
    answers = bulk.answers(rows, [{"message_id": "a"}, {"message_id": "b"}])
    assert answers == [[{"message_id": "b"}], [{"message_id": "a"}], [], []]


def test_submissions_are_ordered_by_their_idempotency_key() -> None:
    bulk = SQL.bulk[SQL.insert_submission]
    assert bulk.conflict == ("submitter", "idempotency_key")
    assert bulk.returning == "submission_id"
