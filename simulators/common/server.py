"""The mutual-TLS HTTP side of a simulated endpoint: receive, verify, acknowledge.

`POST` a signed message; the answer is `200` with the signed acknowledgement
(the same one again for a message id seen before), or `400` with an
`application/problem+json` body naming our error code. Bad input never
gets a 5xx; a 5xx comes only from the `http_status` fault.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web

from gateway.errors import ERROR_CODES, GatewayError
from gateway.logging import get_logger
from gateway.security.identity import PeerId
from gateway.security.signer import Signer
from gateway.security.tls import peer_of, server_context
from gateway.security.trust import TrustStore
from simulators.common.faults import FaultBoard, spoil_signature
from simulators.common.inbound import Inbound, Received
from simulators.common.outbound import signed_ack
from simulators.common.state import SimDb

__all__ = ["Endpoint", "problem", "receive", "tls_context"]

UNKNOWN_ENDPOINT = "GW-SIM-UNKNOWN-ENDPOINT"
PROBLEM_TYPE = "application/problem+json"


class Endpoint(Protocol):
    """A simulated party that takes messages at one path."""

    @property
    def name(self) -> str: ...  # `eurodac` or a DubliNet peer's state code

    @property
    def peer(self) -> PeerId: ...

    @property
    def signer(self) -> Signer: ...

    @property
    def inbound(self) -> Inbound: ...

    def plan(self, received: Received, now: datetime) -> tuple[datetime, dict[str, Any] | None]:
        """When to process a new message, and what was decided about it on receipt."""
        ...


def problem(status: int, code: str, detail: str) -> web.Response:
    """An RFC 9457 problem document with our error code."""
    return web.json_response(
        {
            "type": f"urn:eu-gateway:error:{code}",
            "title": ERROR_CODES.get(code, "The message was refused."),
            "status": status,
            "detail": detail,
            "code": code,
        },
        status=status,
        content_type=PROBLEM_TYPE,
    )


async def receive(
    request: web.Request,
    endpoint: Endpoint | None,
    *,
    db: SimDb,
    faults: FaultBoard,
    trust: TrustStore,
    now: Callable[[], datetime],
) -> web.StreamResponse:
    """Handle one POST to a simulated endpoint."""
    if endpoint is None:
        return problem(404, UNKNOWN_ENDPOINT, f"no simulated endpoint at {request.path}")
    fault = faults.of(endpoint.name)
    log = get_logger(peer=str(endpoint.peer))
    if fault.delay_ms:
        await asyncio.sleep(fault.delay_ms / 1000)
    if fault.drop:
        if request.transport is not None:
            request.transport.close()
        raise asyncio.CancelledError
    if fault.http_status is not None:
        return problem(fault.http_status, "GW-SIM-FAULT", "an injected fault")
    body = await request.read()
    try:
        tls_peer = _tls_peer(request, trust)
        moment = now()
        received = await asyncio.to_thread(
            endpoint.inbound.open,
            body,
            tls_peer=tls_peer,
            message_id=request.headers.get("X-Message-Id"),
            now=moment,
        )
        envelope = received.message.envelope
        ack = await asyncio.to_thread(
            signed_ack, envelope, me=endpoint.peer, signer=endpoint.signer, now=moment
        )
        due_at, plan = endpoint.plan(received, moment)
        new, ack = await db.receive(
            message_id=str(envelope.message_id),
            endpoint=endpoint.name,
            sender=str(received.signer),
            message_type=envelope.message_type,
            conversation_id=str(envelope.conversation_id),
            received_at=moment,
            due_at=due_at,
            ack=ack,
            signed_xml=received.signed_xml,
            plan=plan,
        )
    except GatewayError as error:
        log.info("message refused", code=error.code, path=error.path)
        return problem(400, error.code, str(error))
    log.info(
        "message acknowledged",
        message_id=str(envelope.message_id),
        state="new" if new else "duplicate",
    )
    return web.Response(
        body=spoil_signature(ack, fault.ack_signature),
        content_type="application/xml",
        headers={"X-Message-Id": str(envelope.message_id)},
    )


def _tls_peer(request: web.Request, trust: TrustStore) -> PeerId:
    ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
    if ssl_object is None:
        raise GatewayError("GW-TLS-NO-PEER-CERT", "the request did not come over TLS")
    return peer_of(ssl_object, trust)


def tls_context(
    *,
    cert_file: Path,
    key_file: Path,
    trust: TrustStore,
    wrong: ssl.SSLContext,
    faults: FaultBoard,
    endpoints: Sequence[str],
) -> ssl.SSLContext:
    """A server context that switches to `wrong` (an untrusted certificate) while one of the
    endpoints it serves has the `tls` fault: the switch happens in the handshake itself."""
    context = server_context(cert_file=cert_file, key_file=key_file, trust=trust)

    def choose(
        connection: ssl.SSLObject | ssl.SSLSocket, _: str | None, __: ssl.SSLContext
    ) -> None:
        if any(faults.of(name).tls for name in endpoints):
            connection.context = wrong

    context.sni_callback = choose  # called for every handshake, with or without SNI
    return context
