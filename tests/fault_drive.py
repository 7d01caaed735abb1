"""Driving the real gateway against the simulator: a message to each simulated endpoint (a
record to the Central System, a take charge request to a DubliNet peer) through the API,
and what the gateway made of it (its state, timeline, reply, results, refusals)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import aiohttp
from polling import eventually
from prometheus_client.parser import text_string_to_metric_families
from simkit import Both

from gateway.broker.states import Event, MessageState
from gateway.domain.record import CanonicalRecord
from gateway.domain.serialization import encode
from gateway.pipeline.services import Tracking
from gateway.tracking.records import Result
from simulators.common.outbound import derived_id

SAMPLES = Path(__file__).resolve().parents[1] / "mappings" / "samples" / "canonical"
SUBMITTER = "evibel"  # the name of the test token (submitter and operator)
ENDPOINTS = ("eurodac", "NL")  # the Central System, and the peer the gateway reaches
PEER_OF = {"eurodac": "EU:eurodac", "NL": "NL:dublinet"}


async def call(both: Both, method: str, path: str, *, key: str = "", **kwargs: Any) -> Any:
    """The answer of the gateway's API (status checked: 2xx)."""
    headers = {"Authorization": f"Bearer {both.token}"}
    if key:
        headers["Idempotency-Key"] = key
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, f"{both.endpoints.api}{path}", headers=headers, **kwargs) as answer,
    ):
        body = await answer.read()
        assert 200 <= answer.status < 300, body.decode()
        return json.loads(body) if answer.content_type.endswith("json") else body.decode()


async def submit(both: Both, key: str, record: CanonicalRecord | None = None) -> str:
    """Submit a record (the canonical sample without one); its message id."""
    if record is None:
        data = (SAMPLES / "applicant-2026.json").read_bytes()
        answer = await call(both, "POST", "/v1/submissions", key=key, data=data)
    else:
        answer = await call(both, "POST", "/v1/submissions", key=key, json=encode(record))
    [message_id] = answer["message_ids"]
    return str(message_id)


async def open_case(both: Both, key: str, state: str = "NL") -> dict[str, Any]:
    """Open an outgoing take charge case to `state`; the case as the API shows it."""
    plan = {
        "kind": "take_charge",
        "requested_state": state,
        "legal_basis": "Art 39 Regulation (EU) 2024/1351",
        "record": json.loads((SAMPLES / "applicant-2026.json").read_bytes()),
        "submitter": SUBMITTER,
    }
    case: dict[str, Any] = await call(both, "POST", "/v1/cases", key=key, json=plan)
    return case


async def send_to(both: Both, endpoint: str, key: str) -> str:
    """The id of a message the gateway sends to `endpoint` (`eurodac`, or a peer's state)."""
    if endpoint == "eurodac":
        return await submit(both, key)
    return str((await open_case(both, key, endpoint))["request_message_id"])


def reply_id(message_id: str) -> str:
    """The id of the simulator's reply to a message (derived from what it answers)."""
    return str(derived_id(uuid.UUID(message_id), "reply"))


async def state_of(both: Both, message_id: str) -> MessageState | None:
    stored = await both.services.store.get(message_id)
    return None if stored is None else stored.state


async def events_of(both: Both, message_id: str) -> list[Event]:
    return [change.event for change in await both.services.store.timeline(message_id)]


async def wait_for_state(both: Both, message_id: str, state: MessageState) -> None:
    async def reached() -> bool:
        return await state_of(both, message_id) is state

    await eventually(reached, within=30)


async def answered_once(both: Both, message_id: str) -> None:
    """The message ends answered, with one ANSWER in its timeline."""
    await wait_for_state(both, message_id, MessageState.ANSWERED)
    assert (await events_of(both, message_id)).count(Event.ANSWER) == 1


def tracking(both: Both) -> Tracking:
    assert both.services.tracking is not None
    return both.services.tracking


async def results(both: Both) -> list[Result]:
    """The results the national system has been given, oldest first."""
    return await tracking(both).store.results(submitter=SUBMITTER, limit=1000)


async def metric(both: Both, name: str, **labels: str) -> float:
    """The sum of a counter's samples with those labels, read from the operator's
    `/metrics` (`name` without `_total`)."""
    text = await call(both, "GET", "/metrics")
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        if family.name == name
        for sample in family.samples
        if sample.name == f"{name}_total" and labels.items() <= sample.labels.items()
    )


async def refusals(both: Both, endpoint: str, code: str) -> float:
    """How many deliveries of `endpoint` the gateway's inbound endpoint refused with `code`."""
    return await metric(both, "eugw_inbound_refused", peer=PEER_OF[endpoint], code=code)


async def inbound_requests(both: Both) -> float:
    """How many requests the gateway's inbound endpoint answered (with any status)."""
    return await metric(both, "eugw_http_requests", route="/v1/inbound")
