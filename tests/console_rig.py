"""What the console's tests share: logging in over HTTP, the forms' hidden fields, peers'
signed messages reaching the gateway of an `api_rig` (as the inbound server hands them on):
NL's Dublin requests, acknowledgements and replies, and the Central System's hits; a hit
stored as awaiting verification; a page of a headless Chromium; and a peer's HTTPS server
(mutual TLS) for connection tests."""

from __future__ import annotations

import json
import re
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from playwright.async_api import Page, async_playwright
from stored_cases import stored_hit
from web_rig import Rig, tls_site

from gateway.adapters.web.tracking import case_plan
from gateway.broker.access import Role
from gateway.domain.dublin import DublinRegime, DublinReply, DublinRequest, ReplyOutcome
from gateway.domain.dublin import RequestType as Kind
from gateway.domain.eurodac import ReferenceNumber, Regime
from gateway.domain.person import Sex
from gateway.domain.record import CanonicalRecord
from gateway.domain.replies import Acknowledgement, EurodacHit, MatchedRecord
from gateway.domain.serialization import decode_record
from gateway.messages import DublinSubmission, Message, Party, new_envelope
from gateway.pipeline.wire import CENTRAL_SYSTEM, Wire, peer_name
from gateway.security.identity import PeerId
from gateway.security.signer import Signer, SigningKey
from gateway.tracking.records import StoredCase, StoredHit

SAMPLE = Path(__file__).resolve().parent.parent / "mappings" / "samples" / "canonical"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
NL = Party(authority="NL", system="dublinet")
BE = Party(authority="BE", system="gateway")


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden field {name}"
    return found.group(1)


async def log_in(client: TestClient, token: str) -> None:  # type: ignore[type-arg]
    form = await (await client.get("/console/login")).text()
    response = await client.post(
        "/console/login",
        data={"token": token, "login_csrf": hidden(form, "login_csrf"), "next": "/console"},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()


async def csrf_of(client: TestClient) -> str:  # type: ignore[type-arg]
    return hidden(await (await client.get("/console")).text(), "csrf")


def record() -> CanonicalRecord:
    decoded = decode_record(json.loads((SAMPLE / "applicant-2026.json").read_bytes())).value
    assert isinstance(decoded, CanonicalRecord)
    return decoded


def _wire(rig: Rig, folder: str, party: str) -> Wire:
    peer = rig.services.settings.data_dir / "peers" / folder
    key = SigningKey.from_pem(
        folder, (peer / "signing.key.pem").read_bytes(), (peer / "signing.cert.pem").read_bytes()
    )
    return Wire(member_state=party, signer=Signer([key], active=folder))


async def _from_peer(
    rig: Rig, sender: Party, message_type: str, content: Any, **envelope: Any
) -> str:
    """`sender` signs the message and the gateway receives it; its message id."""
    folder = f"{sender.authority.lower()}-{sender.system}"
    message = Message(
        envelope=new_envelope(
            message_type=message_type,
            regime=envelope.pop("regime", DublinRegime.AMMR),
            sender=sender,
            recipient=BE,
            now=rig.services.clock.now(),  # sent as the gateway's clock has it
            **envelope,
        ),
        content=content,
    )
    body = _wire(rig, folder, sender.authority).signed(message)
    await rig.services.inbound.receive(body, tls_peer=PeerId.parse(peer_name(sender)))
    return str(message.envelope.message_id)


async def incoming_request(rig: Rig, reference: str = "NL-2026-77") -> tuple[str, StoredCase]:
    """NL asks us to take charge: the request's message id and the case it opened."""
    request = DublinSubmission(
        request=DublinRequest(
            request_type=Kind.TAKE_CHARGE,
            requesting_state="NL",
            requested_state="BE",
            national_reference=reference,
            legal_basis="Reg 2024/1351 Art 39",
        ),
        record=record(),
    )
    message_id = await _from_peer(
        rig, NL, "dublinet.take-charge-request", request, conversation_id=uuid.uuid4()
    )
    tracking = rig.services.tracking
    assert tracking is not None
    case = await tracking.store.case_by_message(message_id)
    assert case is not None
    return message_id, case


async def _sent(rig: Rig, message_id: str) -> None:
    """As if the dispatcher had sent it once and heard nothing back yet."""
    store, now = rig.services.store, datetime.now(tz=UTC)
    claimed = await store.claim(worker="w", now=now, lease=timedelta(minutes=5), limit=100)
    assert message_id in {message.message_id for message in claimed}


async def outgoing_case(rig: Rig, reference: str = "BE-DUB-1") -> StoredCase:
    """We ask NL to take charge; NL acknowledges."""
    body = {
        "kind": "take_charge",
        "requested_state": "NL",
        "legal_basis": "Reg 2024/1351 Art 39(1)",
        "record": json.loads((SAMPLE / "applicant-2026.json").read_bytes()),
    }
    tracking = rig.services.tracking
    assert tracking is not None
    case = await tracking.requests.open_planned(case_plan(body, case_id=str(uuid.uuid4())))
    assert case.request_message_id is not None
    await _sent(rig, case.request_message_id)
    return case


async def acknowledge(rig: Rig, message_id: str) -> str:
    """NL acknowledges our message; the acknowledgement's id."""
    request = await rig.services.store.get(message_id)
    assert request is not None
    ack = Acknowledgement(
        acknowledged_message_id=uuid.UUID(message_id), received_at=datetime.now(tz=UTC)
    )
    return await _from_peer(
        rig,
        NL,
        "dublinet.ack",
        ack,
        correlation_id=uuid.UUID(message_id),
        conversation_id=uuid.UUID(request.conversation_id),
    )


async def reply(rig: Rig, case: StoredCase, outcome: ReplyOutcome = ReplyOutcome.ACCEPT) -> str:
    """NL answers our request; the reply's id."""
    assert case.request_message_id is not None
    request = await rig.services.store.get(case.request_message_id)
    assert request is not None
    answer = DublinReply(
        request_reference=case.reference,
        replying_state="NL",
        outcome=outcome,
        legal_basis="Reg 2024/1351 Art 40(1)",
        reason_codes=() if outcome is ReplyOutcome.ACCEPT else ("no-evidence",),
        explanation=None if outcome is ReplyOutcome.ACCEPT else "No proof of the stay.",
    )
    return await _from_peer(
        rig,
        NL,
        "dublinet.reply",
        answer,
        correlation_id=uuid.UUID(case.request_message_id),
        conversation_id=uuid.UUID(request.conversation_id),
    )


async def submitted(rig: Rig, key: str = "k-1") -> str:
    """An enrolment submitted by evibel and sent once; its message id."""
    token = await rig.token(Role.SUBMITTER, name="evibel")
    data = json.loads((SAMPLE / "applicant-2026.json").read_bytes())
    data["biometrics"]["captured_on"] = datetime.now(tz=UTC).date().isoformat()
    response = await rig.client.post(
        "/v1/submissions",
        data=json.dumps(data).encode(),
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    )
    assert response.status == 202, await response.text()
    [message_id] = (await response.json())["message_ids"]
    await _sent(rig, str(message_id))
    return str(message_id)


async def eurodac_hit(rig: Rig, matched: str = "NL1NL2025X77") -> tuple[str, str]:
    """Our enrolment hits NL's record: (the hit message's id, our enrolment's id)."""
    ours = await submitted(rig)
    sent = await rig.services.store.get(ours)
    assert sent is not None
    assert sent.reference is not None
    hit = EurodacHit(
        reference=ReferenceNumber.parse(sent.reference),
        matches=(
            MatchedRecord(
                reference=ReferenceNumber.parse(matched),
                captured_on=date(2025, 4, 2),
                sex=Sex.MALE,
            ),
        ),
    )
    message_id = await _from_peer(
        rig,
        CENTRAL_SYSTEM,
        "eurodac.hit",
        hit,
        regime=Regime.EURODAC_2024,
        correlation_id=uuid.UUID(ours),
        conversation_id=uuid.UUID(sent.conversation_id),
    )
    return message_id, ours


@asynccontextmanager
async def browser_page(chromium: Path, base: str, **options: Any) -> AsyncIterator[Page]:
    """A page of a new headless Chromium whose paths start at `base` (not logged in); the
    browser closes after. `options` go to `new_page` (a viewport, downloads)."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(chromium))
        try:
            page = await browser.new_page(base_url=base, **options)
            page.set_default_timeout(20_000)
            yield page
        finally:
            await browser.close()


async def screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    """A picture of `page` in test-artifacts/`name`.png, for a person to look at after the run."""
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


async def type_token(page: Page, token: str) -> None:
    """Log in on the console's login form the page shows."""
    await page.fill("#token", token)
    await page.click("button[type=submit]")


def pending_hit(
    hit_id: str,
    *,
    matched: str = "BE1000000004242",  # our own record: a confirmation proposes no Dublin step
    received: date = date(2026, 11, 29),
    registered: date = date(2026, 11, 20),
    created_at: datetime = datetime(2026, 11, 29, 9, tzinfo=UTC),
) -> StoredHit:
    """A hit evibel's enrolment had, awaiting an expert's verification (its data erased)."""
    return stored_hit(
        hit_id,
        "BE1000098765430001",
        matched,
        received=received,
        registered=registered,
        at=created_at,
    )


@asynccontextmanager
async def peer_tls_server(data: Path, folder: str) -> AsyncIterator[int]:
    """An HTTPS server with `folder`'s TLS certificate that asks for ours; its port."""

    async def inbound(request: web.Request) -> web.Response:
        return web.Response(text="signed XML only")

    app = web.Application()
    app.router.add_post("/dublinet/{party}", inbound)  # a GET is answered 405, as a peer would
    async with tls_site(app, data, folder) as port:
        yield port


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
