"""Schemathesis against a live `eugw serve`: every operation of /openapi.json, fuzzed from its
description with an admin token, never answers with a server error and answers as described.
Then every operation again with hostile values in every parameter and body: digits of other
scripts, numbers past any range, control characters, JSON nested a million levels."""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from eugw_process import create_token, served
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import positive_data_acceptance
from web_rig import demo_data_dir

PROJECT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class LiveGateway:
    url: str
    token: str
    log: Path


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - our own server
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="module")
def live_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveGateway]:
    data = demo_data_dir(tmp_path_factory.mktemp("live") / "data")
    env = {
        **os.environ,
        "EUGW_DATA_DIR": str(data),
        "EUGW_API_PORT": "0",  # the system picks free ports; serve prints them
        "EUGW_INBOUND_PORT": "0",
        "EUGW_DUBLINET_PEERS": "NL",
        "EUGW_LOG_FORMAT": "json",
        "EUGW_MAPPINGS_DIR": str(PROJECT / "mappings"),
        "EUGW_RATE_LIMIT_PER_SECOND": "0",  # the fuzzer is one token sending fast
        "PYTHONUNBUFFERED": "1",  # the addresses are printed at once
    }
    token = create_token(env, "fuzzer", "admin")
    with served(env, data) as (_, found):
        url = found.group(1)
        assert _answers(f"{url}/healthz")
        yield LiveGateway(url=url, token=token, log=data / "serve.log")


def test_no_operation_answers_with_a_server_error(live_gateway: LiveGateway) -> None:
    # One test walks every operation: schemathesis's pytest plugin does not run on this
    # pytest, and the schema exists only once the server runs (after collection).
    schema = schemathesis.openapi.from_url(f"{live_gateway.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {operation.label for operation in operations}
    assert {"POST /v1/submissions", "GET /v1/queues", "GET /metrics"} <= labels, labels
    failures: dict[str, str] = {}
    for operation in operations:
        try:
            _fuzz(operation, live_gateway)
        except Exception as failure:  # noqa: BLE001 - gathered, reported together below
            failures[operation.label] = str(failure)[:2000]
    assert not failures, "\n\n".join(f"{label}: {text}" for label, text in failures.items())


def _fuzz(operation: schemathesis.APIOperation, live_gateway: LiveGateway) -> None:
    # A submission's body is described as any JSON: the canonical record is checked by the
    # gateway with every problem listed (422), not by a schema schemathesis could satisfy.
    # So are the bodies of operations described from their handler alone (x-described).
    generic = operation.definition.raw.get("x-described") is False
    loose = generic or operation.label == "POST /v1/submissions"
    excluded = [positive_data_acceptance] if loose else []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=30,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def fuzz(case: schemathesis.Case) -> None:
        case.call_and_validate(
            base_url=live_gateway.url,
            headers={"Authorization": f"Bearer {live_gateway.token}"},
            excluded_checks=excluded,
        )

    fuzz()


HOSTILE_TEXTS = [
    "\N{SUPERSCRIPT TWO}",  # str.isdigit() says yes, int() refuses
    "\N{ARABIC-INDIC DIGIT ONE}\N{ARABIC-INDIC DIGIT TWO}",  # int() reads 12
    "\N{MATHEMATICAL BOLD DIGIT NINE}",
    "\N{FULLWIDTH DIGIT TWO}026-01-01T00:00:00Z",
    "10^20",
    "100000000000000000000",
    "9" * 5000,
    "-1",
    "1e400",
    "NaN",
    "0x1f",
    " 7",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-14:00",
    "\x00",
    "a\x1fb",
    "x" * 5000,
    "true",
    "null",
    "../../../etc/passwd",
    "' OR 1=1 --",
]
HOSTILE_TEXT = st.sampled_from(HOSTILE_TEXTS) | st.text(max_size=12)
# Field names the gateway's bodies have, so hostile values reach the checks behind them.
FIELDS = [
    "open_case", "reason", "hit_id", "kind", "requested_state", "legal_basis", "record",
    "urgent", "detained", "eurodac_reference", "submitter", "event", "outcome",
    "reason_codes", "explanation", "type", "reasons", "transfer_date", "arrival_place",
    "mode", "escorts", "remarks", "urgency_reason", "detention_reason",
]  # fmt: skip
JSON_LEAF = (
    st.sampled_from([10**30, -(10**30), 1e308, 0.5, True, None, [], {}])
    | HOSTILE_TEXT
    | st.integers()
)
JSON_VALUE = st.recursive(
    JSON_LEAF,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
DEEP_BODIES = [b"[" * depth + b"]" * depth for depth in (65, 1000, 100_000, 1_000_000)] + [
    b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    b"[" * 1_000_000,
]
RAW_BODIES = [b"", b"{", b"\xff\xfe", b"9" * 5000, b'{"escorts": ' + b"9" * 5000 + b"}"]
BODY = (
    st.sampled_from(DEEP_BODIES + RAW_BODIES)
    | st.dictionaries(st.sampled_from(FIELDS), JSON_VALUE, max_size=6).map(
        lambda body: json.dumps(body).encode()
    )
    | JSON_VALUE.map(lambda body: json.dumps(body).encode())
)


def test_hostile_values_never_cause_a_server_error(live_gateway: LiveGateway) -> None:
    with urllib.request.urlopen(f"{live_gateway.url}/openapi.json", timeout=10) as answer:  # noqa: S310
        document = json.load(answer)
    walked: dict[str, int] = {}
    failures: dict[str, str] = {}
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {live_gateway.token}"
        for path, methods in document["paths"].items():
            for method, operation in methods.items():
                label = f"{method.upper()} {path}"
                try:
                    walked[label] = _attack(session, live_gateway.url, path, method, operation)
                except Exception as failure:  # noqa: BLE001 - gathered, reported together below
                    failures[label] = str(failure)[:2000]
    assert not failures, "\n\n".join(f"{label}: {text}" for label, text in failures.items())
    assert {"GET /v1/deadlines", "POST /v1/cases", "GET /v1/messages"} <= set(walked)
    assert all(count >= 15 for count in walked.values()), walked


def _attack(
    session: requests.Session, base: str, path: str, method: str, operation: dict[str, Any]
) -> int:
    """Every hostile text in each parameter and every hostile body, one at a time; then
    hypothesis mixes them. The number of requests sent."""
    parameters = operation.get("parameters", [])
    in_path = [p["name"] for p in parameters if p["in"] == "path"]
    in_query = [p["name"] for p in parameters if p["in"] == "query"]
    takes_body = "requestBody" in operation
    plain = dict.fromkeys(in_path, "p-1")
    sent = 0

    def send(path_values: dict[str, str], query: dict[str, str], body: bytes | None) -> None:
        nonlocal sent
        url = path
        for name, value in path_values.items():
            url = url.replace(f"{{{name}}}", urllib.parse.quote(value, safe=""))
        response = session.request(
            method.upper(),
            base + url,
            params=query,
            data=body,
            headers={"Idempotency-Key": "hostile", "Content-Type": "application/json"},
            timeout=60,
        )
        sent += 1
        where = f"{method.upper()} {url} {query} {(body or b'')[:80]!r}"
        assert response.status_code < 500, f"{response.status_code} for {where}"
        assert "aiohttp" not in response.headers.get("Server", ""), where
        if response.headers.get("Content-Type", "").startswith("text/plain"):
            return  # aiohttp's own answer to a request line it could not parse (too long)
        if response.status_code in {400, 413, 422}:
            assert response.json()["code"].startswith("GW-"), where

    empty = b"{}" if takes_body else None
    for text in HOSTILE_TEXTS:
        for name in in_path:
            send(plain | {name: text}, {}, empty)
        for name in in_query:
            send(plain, {name: text}, empty)
    for body in DEEP_BODIES + RAW_BODIES if takes_body else []:
        send(plain, {}, body)

    @given(data=st.data())
    @settings(
        max_examples=15,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    def mixed(data: st.DataObject) -> None:
        path_values = {name: data.draw(HOSTILE_TEXT.filter(bool), label=name) for name in in_path}
        chosen = data.draw(st.lists(st.sampled_from(in_query), unique=True)) if in_query else []
        # Parameters the operation does not describe are ignored, whatever they hold.
        query = data.draw(st.dictionaries(st.sampled_from(["x", "page"]), HOSTILE_TEXT))
        query |= {name: data.draw(HOSTILE_TEXT, label=name) for name in chosen}
        send(path_values, query, data.draw(BODY, label="body") if takes_body else None)

    mixed()
    return sent


def test_the_server_logged_no_failed_request(live_gateway: LiveGateway) -> None:
    # Runs after the fuzzing (same module, file order): a 5xx is also logged as "request failed".
    assert "request failed" not in live_gateway.log.read_text()
