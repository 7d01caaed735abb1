"""Schemathesis against a live `eugw serve`: every operation of /openapi.json, fuzzed from its
description with an admin token, never answers with a server error and answers as described."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
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
        "PYTHONUNBUFFERED": "1",  # the addresses are printed at once
    }
    command = [sys.executable, "-m", "gateway"]
    token = subprocess.run(
        [*command, "tokens", "create", "--name", "fuzzer", "--role", "admin"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    log, said = data / "serve.log", data / "serve.out"
    with log.open("w") as sink, said.open("w") as out:
        server = subprocess.Popen([*command, "serve"], env=env, stdout=out, stderr=sink)
    try:
        deadline = time.monotonic() + 30
        while not (found := re.search(r"API on (http://\S+),", said.read_text())):
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the gateway did not start in 30 s"
            time.sleep(0.1)  # polling a process we do not control, with a deadline
        url = found.group(1)
        assert _answers(f"{url}/healthz")
        yield LiveGateway(url=url, token=token, log=log)
    finally:
        server.terminate()
        server.wait(timeout=30)


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


def test_the_server_logged_no_failed_request(live_gateway: LiveGateway) -> None:
    # Runs after the fuzzing (same module, file order): a 5xx is also logged as "request failed".
    assert "request failed" not in live_gateway.log.read_text()
