"""Run the gateway: the API, the mutual-TLS inbound endpoint, the dispatcher, the purge."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web

from gateway.adapters.web.api import make_api
from gateway.adapters.web.inbound import make_inbound
from gateway.errors import ConfigError, GatewayError
from gateway.logging import get_logger
from gateway.pipeline.results import run_tracking
from gateway.pipeline.services import Services
from gateway.security.configured import server_context_from

__all__ = ["Endpoints", "serve"]

PURGE_EVERY = 3600.0  # seconds between two purges of bodies past their retention


@dataclass(frozen=True, kw_only=True, slots=True)
class Endpoints:
    api: str
    inbound: str


async def serve(
    services: Services,
    stop: asyncio.Event,
    started: asyncio.Future[Endpoints] | None = None,
) -> None:
    """Serve until `stop` is set; `started` receives the bound addresses."""
    settings = services.settings
    log = get_logger()
    api = web.AppRunner(make_api(services), access_log=None)
    inbound = web.AppRunner(make_inbound(services), access_log=None)
    await api.setup()
    await inbound.setup()
    try:
        try:
            await _listen(web.TCPSite(api, settings.api_host, settings.api_port), "EUGW_API_PORT")
            await _listen(
                web.TCPSite(
                    inbound,
                    settings.inbound_host,
                    settings.inbound_port,
                    ssl_context=server_context_from(settings),
                ),
                "EUGW_INBOUND_PORT",
            )
        except Exception as error:
            if started is not None and not started.done():
                started.set_exception(error)  # whoever waits for the start hears why
            raise
        endpoints = Endpoints(
            api=_url("http", api.addresses[0]), inbound=_url("https", inbound.addresses[0])
        )
        log.info("gateway listening", url=endpoints.api, host=endpoints.inbound)
        if started is not None:
            started.set_result(endpoints)
        async with asyncio.TaskGroup() as group:
            group.create_task(services.dispatcher.run(stop), name="dispatcher")
            group.create_task(_purge(services, stop), name="purge")
            if services.batches is not None:  # batches cut short by a restart go on
                stale = timedelta(seconds=settings.lease_seconds)
                group.create_task(services.batches.watch(stop, stale_after=stale, every=30.0))
            group.create_task(run_tracking(services.tracking, services.webhooks, stop))
    finally:
        await api.cleanup()
        await inbound.cleanup()


async def _listen(site: web.TCPSite, setting: str) -> None:
    try:
        await site.start()
    except OSError as error:  # typically: the port is taken by another program
        raise ConfigError(
            "GW-CFG-INVALID", f"cannot listen on {site.name} ({error.strerror})", setting
        ) from None


async def _purge(services: Services, stop: asyncio.Event) -> None:
    retention = timedelta(days=services.settings.body_retention_days)
    while not stop.is_set():
        try:
            purged = await services.store.purge_bodies(
                updated_before=services.clock.now() - retention
            )
        except GatewayError as error:  # the store is away; the next round purges
            get_logger().warning("purge failed", code=error.code, reason=error.message)
            purged = 0
        if purged:
            get_logger().info("bodies purged after retention", count=purged)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PURGE_EVERY)


def _url(scheme: str, address: tuple[str, int] | object) -> str:
    host, port = address[:2]  # type: ignore[index]
    return f"{scheme}://{host}:{port}"
