"""`eugw bench store` and `eugw bench pipeline`: the broker's throughput on this machine."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import psycopg
from lxml import etree
from psycopg import sql

from gateway.adapters.clock import SystemClock
from gateway.adapters.postgres_store import PostgresStore
from gateway.adapters.sqlite_store import SqliteStore
from gateway.adapters.web.server import Endpoints, serve
from gateway.app import running_services
from gateway.bench.end_to_end import EndToEndFigures, measure_end_to_end
from gateway.bench.pipeline import (
    SAMPLE,
    PipelineFigures,
    bench_pipeline,
    numbered_record,
    numbered_records,
)
from gateway.bench.store import StoreFigures, bench_store
from gateway.bench.sustained import Interval, SustainedFigures, measure_sustained
from gateway.broker.access import Role, new_token
from gateway.broker.outbox import Outbox
from gateway.broker.sealing import BodyCipher
from gateway.errors import ConfigError
from gateway.logging import configure_logging
from gateway.pipeline.services import Services
from gateway.pipeline.submissions import SubmissionRequest, Submissions
from gateway.pipeline.wire import Wire
from gateway.security.configured import signer_from
from gateway.security.demo import write_demo_pki
from gateway.security.identity import PeerId
from gateway.security.trust import TrustStore
from gateway.security.verifier import Verifier
from gateway.settings import LogLevel, Settings

__all__ = ["register_subcommands"]

F = TypeVar("F")
DEFAULT_POSTGRES = "host=127.0.0.1 port=5432 user=postgres dbname=test"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def register_subcommands(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    store = subcommands.add_parser(
        "store",
        help="queue, claim and acknowledge N messages in SQLite and PostgreSQL",
        description="Queue N 6 KB messages in transactions of --batch, claim them in batches, "
        "acknowledge each in its own transaction (as the dispatcher does); print messages/s "
        "per step. SQLite in a temporary directory (WAL, synchronous=FULL); PostgreSQL in a "
        "temporary schema that is dropped afterwards.",
    )
    store.add_argument("--count", type=int, default=2000)
    store.add_argument("--batch", type=int, default=100)
    store.add_argument("--postgres", default=DEFAULT_POSTGRES, help="libpq connection string")
    store.add_argument("--no-postgres", action="store_true", help="SQLite only")
    store.add_argument("--json", action="store_true")
    store.set_defaults(run=_store)
    pipeline = subcommands.add_parser(
        "pipeline",
        help="accept N submissions: decode, rules, build, validate, sign, seal, store",
        description="Submit N canonical records (one per submission, --concurrency in "
        "flight) through the gateway's submission service on SQLite with a throw-away demo "
        "PKI; print submissions/s.",
    )
    pipeline.add_argument("--count", type=int, default=500, help="records to submit (500)")
    pipeline.add_argument(
        "--concurrency", type=int, default=8, help="submissions in flight at once (8)"
    )
    pipeline.add_argument("--threads", type=int, default=2, help="signing threads")
    pipeline.add_argument(
        "--processes",
        type=int,
        default=2,
        help="with --end-to-end: the gateway's CPU worker processes (crypto_processes; "
        "0 signs and verifies on its threads)",
    )
    pipeline.add_argument(
        "--end-to-end",
        action="store_true",
        help="POST to a running gateway's API and measure until a peer over mutual TLS "
        "acknowledges: messages/s, p50/p99 latency, and the share of the bare floor "
        "(build + validate + sign + verify, no I/O) measured in the same run",
    )
    pipeline.add_argument(
        "--store",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="with --end-to-end: the gateway's store (PostgreSQL in a temporary schema of "
        "--postgres)",
    )
    pipeline.add_argument("--postgres", default=DEFAULT_POSTGRES_URL, help="PostgreSQL URL")
    pipeline.add_argument(
        "--duration",
        type=float,
        default=0,
        metavar="SECONDS",
        help="with --end-to-end: run flat out for this long instead of --count messages, "
        "64 in flight, and print throughput and latency every --interval (the no-decay check: "
        "600 for ten minutes)",
    )
    pipeline.add_argument(
        "--interval", type=float, default=60, metavar="SECONDS", help="with --duration (60)"
    )
    pipeline.add_argument("--json", action="store_true", help="figures as JSON")
    pipeline.set_defaults(run=_pipeline)


def _store(args: argparse.Namespace) -> int:
    figures = asyncio.run(_run_stores(args))
    if args.json:
        print(json.dumps([asdict(figure) for figure in figures], indent=2))
        return 0
    print(f"{'store':<12}{'queue/s':>10}{'claim/s':>10}{'ack/s':>10}{'cycle/s':>10}")
    for figure in figures:
        print(
            f"{figure.store:<12}{figure.enqueue_per_s:>10.0f}{figure.claim_per_s:>10.0f}"
            f"{figure.ack_per_s:>10.0f}{figure.cycle_per_s:>10.0f}"
        )
    return 0


async def _run_stores(args: argparse.Namespace) -> list[StoreFigures]:
    if args.count < 1 or args.batch < 1:
        raise ConfigError("GW-CFG-USAGE", "--count and --batch are positive")
    figures = []
    with tempfile.TemporaryDirectory() as directory:
        sqlite = await SqliteStore.open(Path(directory) / "bench.sqlite3")
        try:
            figures.append(
                await bench_store(sqlite, name="sqlite", count=args.count, batch=args.batch)
            )
        finally:
            await sqlite.close()
    if not args.no_postgres:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        postgres = await PostgresStore.open(args.postgres, schema=schema)
        try:
            figures.append(
                await bench_store(postgres, name="postgresql", count=args.count, batch=args.batch)
            )
        finally:
            await postgres.close()
            async with await psycopg.AsyncConnection.connect(args.postgres, autocommit=True) as c:
                await c.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    return figures


def _pipeline(args: argparse.Namespace) -> int:
    if args.end_to_end:
        return _end_to_end(args)
    figures = asyncio.run(_run_pipeline(args))
    if args.json:
        print(json.dumps(asdict(figures), indent=2))
    else:
        print(
            f"{figures.count} submissions in {figures.seconds:.2f} s: "
            f"{figures.submissions_per_s:.0f} submissions/s "
            f"({figures.concurrency} in flight, {args.threads} signing threads)"
        )
    return 0


async def _run_pipeline(args: argparse.Namespace) -> PipelineFigures:
    with tempfile.TemporaryDirectory() as directory:
        data = Path(directory)
        write_demo_pki(data)
        settings = Settings(data_dir=data)
        store = await SqliteStore.open(data / "bench.sqlite3")
        executor = ThreadPoolExecutor(args.threads)
        clock = SystemClock()
        try:
            submissions = Submissions(
                outbox=Outbox(store, BodyCipher.generate(), clock),
                wire=Wire(member_state="BE", signer=signer_from(settings)),
                clock=clock,
                executor=executor,
            )
            records = numbered_records(json.loads(SAMPLE.read_text()), args.count)
            return await bench_pipeline(submissions, records, concurrency=args.concurrency)
        finally:
            executor.shutdown()
            await store.close()


def _end_to_end(args: argparse.Namespace) -> int:
    configure_logging(LogLevel.WARNING)  # a log line per message would be measured too
    if args.duration:
        return _sustained(args)
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

    figures = asyncio.run(_on_store(args, measure))
    if args.json:
        print(
            json.dumps(
                {
                    **asdict(figures),
                    "floor_per_s": figures.floor_per_s,
                    "share_of_floor": figures.share_of_floor,
                },
                indent=2,
            )
        )
    else:
        print(
            f"{figures.count} messages from the API to the peer's acknowledgement in "
            f"{figures.seconds:.2f} s: {figures.messages_per_s:.0f} messages/s, "
            f"p50 {figures.p50_ms:.0f} ms, p99 {figures.p99_ms:.0f} ms; "
            f"floor {figures.floor_per_s:.0f}/s (before {figures.floor_before_per_s:.0f}, "
            f"after {figures.floor_after_per_s:.0f}), {figures.share_of_floor:.0%} of it"
        )
    return 0


def _sustained(args: argparse.Namespace) -> int:
    sample = json.loads(SAMPLE.read_text())

    def report(interval: Interval) -> None:
        if not args.json:
            print(
                f"{interval.ends_at_s:>6.0f} s  {interval.messages_per_s:>6.1f} messages/s  "
                f"p50 {interval.p50_ms:>5.0f} ms  p99 {interval.p99_ms:>5.0f} ms",
                flush=True,
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

    figures = asyncio.run(_on_store(args, measure))
    if args.json:
        print(json.dumps({**asdict(figures), "last_to_first": figures.last_to_first}, indent=2))
    else:
        print(
            f"{figures.acknowledged} messages acknowledged in {figures.seconds:.0f} s; "
            f"the last interval ran at {figures.last_to_first:.0%} of the first"
        )
    return 0


@dataclass(frozen=True, kw_only=True, slots=True)
class _Running:
    """A gateway serving on a fresh store, with its API token and the peer's acknowledgements."""

    api: str
    token: str
    acknowledged_at: dict[str, float]
    services: Services


async def _on_store(args: argparse.Namespace, measure: Callable[[_Running], Awaitable[F]]) -> F:
    if args.store == "sqlite":
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
                    return await measure(
                        _Running(
                            api=endpoints.api,
                            token=secret,
                            acknowledged_at=acknowledged_at,
                            services=services,
                        )
                    )
                finally:
                    stop.set()
                    await server


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
