"""`POST /v1/inbound`: peers deliver acknowledgements and replies over mutual TLS.

A delivery refused (a signature that does not hold, a stranger's certificate,
a message for someone else...) is answered with a problem document naming our
error code, so the peer knows why; nothing of it is stored or acted on. The
operator sees each refusal in the `eugw_inbound_refused` counter (by peer and
code) and in a log line with the code and the message id the peer claimed.
"""

from __future__ import annotations

import uuid

from aiohttp import web

from gateway.adapters.web.budgets import BodyBudget
from gateway.adapters.web.headers import add_security_headers
from gateway.adapters.web.keys import SERVICES
from gateway.adapters.web.limits import LIMITS, RequestLimits, limits_middleware
from gateway.adapters.web.observability import add_request_ids
from gateway.adapters.web.problems import error_middleware
from gateway.errors import GatewayError, SecurityError
from gateway.logging import get_logger
from gateway.pipeline.services import Services
from gateway.security.tls import peer_of

__all__ = ["UNKNOWN_PEER", "make_inbound"]

UNKNOWN_PEER = "unknown"  # the peer label of a refusal before the certificate named one


def make_inbound(services: Services, *, budget: BodyBudget | None = None) -> web.Application:
    """The inbound endpoint; `budget` bounds the request bodies it holds at once (shared
    with the API by `serve`; else its own). Its callers are named by their TLS
    certificates, so its bodies may be as large as a message from a peer."""
    settings = services.settings
    app = web.Application(
        middlewares=[error_middleware, limits_middleware], client_max_size=settings.max_xml_bytes
    )
    app[SERVICES] = services
    app[LIMITS] = RequestLimits(
        budget=budget or BodyBudget(settings.max_body_memory_bytes),
        max_body_bytes=settings.max_xml_bytes,
        anonymous_max_body_bytes=settings.max_xml_bytes,
        body_timeout=settings.body_timeout_seconds,
    )
    add_security_headers(app)
    app.router.add_post("/v1/inbound", receive)
    add_request_ids(app)
    return app


async def receive(request: web.Request) -> web.Response:
    """200 with our signed acknowledgement (204 for an acknowledgement); 4xx with a problem."""
    services = request.app[SERVICES]
    peer = UNKNOWN_PEER
    try:
        ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
        if ssl_object is None:
            raise SecurityError("GW-TLS-NO-PEER-CERT", "the inbound endpoint needs mutual TLS")
        tls_peer = peer_of(ssl_object, services.trust)
        peer = str(tls_peer)
        answer = await services.inbound.receive(await request.read(), tls_peer=tls_peer)
    except GatewayError as error:
        services.metrics.observe_refused(peer=peer, code=error.code)
        get_logger(peer=peer, message_id=_claimed_id(request)).warning(
            "inbound message refused", code=error.code, path=error.path
        )
        raise
    if answer is None:
        return web.Response(status=204)
    return web.Response(body=answer, content_type="application/xml")


def _claimed_id(request: web.Request) -> str | None:
    """The X-Message-Id the peer sent, when it is a message id (it is not verified: a
    refused message could not be read)."""
    try:
        return str(uuid.UUID(request.headers.get("X-Message-Id", "")))
    except ValueError:
        return None
