"""`eugw bench mapping` and `eugw bench nist`: the national sources' benchmarks.

Registered in the `bench` group through `gateway.cli.bench.EXTENSIONS`.
"""

from __future__ import annotations

import argparse

from gateway.cli._context import mappings_dir
from gateway.cli._parsers import (
    Subcommands,
    add_count_option,
    add_json_option,
    add_mappings_option,
    at_least_one,
    print_json,
)
from gateway.errors import ConfigError

__all__ = ["register_subcommands"]


def register_subcommands(subcommands: Subcommands) -> None:
    mapping = subcommands.add_parser(
        "mapping",
        help="map N generated Evibel records; print records/s (wall clock and CPU)",
        description=(
            "Generate N synthetic Evibel records (JSON, parsed before the clock starts), map "
            "them with <mappings_dir>/evibel.json.yaml and print records per second, by the "
            "wall clock and per processor second (what one core spent). Model checks are "
            "included; the domain rules only with --rules."
        ),
    )
    add_count_option(mapping, 100_000, "records")
    mapping.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    mapping.add_argument(
        "--invalid-rate", type=float, default=0.0, metavar="R", help="share of broken records"
    )
    mapping.add_argument("--rules", action="store_true", help="check the domain rules too")
    add_mappings_option(mapping)
    add_json_option(mapping)
    mapping.set_defaults(run=_mapping)

    nist = subcommands.add_parser(
        "nist",
        help="write, read and map N Printrak transactions; extract templates and search",
        description=(
            "Make N synthetic Printrak transactions (ten fingers and a face each; not timed), "
            "then measure writing, reading and mapping them, template extraction, a gallery "
            "search of up to 100 probes against the N persons, and single finger comparisons."
        ),
    )
    add_count_option(nist, 200, "transactions")
    add_json_option(nist)
    nist.set_defaults(run=_nist)


def _mapping(args: argparse.Namespace) -> int:
    from gateway.bench.mapping import bench_mapping  # noqa: PLC0415 - when the command runs

    at_least_one(args.count, "--count")
    if not 0.0 <= args.invalid_rate < 1.0:
        raise ConfigError("GW-CFG-USAGE", "the invalid rate is from 0 to 1", "--invalid-rate")
    result = bench_mapping(
        spec=mappings_dir(args) / "evibel.json.yaml",
        count=args.count,
        seed=args.seed,
        invalid_rate=args.invalid_rate,
        check_rules=args.rules,
    )
    if args.json:
        return print_json(
            {
                "records": result.records,
                "mapped": result.mapped,
                "rejected": result.rejected,
                "seconds": round(result.seconds, 3),
                "cpu_seconds": round(result.cpu_seconds, 3),
                "records_per_second": round(result.per_second, 1),
                "records_per_cpu_second": round(result.per_cpu_second, 1),
            }
        )
    print(result)
    return 0


def _nist(args: argparse.Namespace) -> int:
    from gateway.bench import nist as nist_bench  # noqa: PLC0415 - when the command runs

    figures = nist_bench.run(at_least_one(args.count, "--count"))
    rows = {
        "write (transactions/s)": figures.write_per_second,
        "write (records/s)": figures.write_records_per_second,
        "read (transactions/s)": figures.read_per_second,
        "read (records/s)": figures.read_records_per_second,
        "read and map to canonical (transactions/s)": figures.map_per_second,
        "templates (biometric sets/s)": figures.templates_per_second,
        "gallery search (comparisons/s)": figures.gallery_comparisons_per_second,
        "finger template matches (calls/s)": figures.match_calls_per_second,
    }
    if args.json:
        return print_json(
            {
                "transactions": figures.transactions,
                "records_per_transaction": figures.records_per_transaction,
                "bytes_per_transaction": figures.bytes_per_transaction,
                **{name: round(value, 1) for name, value in rows.items()},
            }
        )
    print(
        f"{figures.transactions} transactions of {figures.records_per_transaction} records, "
        f"{figures.bytes_per_transaction:,} bytes each"
    )
    for name, value in rows.items():
        print(f"  {name:<44} {value:>14,.0f}")
    return 0
