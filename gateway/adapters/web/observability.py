"""`/metrics` for Prometheus, `/readyz` checks, and a request id on every log line.

Each request gets an id (the caller's `X-Request-Id` when it is a short
token, else a new one), bound into structlog's context variables so every
log line written while handling it carries `request_id`, and echoed in the
`X-Request-Id` response header.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import structlog
from aiohttp import web

from gateway.adapters.web.keys import SERVICES
from gateway.broker.breaker import CircuitState
from gateway.errors import GatewayError
from gateway.observability import CONTENT_TYPE
from gateway.pipeline.services import Services
from gateway.security.inventory import CertificateRow, list_certificates
from gateway.settings import Settings

__all__ = [
    "REQUEST_ID",
    "add_request_ids",
    "add_routes",
    "gateway_certificates",
    "readiness",
    "request_id_middleware",
]

REQUEST_ID = web.RequestKey("request_id", str)
REQUEST_ID_HEADER = "X-Request-Id"
STORE_CHECK_SECONDS = 5.0  # a store that takes longer to answer readiness is not ready
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def add_routes(app: web.Application) -> None:
    """`/metrics`, and request ids for every route of `app`."""
    add_request_ids(app)
    app.router.add_get("/metrics", metrics)


def add_request_ids(app: web.Application) -> None:
    """A request id for every request of `app` (the outermost middleware), counted in
    the metrics by route and status."""
    app.middlewares.insert(0, request_id_middleware)
    app.on_response_prepare.append(_echo_request_id)


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = offered if _ACCEPTABLE_ID.fullmatch(offered) else uuid.uuid4().hex
    request[REQUEST_ID] = request_id
    status = 500
    with structlog.contextvars.bound_contextvars(request_id=request_id):
        try:
            response = await handler(request)
        except web.HTTPException as http:
            status = http.status
            raise
        else:
            status = response.status
            return response
        finally:
            route = request.match_info.route.resource
            template = route.canonical if route is not None else "(unrouted)"
            request.app[SERVICES].metrics.observe_request(
                method=request.method, route=template, status=status
            )


async def _echo_request_id(request: web.Request, response: web.StreamResponse) -> None:
    request_id = request.get(REQUEST_ID)
    if request_id is not None:
        response.headers[REQUEST_ID_HEADER] = request_id


async def metrics(request: web.Request) -> web.Response:
    """The Prometheus text exposition (open, like the health checks: no personal data)."""
    services = request.app[SERVICES]
    gauges = services.metrics
    counts = await services.store.counts()
    gauges.set_queue({(peer, state.value): count for (peer, state), count in counts.items()})
    now = services.clock.now()
    oldest = await services.store.oldest_waiting()
    gauges.set_oldest_waiting(
        {peer: (now - created).total_seconds() for peer, created in oldest.items()}
    )
    gauges.set_circuits(
        {peer: circuit.state.state.value for peer, circuit in services.dispatcher.circuits.items()},
        [state.value for state in CircuitState],
    )
    rows = await asyncio.to_thread(gateway_certificates, services.settings, now)
    gauges.set_certificates((row.file, row.peer, row.days_left) for row in rows)
    await gauges.refresh_deadlines()
    return web.Response(body=gauges.exposition(), headers={"Content-Type": CONTENT_TYPE})


def gateway_certificates(settings: Settings, now: datetime) -> list[CertificateRow]:
    """The gateway's own certificates: signing, TLS and the trust store (not peers' or the
    demo CA's keys that may lie in the same data directory), the soonest to expire first."""
    folders = {
        settings.signing_keys_dir,
        settings.trust_dir,
        settings.tls_server_cert.parent,
        settings.tls_client_cert.parent,
    }
    rows: list[CertificateRow] = []
    for folder in sorted(folders):
        directory = settings.data_dir / folder
        if not directory.is_dir():
            continue
        for row in list_certificates(directory, now):
            file = str(Path(folder) / row.file)
            rows.append(
                CertificateRow(
                    file=file,
                    subject=row.subject,
                    peer=row.peer,
                    expires=row.expires,
                    days_left=row.days_left,
                )
            )
    return sorted(rows, key=lambda row: (row.expires, row.file))


async def readiness(services: Services) -> tuple[bool, dict[str, Any]]:
    """Ready when the store answers and can work (not damaged, its writes not failing) and
    none of the gateway's certificates has expired; `store` says why when it cannot.
    Circuit states are reported for each peer; an open circuit does not make the gateway
    unready (it still takes submissions and queues them)."""
    report: dict[str, Any] = {}
    ready = True
    try:
        async with asyncio.timeout(STORE_CHECK_SECONDS):
            await services.store.check()
        report["store"] = "ok"
    except GatewayError as error:  # damaged, away or failing: say which
        report["store"] = f"{error.code}: {error.message}"
        ready = False
    except TimeoutError:
        report["store"] = f"the store did not answer within {STORE_CHECK_SECONDS:.0f} s"
        ready = False
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        report["store"] = type(error).__name__
        ready = False
    now = services.clock.now()
    try:
        rows = await asyncio.to_thread(gateway_certificates, services.settings, now)
    except Exception as error:  # noqa: BLE001 - an unreadable certificate means not ready
        report["certificates"] = type(error).__name__
        ready = False
    else:
        expired = [row.file for row in rows if row.expired or row.expires <= now]
        report["certificates"] = {"count": len(rows), "expired": expired}
        ready = ready and not expired
    report["peers"] = {
        peer: circuit.state.state.value for peer, circuit in services.dispatcher.circuits.items()
    }
    report["status"] = "ready" if ready else "not ready"
    return ready, report
