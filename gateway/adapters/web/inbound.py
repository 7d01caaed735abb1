"""`POST /v1/inbound`: peers deliver acknowledgements and replies over mutual TLS."""

from __future__ import annotations

from aiohttp import web

from gateway.adapters.web.keys import SERVICES
from gateway.adapters.web.observability import add_request_ids
from gateway.adapters.web.problems import error_middleware
from gateway.errors import SecurityError
from gateway.pipeline.services import Services
from gateway.security.tls import peer_of

__all__ = ["make_inbound"]


def make_inbound(services: Services) -> web.Application:
    app = web.Application(
        middlewares=[error_middleware], client_max_size=services.settings.max_xml_bytes
    )
    app[SERVICES] = services
    app.router.add_post("/v1/inbound", receive)
    add_request_ids(app)
    return app


async def receive(request: web.Request) -> web.Response:
    """200 with our signed acknowledgement (204 for an acknowledgement); 4xx with a problem."""
    ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
    if ssl_object is None:
        raise SecurityError("GW-TLS-NO-PEER-CERT", "the inbound endpoint needs mutual TLS")
    services = request.app[SERVICES]
    peer = peer_of(ssl_object, services.trust)
    answer = await services.inbound.receive(await request.read(), tls_peer=peer)
    if answer is None:
        return web.Response(status=204)
    return web.Response(body=answer, content_type="application/xml")
