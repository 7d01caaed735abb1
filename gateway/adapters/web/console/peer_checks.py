"""`POST /console/peers/{peer}/test`: an operator or admin tests the connection to a peer
(`gateway.adapters.peer_probe`: a real mutual-TLS handshake with the configured client
certificate, then one HTTP request to the endpoint). The peers page shows the result, the
peer's certificate (subject, issuer, expiry) or the error's code and sentence. Each test is
in the audit trail (`peer.connection_tested`) with the caller's name and its outcome.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gateway.adapters.http_transport import Route
from gateway.adapters.peer_probe import check_connection
from gateway.adapters.web.console.access import page
from gateway.adapters.web.console.configuration import peers_page
from gateway.adapters.web.keys import CALLER, SERVICES
from gateway.broker.access import Permission
from gateway.broker.audit import AuditRecord
from gateway.errors import InputError
from gateway.logging import get_logger

__all__ = ["test_connection"]

CODE = "GW-UI-PEER"


@page(Permission.TEST_PEERS)
async def test_connection(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    peer = request.match_info["peer"]
    if peer not in services.dispatcher.circuits:
        problem = InputError(CODE, f"no peer {peer} is configured", "peer")
        return await peers_page(request, problem=problem, status=404)
    routes: dict[str, Any] = getattr(services.dispatcher.transport, "routes", {})
    route = routes.get(peer)
    if not isinstance(route, Route):
        problem = InputError(CODE, f"{peer} has no HTTPS endpoint to test here", "peer")
        return await peers_page(request, problem=problem, status=409)
    now = services.clock.now()
    seconds = float(services.settings.tls_handshake_timeout_seconds)
    check = await check_connection(peer, route, now=now, seconds=seconds)
    await services.store.append_audit(
        [
            AuditRecord(
                at=now,
                kind="peer.connection_tested",
                subject=peer,
                actor=request[CALLER].name,
                detail=check.as_detail(),
            )
        ]
    )
    get_logger().info(
        "peer connection tested", peer=peer, ok=check.ok, code=check.code, source="console"
    )
    return await peers_page(request, check=check)
