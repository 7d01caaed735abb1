"""`eugw bench pipeline --end-to-end`: from the ingest API to a peer's acknowledgement.

A gateway on a fresh store (SQLite or a temporary PostgreSQL schema) with a
throw-away demo PKI, the benchmark's national system and its acknowledging
peer each in a process of its own, and the bare floor measured in the same
run (see `gateway.bench.end_to_end`). With `--store sqlite,postgresql` each run
measures both, one after the other, and the medians are set side by side (a
shared machine's speed drifts: compare engines within one run). With
`--gateways N` (PostgreSQL) N gateway processes share the schema and the
national system spreads its connections over them.

Hot paths timed: those of `gateway.bench.end_to_end` and `.sustained`; the floor
(`_floor`) times `Submissions.prepare` (build, validate, sign; no store) and
`Verifier.verify`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import psycopg
from lxml import etree
from psycopg import sql

from gateway.adapters.web.server import Endpoints, serve
from gateway.app import running_services
from gateway.bench.end_to_end import EndToEndFigures, measure_end_to_end
from gateway.bench.pipeline import SAMPLE, numbered_record, numbered_records
from gateway.bench.sustained import Interval, SustainedFigures, measure_sustained
from gateway.broker.access import Role, new_token
from gateway.domain.frozen import frozen
from gateway.errors import ConfigError
from gateway.listen_ports import free_port
from gateway.logging import configure_logging
from gateway.pipeline.services import Services
from gateway.pipeline.submissions import SubmissionRequest, Submissions
from gateway.security.demo import write_demo_pki
from gateway.security.identity import PeerId
from gateway.security.trust import TrustStore
from gateway.security.verifier import Verifier
from gateway.settings import LogLevel, Settings

__all__ = ["end_to_end", "peer_process"]

F = TypeVar("F")


STORES = ("sqlite", "postgresql")


def end_to_end(args: argparse.Namespace, say: Callable[[str], None]) -> int:
    """`eugw bench pipeline --end-to-end`: the figures of one or more runs, or of a long one,
    each line handed to `say` as soon as it is known."""
    configure_logging(LogLevel.WARNING)  # a log line per message would be measured too
    stores = _stores(args)
    if args.duration:
        if len(stores) > 1:
            raise ConfigError("GW-CFG-USAGE", "--duration measures one store", "--store")
        return _sustained(args, stores[0], say)
    floor_records = numbered_records(json.loads(SAMPLE.read_text()), min(args.count, 500))

    async def measure(run: _Running) -> EndToEndFigures:
        return await measure_end_to_end(
            api=run.api,
            token=run.token,
            count=args.count,
            acknowledged_at=run.acknowledged_at,
            floor=lambda: _floor(run.services.submissions, run.services.trust, floor_records),
            concurrency=args.concurrency,
        )

    runs: dict[str, list[EndToEndFigures]] = {store: [] for store in stores}
    for number in range(1, args.runs + 1):
        for store in stores:
            figures = asyncio.run(_on_store(args, store, measure))
            runs[store].append(figures)
            if not args.json:
                prefix = f"run {number}/{args.runs}: " if args.runs > 1 else ""
                label = f"{_label(args, store)}: " if len(stores) > 1 else ""
                say(prefix + label + _end_to_end_line(figures))
    if args.json:
        say(json.dumps(_document(args, runs), indent=2))
        return 0
    for store, measured in runs.items():
        if len(measured) > 1:
            label = f"{_label(args, store)}, " if len(stores) > 1 else ""
            say(label + _median_line(measured))
    if len(stores) > 1:
        say(_ratio_line(args, runs))
    return 0


def _stores(args: argparse.Namespace) -> list[str]:
    stores = [store.strip() for store in args.store.split(",") if store.strip()]
    unknown = [store for store in stores if store not in STORES]
    if unknown or not stores or len(set(stores)) != len(stores):
        raise ConfigError(
            "GW-CFG-USAGE", "--store names sqlite, postgresql or both, each once", "--store"
        )
    if args.gateways < 1:
        raise ConfigError("GW-CFG-USAGE", "--gateways is at least 1", "--gateways")
    if args.gateways > 1 and "sqlite" in stores:
        raise ConfigError(
            "GW-CFG-USAGE",
            "several gateways share a PostgreSQL database; SQLite is one process's",
            "--gateways",
        )
    return stores


def _label(args: argparse.Namespace, store: str) -> str:
    name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[store]
    return f"{name} ({args.gateways} gateways)" if args.gateways > 1 else name


def _median_line(runs: list[EndToEndFigures]) -> str:
    median = _medians(runs)
    shares = sorted(figures.share_of_floor for figures in runs)
    return (
        f"median of {len(runs)} runs: {median['messages_per_s']:.0f} messages/s, "
        f"p50 {median['p50_ms']:.0f} ms, p99 {median['p99_ms']:.0f} ms, "
        f"{median['share_of_floor']:.0%} of the floor (runs from {shares[0]:.0%} "
        f"to {shares[-1]:.0%})"
    )


def _ratio(runs: dict[str, list[EndToEndFigures]]) -> dict[str, float]:
    sqlite, postgresql = _medians(runs["sqlite"]), _medians(runs["postgresql"])
    return {
        "throughput": postgresql["messages_per_s"] / sqlite["messages_per_s"],
        "p99": postgresql["p99_ms"] / sqlite["p99_ms"],
    }


def _ratio_line(args: argparse.Namespace, runs: dict[str, list[EndToEndFigures]]) -> str:
    ratio = _ratio(runs)
    return (
        f"{_label(args, 'postgresql')} against SQLite (medians of the same runs): "
        f"{ratio['throughput']:.0%} of its throughput, p99 {ratio['p99']:.1f} times its p99"
    )


def _document(args: argparse.Namespace, runs: dict[str, list[EndToEndFigures]]) -> dict[str, Any]:
    if len(runs) == 1:  # one store: its run, or its runs and their median
        [figures] = runs.values()
        if len(figures) == 1:
            return _end_to_end_document(figures[0])
        return {
            "runs": [_end_to_end_document(one) for one in figures],
            "median": _medians(figures),
            "gateways": args.gateways,
        }
    document: dict[str, Any] = {
        "gateways": args.gateways,
        "stores": {
            store: {
                "runs": [_end_to_end_document(one) for one in figures],
                "median": _medians(figures),
            }
            for store, figures in runs.items()
        },
    }
    if len(runs) > 1:
        document["postgresql_to_sqlite"] = _ratio(runs)
    return document


def _end_to_end_line(figures: EndToEndFigures) -> str:
    return (
        f"{figures.count} messages from the API to the peer's acknowledgement in "
        f"{figures.seconds:.2f} s: {figures.messages_per_s:.0f} messages/s, "
        f"p50 {figures.p50_ms:.0f} ms, p99 {figures.p99_ms:.0f} ms; "
        f"floor {figures.floor_per_s:.0f}/s (before {figures.floor_before_per_s:.0f}, "
        f"after {figures.floor_after_per_s:.0f}), {figures.share_of_floor:.0%} of it"
    )


def _end_to_end_document(figures: EndToEndFigures) -> dict[str, Any]:
    return {
        **asdict(figures),
        "floor_per_s": figures.floor_per_s,
        "share_of_floor": figures.share_of_floor,
    }


def _medians(runs: list[EndToEndFigures]) -> dict[str, float]:
    return {
        name: statistics.median(getattr(figures, name) for figures in runs)
        for name in ("messages_per_s", "p50_ms", "p99_ms", "floor_per_s", "share_of_floor")
    }


def _sustained(args: argparse.Namespace, store: str, say: Callable[[str], None]) -> int:
    sample = json.loads(SAMPLE.read_text())

    def report(interval: Interval) -> None:
        if not args.json:
            say(
                f"{interval.ends_at_s:>6.0f} s  {interval.messages_per_s:>6.1f} messages/s  "
                f"p50 {interval.p50_ms:>5.0f} ms  p99 {interval.p99_ms:>5.0f} ms",
            )

    async def measure(run: _Running) -> SustainedFigures:
        return await measure_sustained(
            api=run.api,
            token=run.token,
            record=lambda number: numbered_record(sample, number),
            acknowledged_at=run.acknowledged_at,
            duration=args.duration,
            interval=args.interval,
            concurrency=args.concurrency,
            report=report,
        )

    figures = asyncio.run(_on_store(args, store, measure))
    if args.json:
        say(json.dumps({**asdict(figures), "last_to_first": figures.last_to_first}, indent=2))
    else:
        say(
            f"{figures.acknowledged} messages acknowledged in {figures.seconds:.0f} s; "
            f"the last interval ran at {figures.last_to_first:.0%} of the first"
        )
    return 0


@frozen
class _Running:
    """A gateway serving on a fresh store, with its API token and the peer's acknowledgements."""

    api: str
    token: str
    acknowledged_at: dict[str, float]
    services: Services


async def _on_store(
    args: argparse.Namespace, store: str, measure: Callable[[_Running], Awaitable[F]]
) -> F:
    if store == "sqlite":
        return await _end_to_end_on(args, measure, database_url="")
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    async with await psycopg.AsyncConnection.connect(args.postgres, autocommit=True) as conn:
        await conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        return await _end_to_end_on(
            args, measure, database_url=f"{args.postgres}?options=-csearch_path%3D{schema}"
        )
    finally:
        async with await psycopg.AsyncConnection.connect(args.postgres, autocommit=True) as conn:
            await conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


async def _end_to_end_on(
    args: argparse.Namespace, measure: Callable[[_Running], Awaitable[F]], *, database_url: str
) -> F:
    with tempfile.TemporaryDirectory() as directory:
        data = Path(directory)
        write_demo_pki(data)
        async with peer_process(data) as (url, acknowledged_at):
            settings = Settings(
                data_dir=data,
                api_port=0,
                inbound_port=0,
                eurodac_url=f"{url}/eurodac",
                dublinet_peers="",
                crypto_threads=args.threads,
                crypto_processes=args.processes,
                log_level=LogLevel.WARNING,
                database_url=database_url,
                rate_limit_per_second=0,  # one submitter flat out is the point here
                mappings_dir=SAMPLE.parents[2],  # the shipped mappings: no warning of none
            )
            stop = asyncio.Event()
            async with running_services(settings) as services:
                token, secret = new_token(
                    name="bench", roles=frozenset({Role.SUBMITTER}), now=datetime.now(tz=UTC)
                )
                await services.store.add_token(token)
                started: asyncio.Future[Endpoints] = asyncio.get_running_loop().create_future()
                server = asyncio.create_task(serve(services, stop, started))
                endpoints = await started
                try:
                    async with other_gateways(settings, args.gateways - 1) as apis:
                        return await measure(
                            _Running(
                                api=",".join([endpoints.api, *apis]),
                                token=secret,
                                acknowledged_at=acknowledged_at,
                                services=services,
                            )
                        )
                finally:
                    stop.set()
                    await server


@asynccontextmanager
async def other_gateways(settings: Settings, count: int) -> AsyncIterator[list[str]]:
    """`count` more gateways on the same store and data, each an `eugw serve` process of
    its own: their API URLs, once each answers ready."""
    processes: list[asyncio.subprocess.Process] = []
    apis: list[str] = []
    try:
        for number in range(count):
            port = free_port()
            environment = {
                **os.environ,
                "EUGW_DATA_DIR": str(settings.data_dir),
                "EUGW_DATABASE_URL": settings.database_url,
                "EUGW_API_PORT": str(port),
                "EUGW_INBOUND_PORT": str(free_port()),
                "EUGW_EURODAC_URL": settings.eurodac_url,
                "EUGW_DUBLINET_PEERS": "",
                "EUGW_CRYPTO_THREADS": str(settings.crypto_threads),
                "EUGW_CRYPTO_PROCESSES": str(settings.crypto_processes),
                "EUGW_LOG_LEVEL": "warning",
                "EUGW_RATE_LIMIT_PER_SECOND": "0",
                "EUGW_MAPPINGS_DIR": str(settings.mappings_dir),
                "EUGW_AUDIT_CHECKPOINT_FILE": f"audit/checkpoints-{number + 2}.log",
            }
            gateway = ("-m", "gateway", "serve")
            processes.append(
                await asyncio.create_subprocess_exec(
                    sys.executable, *gateway, env=environment, stdout=asyncio.subprocess.DEVNULL
                )
            )
            apis.append(f"http://127.0.0.1:{port}")
        for api in apis:
            await _ready(api)
        yield apis
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            await process.wait()


async def _ready(api: str) -> None:
    async with asyncio.timeout(60), aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(f"{api}/readyz") as answer:
                    if answer.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)


@asynccontextmanager
async def peer_process(certs: Path) -> AsyncIterator[tuple[str, dict[str, float]]]:
    """The acknowledging peer in a process of its own, as the Central System is on a machine
    of its own: its URL, and its acknowledgement times by message id as they come."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.testing_peer", str(certs), stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None  # noqa: S101  # asked for above
    acknowledged_at: dict[str, float] = {}

    async def read(stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            message_id, at = line.decode().split()
            acknowledged_at[message_id] = float(at)

    try:
        url = (await asyncio.wait_for(process.stdout.readline(), 30)).decode().strip()
        if not url:
            raise ConfigError("GW-CFG-INVALID", "the benchmark's peer process did not start")
        reader = asyncio.create_task(read(process.stdout))
        try:
            yield url, acknowledged_at
        finally:
            reader.cancel()
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


def _floor(submissions: Submissions, trust: TrustStore, records: list[bytes]) -> float:
    """Build, validate, sign and verify every record with no I/O: messages/s."""
    verifier = Verifier(trust)
    signer = PeerId(party="BE", system="gateway")
    started = time.perf_counter()
    for number, body in enumerate(records):
        messages, problems = submissions.prepare(
            SubmissionRequest(submitter="floor", idempotency_key=str(number), body=body)
        )
        if problems:
            raise RuntimeError(f"the benchmark record was refused: {problems[0]}")
        for message in messages:
            root = etree.fromstring(message.body)  # our own bytes, just made
            verifier.verify(root, expected=signer, at=datetime.now(tz=UTC))
    return len(records) / (time.perf_counter() - started)
