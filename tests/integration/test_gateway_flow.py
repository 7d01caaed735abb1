"""The gateway end to end on real sockets: submit over the API, deliver over mutual TLS to a
stand-in Central System, receive its signed reply on the inbound endpoint."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from lxml import etree
from polling import eventually
from web_rig import (
    answer_to,
    eurodac_ack,
    eurodac_gateway_settings,
    eurodac_site,
    eurodac_wire,
    served_gateway,
    token_for,
)

from gateway.adapters.web.server import Endpoints
from gateway.broker.access import Role, new_token
from gateway.broker.states import MessageState
from gateway.domain.replies import Acknowledgement, EurodacNoHit
from gateway.messages import EU_AUTHORITY, Message, Party, read_message
from gateway.pipeline.services import Services
from gateway.security.demo import write_demo_pki
from gateway.security.identity import PeerId
from gateway.security.tls import client_context
from gateway.security.trust import TrustStore
from gateway.security.verifier import Verifier

SAMPLES = Path(__file__).resolve().parents[2] / "mappings" / "samples" / "canonical"
EURODAC = PeerId(party="EU", system="eurodac")


@dataclass
class CentralSystem:
    """A stand-in Central System: acknowledges what it receives, signed as EU:eurodac."""

    pki: Path
    url: str = ""
    received: list[Message] = field(default_factory=list)

    @property
    def folder(self) -> Path:
        return self.pki / "peers" / "eu-eurodac"

    def sign_as_eurodac(self, message: Message) -> bytes:
        # Wire signs as whoever its key is; the envelope names the Central System.
        return eurodac_wire(self.folder).signed(message)

    async def handle(self, request: web.Request) -> web.Response:
        message = read_message(await request.read())
        self.received.append(message)
        return web.Response(body=eurodac_ack(message, self.folder), content_type="application/xml")


@dataclass
class Running:
    services: Services
    endpoints: Endpoints
    central: CentralSystem
    token: str
    pki: Path


@pytest.fixture(params=[0, 2], ids=["crypto-threads", "crypto-processes"])
async def running(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Running]:
    """The gateway with its signing and verifying on threads, or on worker processes."""
    pki = tmp_path / "data"
    write_demo_pki(pki)
    central = CentralSystem(pki=pki)
    async with (
        eurodac_site(central.handle, pki) as eurodac_url,
        _gateway(pki, eurodac_url, central, request.param) as running,
    ):
        yield running


@asynccontextmanager
async def _gateway(
    pki: Path, eurodac_url: str, central: CentralSystem, crypto_processes: int
) -> AsyncIterator[Running]:
    """The gateway serving its API and inbound endpoints, delivering to `eurodac_url`."""
    settings = eurodac_gateway_settings(
        pki, eurodac_url, retry_base_seconds=1, crypto_processes=crypto_processes
    )
    async with served_gateway(settings) as (services, endpoints):
        secret = await token_for(services, "evibel", Role.SUBMITTER)
        yield Running(
            services=services, endpoints=endpoints, central=central, token=secret, pki=pki
        )


async def submit(
    running: Running, body: bytes, key: str, token: str | None = None, query: str = ""
) -> tuple[int, dict[str, object], str]:
    """`POST /v1/submissions?<query>` of `body` under idempotency key `key` (as evibel unless
    another `token` is given): the status, the answer's JSON and its content type."""
    headers = {"Idempotency-Key": key, "Authorization": f"Bearer {token or running.token}"}
    url = f"{running.endpoints.api}/v1/submissions" + (f"?{query}" if query else "")
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as response,
    ):
        return response.status, await response.json(content_type=None), response.content_type


async def test_a_record_goes_out_signed_and_its_reply_comes_back(running: Running) -> None:
    body = (SAMPLES / "applicant-2026.json").read_bytes()
    status, answer, _ = await submit(running, body, "evibel-0001")
    assert status == 202
    [message_id] = answer["message_ids"]  # type: ignore[misc]
    again_status, again, _ = await submit(running, body, "evibel-0001")
    assert (again_status, again) == (202, answer)

    store = running.services.store

    async def state_is(state: MessageState) -> bool:
        stored = await store.get(message_id)
        return stored is not None and stored.state is state

    await eventually(lambda: state_is(MessageState.ACKNOWLEDGED), within=20)
    assert len(running.central.received) == 1
    sent = running.central.received[0]
    assert str(sent.envelope.message_id) == message_id

    # The Central System answers: no hit, signed, over mutual TLS to the inbound endpoint.
    reply = answer_to(
        sent,
        Party(authority=EU_AUTHORITY, system="eurodac"),
        "eurodac.no-hit",
        EurodacNoHit(reference=sent.content.transaction.reference),  # type: ignore[union-attr]
    )
    folder = running.central.folder
    trust = TrustStore.from_directory(running.pki / "trust")
    context = client_context(
        cert_file=folder / "tls-client.cert.pem",
        key_file=folder / "tls-client.key.pem",
        trust=trust,
        server=PeerId(party="BE", system="gateway"),
    )
    inbound_url = running.endpoints.inbound.replace("127.0.0.1", "localhost") + "/v1/inbound"
    signed_reply = running.central.sign_as_eurodac(reply)
    for _ in range(2):  # the second delivery is a duplicate: acknowledged, changes nothing
        async with (
            aiohttp.ClientSession() as session,
            session.post(inbound_url, data=signed_reply, ssl=context) as response,
        ):
            assert response.status == 200, await response.text()
            ack_body = await response.read()
    await eventually(lambda: state_is(MessageState.ANSWERED))
    ack = read_message(ack_body)
    assert isinstance(ack.content, Acknowledgement)
    assert ack.content.acknowledged_message_id == reply.envelope.message_id
    Verifier(trust).verify(
        etree.fromstring(ack_body),
        expected=PeerId(party="BE", system="gateway"),
        at=ack.envelope.created_at,
    )
    timeline = await store.timeline(message_id)
    assert [change.to_state.value for change in timeline][-2:] == ["acknowledged", "answered"]


async def test_bad_input_gets_every_problem_and_is_answered_the_same_again(
    running: Running,
) -> None:
    body = (SAMPLES / "refused-minor-bad-codes.json").read_bytes()
    status, problem, content_type = await submit(running, body, "evibel-0002")
    assert status == 422
    assert content_type == "application/problem+json"
    codes = {p["code"] for p in problem["problems"]}  # type: ignore[union-attr,index]
    assert {"GW-VAL-NATIONAL-NUMBER", "GW-VAL-MINIMUM-AGE", "GW-VAL-COUNTRY-CODE"} <= codes
    assert all(p["path"] for p in problem["problems"])  # type: ignore[union-attr,index]
    again = await submit(running, body, "evibel-0002")
    assert again[:2] == (422, problem)
    conflict_status, conflict, _ = await submit(running, b"{}", "evibel-0002")
    assert conflict_status == 400
    assert conflict["code"] == "GW-IN-IDEMPOTENCY-CONFLICT"
    assert await running.services.store.counts() == {}


async def test_the_api_refuses_callers_without_the_role(running: Running) -> None:
    status, problem, _ = await submit(running, b"{}", "k", token="eugw_nope")  # noqa: S106 - a token nobody issued
    assert (status, problem["code"]) == (401, "GW-API-UNAUTHENTICATED")
    operator, secret = new_token(
        name="ops", roles=frozenset({Role.OPERATOR}), now=datetime.now(tz=UTC)
    )
    await running.services.store.add_token(operator)
    status, problem, _ = await submit(running, b"{}", "k", token=secret)
    assert (status, problem["code"]) == (403, "GW-API-FORBIDDEN")


async def test_an_operator_pages_through_messages_and_reads_one(running: Running) -> None:
    sample = json.loads((SAMPLES / "applicant-2026.json").read_text())
    for number in range(3):
        sample["transaction"]["reference"] = f"BE100009876543000{number}"
        status, _, _ = await submit(running, json.dumps(sample).encode(), f"page-{number}")
        assert status == 202
    operator, secret = new_token(
        name="ops", roles=frozenset({Role.OPERATOR}), now=datetime.now(tz=UTC)
    )
    await running.services.store.add_token(operator)
    headers = {"Authorization": f"Bearer {secret}"}
    api = running.endpoints.api
    async with aiohttp.ClientSession(headers=headers) as session:
        # ours only: the Central System's acknowledgements are listed too when both are
        async with session.get(f"{api}/v1/messages?direction=outbound&limit=2") as first:
            page = await first.json()
        assert len(page["messages"]) == 2
        async with session.get(
            page["next"] if page["next"].startswith("http") else api + page["next"]
        ) as second:
            rest = await second.json()
        assert len(rest["messages"]) == 1
        newest = page["messages"][0]["message_id"]
        async with session.get(f"{api}/v1/messages/{newest}") as detail:
            shown = await detail.json()
        assert newest in shown["xml"]
        assert "Signature" in shown["xml"]
        assert [step["to"] for step in shown["timeline"]][:5] == [
            "received", "mapped", "validated", "signed", "queued",
        ]  # fmt: skip
        async with session.get(f"{api}/v1/queues") as queues:
            overview = await queues.json()
        assert set(overview["circuits"]) == {"EU:eurodac"}
        async with session.get(f"{api}/v1/messages?since=yesterday") as bad:
            assert bad.status == 400
            assert (await bad.json())["code"] == "GW-API-QUERY"
