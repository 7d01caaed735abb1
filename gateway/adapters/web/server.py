"""Run the gateway: the API, the mutual-TLS inbound endpoint, the dispatcher, the purge."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from datetime import timedelta

from aiohttp import web

from gateway.adapters.web.api import make_api
from gateway.adapters.web.budgets import BodyBudget
from gateway.adapters.web.inbound import make_inbound
from gateway.domain.frozen import frozen
from gateway.errors import ConfigError, GatewayError
from gateway.logging import get_logger
from gateway.pipeline.results import run_tracking
from gateway.pipeline.services import Services
from gateway.private_files import private_directory
from gateway.security.configured import server_context_from

__all__ = ["Endpoints", "TlsSite", "serve"]

PURGE_EVERY = 3600.0  # seconds between two purges of bodies past their retention


@frozen
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
    private_directory(settings.data_dir)  # 0700, also when an older version made it open
    budget = BodyBudget(settings.max_body_memory_bytes)  # one process: one memory
    # A connection that has not sent a request's headers this long after it opened (or
    # after its last answer) is closed: aiohttp's keep-alive timer closes it when it waits.
    idle = settings.header_timeout_seconds
    api = web.AppRunner(make_api(services, budget=budget), access_log=None, keepalive_timeout=idle)
    inbound = web.AppRunner(
        make_inbound(services, budget=budget), access_log=None, keepalive_timeout=idle
    )
    await api.setup()
    await inbound.setup()
    try:
        try:
            await _listen(web.TCPSite(api, settings.api_host, settings.api_port), "EUGW_API_PORT")
            await _listen(
                TlsSite(
                    inbound,
                    settings.inbound_host,
                    settings.inbound_port,
                    ssl_context=server_context_from(settings),
                    handshake_timeout=settings.tls_handshake_timeout_seconds,
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
        work = asyncio.create_task(_work(services, stop), name="gateway-work")
        await _until_drained(work, stop, drain=settings.shutdown_timeout_seconds / 2)
    finally:
        await api.cleanup()
        await inbound.cleanup()


async def _work(services: Services, stop: asyncio.Event) -> None:
    async with asyncio.TaskGroup() as group:
        group.create_task(services.dispatcher.run(stop), name="dispatcher")
        group.create_task(_purge(services, stop), name="purge")
        if services.batches is not None:  # batches cut short by a restart go on
            stale = timedelta(seconds=services.settings.lease_seconds)
            group.create_task(services.batches.watch(stop, stale_after=stale, every=30.0))
        group.create_task(run_tracking(services.tracking, services.webhooks, stop))


async def _until_drained(work: asyncio.Task[None], stop: asyncio.Event, *, drain: float) -> None:
    """Until `work` ends: on its own (its error is raised), or after `stop`, when the work
    in flight has had `drain` seconds to finish (then it is cancelled: a send cut short is
    sent again after its lease, and receivers de-duplicate)."""
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({work, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if not work.done():
            await asyncio.wait({work}, timeout=drain)
    except BaseException:  # we are cancelled ourselves: so is the work
        work.cancel()
        raise
    finally:
        stopped.cancel()
    if not work.done():
        get_logger().warning("work in flight cut short at shutdown", duration_ms=drain * 1000)
        work.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await work
        return
    await work


class TlsSite(web.BaseSite):
    """A TLS listener whose handshakes must end within `handshake_timeout` seconds
    (aiohttp's `TCPSite` leaves asyncio's 60 s to connections that never say hello)."""

    __slots__ = ("_handshake_timeout", "_host", "_port")

    def __init__(
        self,
        runner: web.BaseRunner,
        host: str,
        port: int,
        *,
        ssl_context: ssl.SSLContext,
        handshake_timeout: float,
    ) -> None:
        super().__init__(runner, ssl_context=ssl_context)
        self._host, self._port = host, port
        self._handshake_timeout = handshake_timeout

    @property
    def name(self) -> str:
        return f"https://{self._host}:{self._port}"

    async def start(self) -> None:
        await super().start()  # registers the site with its runner
        server = self._runner.server
        if server is None:
            raise RuntimeError("the runner is not set up")
        self._server = await asyncio.get_running_loop().create_server(
            server,
            self._host,
            self._port,
            ssl=self._ssl_context,
            backlog=self._backlog,
            ssl_handshake_timeout=self._handshake_timeout,
        )


async def _listen(site: web.BaseSite, setting: str) -> None:
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
