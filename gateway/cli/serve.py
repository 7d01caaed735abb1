"""`eugw serve`: run the gateway (API, inbound endpoint, dispatcher) until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING

from gateway.cli._context import settings_from
from gateway.cli._parsers import Subcommands, add_command
from gateway.errors import ConfigError

if TYPE_CHECKING:
    from gateway.adapters.web.server import Endpoints
    from gateway.settings import Settings

__all__ = ["bound_endpoints", "register"]

EXIT_STOP_TIMED_OUT = 1  # the process was stopped before it had finished stopping


def register(commands: Subcommands) -> None:
    parser = add_command(
        commands,
        "serve",
        "Run the gateway until Ctrl-C or SIGTERM: the submission and operator API "
        "(EUGW_API_HOST:EUGW_API_PORT, default 127.0.0.1:8080), the mutual-TLS inbound "
        "endpoint for peers' replies (EUGW_INBOUND_PORT, default 8443) and the "
        "dispatcher that delivers queued messages. Keys, certificates and the trust "
        "store are read from EUGW_DATA_DIR (make demo ones with `eugw certs init DIR`). "
        "Signed checkpoints of the audit trail go to EUGW_AUDIT_CHECKPOINT_FILE every "
        "EUGW_AUDIT_CHECKPOINT_ENTRIES entries or EUGW_AUDIT_CHECKPOINT_SECONDS, and on "
        "the way out (see `eugw audit --help`).",
    )
    parser.add_argument(
        "--store",
        metavar="URL",
        help="sqlite:///PATH or postgresql://... (default: EUGW_DATABASE_URL, else SQLite "
        "in the data directory); several `eugw serve` on one PostgreSQL database share the work",
    )
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if args.store:
        settings = dataclasses.replace(settings, database_url=args.store)
    if not (settings.data_dir / settings.trust_dir).is_dir():
        raise ConfigError(
            "GW-CFG-INVALID",
            f"no trust store in {settings.data_dir / settings.trust_dir}; "
            f"for a demo, run: eugw certs init {settings.data_dir}",
            "EUGW_DATA_DIR",
        )
    asyncio.run(_serve(settings))
    return 0


async def _serve(settings: Settings) -> None:
    from gateway.adapters.web.server import serve  # noqa: PLC0415 - when the command runs
    from gateway.app import audit_checkpoints, running_services  # noqa: PLC0415

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    timeout = settings.shutdown_timeout_seconds

    def on_signal(signum: signal.Signals) -> None:
        if stop.is_set():
            # Ctrl-C twice: at once. A second SIGTERM (a supervisor signalling the whole
            # process group) waits for the stop under way.
            if signum is signal.SIGINT:
                _exit_now("the gateway was interrupted twice")
            return
        stop.set()
        # Whatever the stopping waits on (a hung disk, a peer, a store), the process ends:
        # a thread, so that a blocked event loop cannot hold it back.
        watchdog = threading.Timer(
            timeout, _exit_now, args=(f"the gateway did not stop within {timeout} s",)
        )
        watchdog.daemon = True
        watchdog.start()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal, signum)
    started: asyncio.Future[Endpoints] = loop.create_future()
    async with running_services(settings) as services, audit_checkpoints(services):
        server = asyncio.create_task(serve(services, stop, started))
        endpoints = await bound_endpoints(started, server)
        print(f"eugw: API on {endpoints.api}, inbound (mutual TLS) on {endpoints.inbound}")
        print("eugw: press Ctrl-C to stop")
        await server


def _exit_now(why: str) -> None:
    from gateway.logging import get_logger  # noqa: PLC0415 - when the command runs

    get_logger().error(why + "; exiting now", setting="EUGW_SHUTDOWN_TIMEOUT_SECONDS")
    sys.stderr.flush()
    os._exit(EXIT_STOP_TIMED_OUT)


async def bound_endpoints(
    started: asyncio.Future[Endpoints], server: asyncio.Task[None]
) -> Endpoints:
    """The bound addresses, or the reason the server could not start (its task is reaped)."""
    try:
        return await started
    except Exception:
        with contextlib.suppress(Exception):
            await server
        raise
