"""`eugw bench store` and `eugw bench pipeline`: the broker's throughput on this machine."""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import TypeVar

import psycopg
from psycopg import sql

from gateway.adapters.clock import SystemClock
from gateway.adapters.postgres_store import PostgresStore
from gateway.adapters.sqlite_store import SqliteStore
from gateway.bench.pipeline import (
    SAMPLE,
    PipelineFigures,
    bench_pipeline,
    numbered_records,
)
from gateway.bench.store import StoreFigures, bench_store
from gateway.broker.outbox import Outbox
from gateway.broker.sealing import BodyCipher
from gateway.cli.bench_end_to_end import end_to_end
from gateway.errors import ConfigError
from gateway.pipeline.submissions import Submissions
from gateway.pipeline.wire import Wire
from gateway.security.configured import signer_from
from gateway.security.demo import write_demo_pki
from gateway.settings import Settings

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
        default="sqlite",
        metavar="STORE[,STORE]",
        help="with --end-to-end: the gateway's store, sqlite or postgresql (PostgreSQL in a "
        "temporary schema of --postgres), or both, sqlite,postgresql: each run measures one "
        "then the other, and the medians are set side by side with their ratio",
    )
    pipeline.add_argument(
        "--gateways",
        type=int,
        default=1,
        metavar="N",
        help="with --end-to-end on postgresql: N gateway processes share the schema (one in "
        "this process, the others `eugw serve`), the national system's connections spread "
        "over them (default 1)",
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
    pipeline.add_argument(
        "--runs",
        type=int,
        default=1,
        help="with --end-to-end: repeat the measurement this many times, each on a fresh "
        "gateway, and also print the median (a shared machine's speed drifts between runs)",
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
        return end_to_end(args)
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
