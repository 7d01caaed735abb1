"""`eugw bench store` and `eugw bench pipeline`: the broker's throughput on this machine.

The options and the report; the benchmarks are `gateway.bench.store`, `.pipeline` and
`.end_to_end_runs`.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import asdict
from typing import TypeVar

from gateway.cli._parsers import (
    Subcommands,
    add_count_option,
    add_json_option,
    at_least_one,
    print_json,
)

__all__ = ["register_subcommands"]

F = TypeVar("F")
DEFAULT_POSTGRES = "host=127.0.0.1 port=5432 user=postgres dbname=test"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def register_subcommands(subcommands: Subcommands) -> None:
    store = subcommands.add_parser(
        "store",
        help="queue, claim and acknowledge N messages in SQLite and PostgreSQL",
        description="Queue N 6 KB messages in transactions of --batch, claim them in batches, "
        "acknowledge each in its own transaction (as the dispatcher does); print messages/s "
        "per step. SQLite in a temporary directory (WAL, synchronous=FULL); PostgreSQL in a "
        "temporary schema that is dropped afterwards.",
    )
    add_count_option(store, 2000, "messages")
    store.add_argument("--batch", type=int, default=100)
    store.add_argument("--postgres", default=DEFAULT_POSTGRES, help="libpq connection string")
    store.add_argument("--no-postgres", action="store_true", help="SQLite only")
    add_json_option(store)
    store.set_defaults(run=_store)
    pipeline = subcommands.add_parser(
        "pipeline",
        help="accept N submissions: decode, rules, build, validate, sign, seal, store",
        description="Submit N canonical records (one per submission, --concurrency in "
        "flight) through the gateway's submission service on SQLite with a throw-away demo "
        "PKI; print submissions/s.",
    )
    add_count_option(pipeline, 500, "records to submit")
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
    add_json_option(pipeline, "figures as JSON")
    pipeline.set_defaults(run=_pipeline)


def _store(args: argparse.Namespace) -> int:
    from gateway.bench.store import run_stores  # noqa: PLC0415 - when the command runs

    at_least_one(args.count, "--count")
    at_least_one(args.batch, "--batch")
    postgres = None if args.no_postgres else args.postgres
    figures = asyncio.run(run_stores(count=args.count, batch=args.batch, postgres=postgres))
    if args.json:
        return print_json([asdict(figure) for figure in figures])
    print(f"{'store':<12}{'queue/s':>10}{'claim/s':>10}{'ack/s':>10}{'cycle/s':>10}")
    for figure in figures:
        print(
            f"{figure.store:<12}{figure.enqueue_per_s:>10.0f}{figure.claim_per_s:>10.0f}"
            f"{figure.ack_per_s:>10.0f}{figure.cycle_per_s:>10.0f}"
        )
    return 0


def _pipeline(args: argparse.Namespace) -> int:
    # imported when the command runs, not for its --help
    from gateway.bench.end_to_end_runs import end_to_end  # noqa: PLC0415
    from gateway.bench.pipeline import run_pipeline  # noqa: PLC0415

    at_least_one(args.count, "--count")
    if args.end_to_end:
        return end_to_end(args, lambda line: print(line, flush=True))
    figures = asyncio.run(
        run_pipeline(count=args.count, concurrency=args.concurrency, threads=args.threads)
    )
    if args.json:
        return print_json(asdict(figures))
    print(
        f"{figures.count} submissions in {figures.seconds:.2f} s: "
        f"{figures.submissions_per_s:.0f} submissions/s "
        f"({figures.concurrency} in flight, {args.threads} signing threads)"
    )
    return 0
