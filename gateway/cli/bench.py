"""`eugw bench`: throughput benchmarks, one subcommand per benchmark.

The benchmarks come from the modules in `EXTENSIONS`, each offering
`register_subcommands(subparsers)`.
"""

from __future__ import annotations

from gateway.cli import bench_broker, bench_messages, bench_sources
from gateway.cli._parsers import SubcommandModule, Subcommands, command_group

__all__ = ["EXTENSIONS", "register"]

EXTENSIONS: tuple[SubcommandModule, ...] = (bench_messages, bench_broker, bench_sources)


def register(commands: Subcommands) -> None:
    command_group(
        commands,
        "bench",
        "Measure the gateway's throughput, stage by stage, against bare libraries.",
        title="benchmarks",
        metavar="BENCHMARK",
        extensions=EXTENSIONS,
    )
