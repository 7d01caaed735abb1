"""The tracking scenario end to end on real sockets: a Eurodac hit on an applicant registered
in NL, an expert's confirmation, a take back notification to NL over mutual TLS, NL's signed
acknowledgement and then silence, tacit acceptance on the date the engine computes, and the
result in the national system's inbox and at its webhook."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from polling import eventually
from web_rig import answer_to, served_gateway, token_for, webhook_site

from gateway.adapters.web.server import Endpoints
from gateway.broker.access import Role, new_token
from gateway.broker.audit import verify_chain
from gateway.domain.dublin import DublinRegime, DublinReply, ReplyOutcome
from gateway.domain.eurodac import ReferenceNumber
from gateway.domain.person import Sex
from gateway.domain.replies import Acknowledgement, EurodacHit, MatchedRecord
from gateway.messages import (
    EU_AUTHORITY,
    DublinSubmission,
    Message,
    Party,
    new_envelope,
    read_message,
)
from gateway.pipeline.results import (
    RESULT_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify_webhook,
)
from gateway.pipeline.services import Services
from gateway.pipeline.wire import Wire
from gateway.security.demo import write_demo_pki
from gateway.security.identity import PeerId
from gateway.security.signer import Signer, SigningKey
from gateway.security.tls import client_context, server_context
from gateway.security.trust import TrustStore
from gateway.settings import Settings
from gateway.testing import FixedClock
from gateway.tracking import Facts, Step, compute_deadline, load_calendar
from gateway.tracking.periods import event_day
from gateway.tracking.records import Result, ResultKind, result_id

SAMPLES = Path(__file__).resolve().parents[2] / "mappings" / "samples" / "canonical"
SECRET = "a-webhook-secret-of-evibel"  # noqa: S105 - a test value
MATCHED = "NL1000000004242"


@dataclass
class Peer:
    """A stand-in peer over mutual TLS that acknowledges what it receives, signed as itself."""

    pki: Path
    folder_name: str
    party: Party
    received: list[Message] = field(default_factory=list)
    acks: list[Acknowledgement] = field(default_factory=list)

    @property
    def folder(self) -> Path:
        return self.pki / "peers" / self.folder_name

    def sign(self, message: Message) -> bytes:
        key = SigningKey.from_pem(
            self.folder_name,
            (self.folder / "signing.key.pem").read_bytes(),
            (self.folder / "signing.cert.pem").read_bytes(),
        )
        return Wire(member_state="BE", signer=Signer([key], active=self.folder_name)).signed(
            message
        )

    async def handle(self, request: web.Request) -> web.Response:
        message = read_message(await request.read())
        self.received.append(message)
        envelope = message.envelope
        now = datetime.now(tz=UTC)
        family = envelope.message_type.split(".", 1)[0]
        ack = Acknowledgement(acknowledged_message_id=envelope.message_id, received_at=now)
        self.acks.append(ack)
        reply = Message(
            envelope=new_envelope(
                message_type=f"{family}.ack",
                regime=envelope.regime,
                sender=self.party,
                recipient=envelope.sender,
                now=now,
                correlation_id=envelope.message_id,
                conversation_id=envelope.conversation_id,
            ),
            content=ack,
        )
        return web.Response(body=self.sign(reply), content_type="application/xml")

    async def start(self, path: str) -> tuple[web.AppRunner, int]:
        app = web.Application()
        app.router.add_post(path, self.handle)
        runner = web.AppRunner(app)
        await runner.setup()
        context = server_context(
            cert_file=self.folder / "tls-server.cert.pem",
            key_file=self.folder / "tls-server.key.pem",
            trust=TrustStore.from_directory(self.pki / "trust"),
        )
        await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
        return runner, runner.addresses[0][1]


@dataclass
class Hook:
    """The national system's webhook: records what it is sent."""

    calls: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.calls.append((dict(request.headers), await request.read()))
        return web.Response(status=204)


@dataclass
class Running:
    services: Services
    endpoints: Endpoints
    central: Peer
    nl: Peer
    hook: Hook
    clock: FixedClock
    tokens: dict[str, str]
    pki: Path


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    pki = tmp_path / "data"
    write_demo_pki(pki)
    central = Peer(
        pki=pki, folder_name="eu-eurodac", party=Party(authority=EU_AUTHORITY, system="eurodac")
    )
    nl = Peer(pki=pki, folder_name="nl-dublinet", party=Party(authority="NL", system="dublinet"))
    central_runner, central_port = await central.start("/eurodac")
    nl_runner, nl_port = await nl.start("/dublinet/NL")
    hook = Hook()
    clock = FixedClock(datetime.now(tz=UTC))
    try:
        async with webhook_site(hook.handle) as hook_url:
            settings = Settings(
                data_dir=pki,
                api_port=0,
                inbound_port=0,
                eurodac_url=f"https://localhost:{central_port}/eurodac",
                dublinet_url=f"https://localhost:{nl_port}/dublinet/{{party}}",
                dublinet_peers="NL",
                retry_base_seconds=1,
                webhooks=f"evibel={hook_url};{SECRET}",
            )
            async with served_gateway(settings, clock=clock) as (services, endpoints):
                tokens = {
                    "evibel": await token_for(services, "evibel", Role.SUBMITTER, now=clock.now()),
                    "expert": await token_for(services, "expert", Role.OPERATOR, now=clock.now()),
                }
                yield Running(
                    services=services,
                    endpoints=endpoints,
                    central=central,
                    nl=nl,
                    hook=hook,
                    clock=clock,
                    tokens=tokens,
                    pki=pki,
                )
    finally:
        for runner in (central_runner, nl_runner):
            await runner.cleanup()


async def _call(
    running: Running, method: str, path: str, who: str, **kwargs: Any
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {running.tokens[who]}", **kwargs.pop("headers", {})}
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method, f"{running.endpoints.api}{path}", headers=headers, **kwargs
        ) as response,
    ):
        return response.status, await response.json(content_type=None)


async def _post_inbound(running: Running, peer: Peer, message: Message) -> None:
    """`peer` posts `message`, signed, to the gateway's inbound endpoint over mutual TLS."""
    context = client_context(
        cert_file=peer.folder / "tls-client.cert.pem",
        key_file=peer.folder / "tls-client.key.pem",
        trust=TrustStore.from_directory(running.pki / "trust"),
        server=PeerId(party="BE", system="gateway"),
    )
    url = running.endpoints.inbound.replace("127.0.0.1", "localhost") + "/v1/inbound"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=peer.sign(message), ssl=context) as response,
    ):
        assert response.status == 200, await response.text()


async def _send_hit(running: Running, sent: Message) -> None:
    """The Central System reports a hit on a category 1 record of NL, over mutual TLS."""
    match = MatchedRecord(
        reference=ReferenceNumber.parse(MATCHED), captured_on=date(2025, 3, 2), sex=Sex.MALE
    )
    hit = answer_to(
        sent,
        running.central.party,
        "eurodac.hit",
        EurodacHit(
            reference=sent.content.transaction.reference,  # type: ignore[union-attr]
            matches=(match,),
        ),
    )
    await _post_inbound(running, running.central, hit)


async def test_a_silent_peer_accepts_tacitly_and_the_national_system_is_told(
    running: Running,
) -> None:
    body = (SAMPLES / "applicant-2026.json").read_bytes()
    status, answer = await _call(
        running,
        "POST",
        "/v1/submissions",
        "evibel",
        data=body,
        headers={"Idempotency-Key": "evibel-hit-1"},
    )
    assert status == 202, answer
    await eventually(lambda: len(running.central.received) == 1, within=20)
    await _send_hit(running, running.central.received[0])

    # The hit waits for the expert; the submitter already knows there is one.
    async def pending() -> list[dict[str, Any]]:
        return (await _call(running, "GET", "/v1/hits?state=pending", "expert"))[1]["hits"]

    await eventually(lambda: _non_empty(pending()), within=10)
    [hit] = await pending()
    assert (hit["matched"], hit["status"]) == (MATCHED, "awaiting_verification")

    status, verdict = await _call(running, "POST", f"/v1/hits/{hit['hit_id']}/confirm", "expert")
    assert status == 200, verdict
    assert verdict["hit"]["proposal"]["step"] == Step.TAKE_BACK_NOTIFICATION.value
    case_id = verdict["case"]["case_id"]

    # NL receives the notification and acknowledges it; its time of receipt starts the clock.
    await eventually(lambda: len(running.nl.received) == 1, within=20)
    notification = running.nl.received[0]
    assert notification.envelope.message_type == "dublinet.take-back-notification"
    assert isinstance(notification.content, DublinSubmission)
    assert str(notification.content.request.eurodac_reference) == MATCHED

    async def case() -> dict[str, Any]:
        return (await _call(running, "GET", f"/v1/cases/{case_id}", "expert"))[1]

    await eventually(lambda: _state_is(case(), "acknowledged"), within=10)
    # The day of receipt in the Netherlands (Reg 1182/71 Art 3(1)), not the UTC date.
    received = event_day(running.nl.acks[0].received_at, load_calendar("NL"))
    expected = compute_deadline(
        step=Step.TAKE_BACK_CONFIRMATION,
        start=received,
        regime=DublinRegime.AMMR,
        calendar=load_calendar("NL"),
        facts=Facts(hit=True),
    )
    assert (await case())["deadline"]["date"] == expected.date.isoformat()

    # NL stays silent. On the last day nothing happens; the day after, silence is an answer.
    tracking = running.services.tracking
    assert tracking is not None
    running.clock.set(datetime.combine(expected.date, time(23, 59), tzinfo=UTC))
    assert await tracking.deadlines.sweep() == 0
    assert (await case())["state"] == "acknowledged"
    running.clock.set(datetime.combine(expected.date + timedelta(days=1), time(0, 1), tzinfo=UTC))
    assert await tracking.deadlines.sweep() == 1
    shown = await case()
    assert shown["state"] == "tacitly_accepted"
    assert shown["history"][-1]["event"] == "reply_deadline_passed"

    # The national system finds it in its inbox, under an id that stays the same.
    status, inbox = await _call(running, "GET", "/v1/inbox", "evibel")
    assert status == 200
    kinds = [(r["kind"], r["data"].get("state")) for r in inbox["results"]]
    assert kinds[0] == ("hit", None)
    assert kinds[-1] == ("case-change", "tacitly_accepted")
    ids = [r["result_id"] for r in inbox["results"]]
    assert len(set(ids)) == len(ids)
    status, later = await _call(running, "GET", f"/v1/inbox?since={ids[0]}", "evibel")
    assert [r["result_id"] for r in later["results"]] == ids[1:]

    # ... and its webhook receives it, signed.
    tacit_id = next(
        r["result_id"] for r in inbox["results"] if r["data"].get("state") == "tacitly_accepted"
    )
    await eventually(
        lambda: tacit_id in [h[RESULT_ID_HEADER] for h, _ in running.hook.calls], within=20
    )
    headers, sent = next(c for c in running.hook.calls if c[0][RESULT_ID_HEADER] == tacit_id)
    stamp = int(headers[TIMESTAMP_HEADER])
    assert verify_webhook(SECRET, stamp, sent, headers[SIGNATURE_HEADER], now=stamp)
    assert json.loads(sent)["data"]["state"] == "tacitly_accepted"

    # The audit trail holds who did what, chained with the messages' entries.
    assert await _audited(running, {hit["hit_id"], case_id}) == [
        ("hit.received", "gateway"),
        ("hit.confirmed", "expert"),
        ("case.opened", "expert"),
        ("case.acknowledgement", "NL:dublinet"),
        ("case.reply_deadline_passed", "gateway"),
    ]


async def _audited(running: Running, subjects: set[str]) -> list[tuple[str, str]]:
    trail = await running.services.store.audit_entries(limit=10_000)
    assert verify_chain(trail) is None
    return [(entry.kind, entry.actor) for entry in trail if entry.subject in subjects]


async def _non_empty(found: Any) -> bool:
    return bool(await found)


async def _state_is(found: Any, state: str) -> bool:
    return bool((await found)["state"] == state)


async def test_the_tracking_api_checks_roles_input_and_whose_results_are_whose(
    running: Running,
) -> None:
    tracking = running.services.tracking
    assert tracking is not None
    actio, actio_secret = new_token(
        name="actio", roles=frozenset({Role.SUBMITTER}), now=running.clock.now()
    )
    await running.services.store.add_token(actio)
    running.tokens["actio"] = actio_secret
    mine = Result(
        result_id=result_id(ResultKind.NO_HIT, "m-1"),
        submitter="evibel",
        kind=ResultKind.NO_HIT,
        subject="m-1",
        created_at=running.clock.now(),
        payload='{"kind": "no-hit"}',
    )
    await tracking.store.add_results([mine])

    assert (await _call(running, "GET", "/v1/hits", "evibel"))[0] == 403
    assert (await _call(running, "GET", "/v1/inbox", "expert"))[0] == 403
    status, problem = await _call(running, "GET", "/v1/hits?state=maybe", "expert")
    assert (status, problem["code"]) == (400, "GW-HIT-STATE")
    assert (await _call(running, "GET", "/v1/hits/nope", "expert"))[0] == 404
    assert (await _call(running, "GET", "/v1/cases/nope", "expert"))[0] == 404
    status, problem = await _call(running, "POST", "/v1/hits/nope/reject", "expert", json={})
    assert (status, problem["code"]) == (400, "GW-HIT-VERDICT")
    status, problem = await _call(
        running, "POST", "/v1/hits/nope/confirm", "expert", json={"open_case": True}
    )
    assert (status, problem["code"]) == (400, "GW-HIT-UNKNOWN")
    status, problem = await _call(running, "GET", "/v1/deadlines?within=soon", "expert")
    assert (status, problem["code"]) == (400, "GW-DL-WITHIN")
    status, digest = await _call(running, "GET", "/v1/deadlines?within=30", "expert")
    assert (status, digest["within_days"], digest["overdue"]) == (200, 30, [])

    status, inbox = await _call(running, "GET", "/v1/inbox", "evibel")
    assert [r["kind"] for r in inbox["results"]] == ["no-hit"]
    assert inbox["next"] == mine.result_id
    status, theirs = await _call(running, "GET", "/v1/inbox", "actio")
    assert (status, theirs["results"]) == (200, [])
    status, problem = await _call(running, "GET", f"/v1/inbox?since={mine.result_id}", "actio")
    assert (status, problem["code"]) == (400, "GW-RES-SINCE")


async def test_a_signed_acceptance_from_nl_moves_the_case_and_reaches_the_inbox(
    running: Running,
) -> None:
    body = (SAMPLES / "applicant-2026.json").read_bytes()
    status, _ = await _call(
        running, "POST", "/v1/submissions", "evibel", data=body,
        headers={"Idempotency-Key": "evibel-hit-2"},
    )  # fmt: skip
    assert status == 202
    await eventually(lambda: len(running.central.received) == 1, within=20)
    await _send_hit(running, running.central.received[0])
    tracking = running.services.tracking
    assert tracking is not None
    await eventually(lambda: _non_empty(tracking.store.hits()), within=10)
    [hit] = await tracking.store.hits()
    verdict = await tracking.hits.confirm(hit.hit_id, by="expert")
    assert verdict.case is not None
    await eventually(lambda: len(running.nl.received) == 1, within=20)
    notification = running.nl.received[0]

    accept = answer_to(
        notification,
        running.nl.party,
        "dublinet.reply",
        DublinReply(
            request_reference=verdict.case.reference,
            replying_state="NL",
            outcome=ReplyOutcome.ACCEPT,
        ),
    )
    await _post_inbound(running, running.nl, accept)
    case = await tracking.cases.case(verdict.case.case_id)
    assert (case.state.value, case.deadline_step) == ("accepted", "transfer")
    _, inbox = await _call(running, "GET", "/v1/inbox", "evibel")
    replies = [r for r in inbox["results"] if r["kind"] == "reply"]
    assert [r["data"]["outcome"] for r in replies] == ["accept"]
