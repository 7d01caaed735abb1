"""`eugw bench messages`: the message pipeline's throughput, stage by stage, and its signatures.

Registered in the `bench` group through `gateway.cli.bench.EXTENSIONS`.
"""

from __future__ import annotations

import argparse

from gateway.cli._parsers import (
    Subcommands,
    add_count_option,
    add_json_option,
    at_least_one,
    print_json,
)
from gateway.security.key_types import KeyType

__all__ = ["register_subcommands"]


def register_subcommands(subcommands: Subcommands) -> None:
    bench = subcommands.add_parser(
        "messages",
        help="build, validate, sign, parse, verify and read N messages",
        description="Build, validate, sign, serialize, then parse (hardened), validate, verify "
        "and read N messages of every type; print messages/s per stage and the gateway's "
        "share of the bare floors (lxml parse + validate; lxml validate + signxml sign + "
        "verify on the same documents). Then sign and verify the same messages with "
        "RSA-2048 and ECDSA P-256 keys against the raw cryptography floor (the key's own "
        "signature of a SHA-256 digest) and bare signxml, interleaved in rounds, and say "
        "whether the aims hold. Signatures use a throw-away PKI made for the run.",
    )
    add_count_option(bench, 1000, "how many messages")
    bench.add_argument(
        "--key-type",
        choices=[kind.value for kind in KeyType],
        default=KeyType.RSA.value,
        help="signing key of the sign and verify stages: RSA-2048 or ECDSA P-256 (default rsa); "
        "the signature table has both",
    )
    bench.add_argument("--unsigned", action="store_true", help="leave out sign and verify")
    add_json_option(bench)
    bench.set_defaults(run=_messages)


def _messages(args: argparse.Namespace) -> int:
    from gateway.bench import messages, signing  # noqa: PLC0415 - when the command runs

    at_least_one(args.count, "--count")
    pipeline, floor_list = messages.stages(), messages.floors()
    if not args.unsigned:
        signing.add_signatures(pipeline, floor_list, key_type=KeyType(args.key_type))
    report = messages.measure(args.count, pipeline=pipeline, floor_list=floor_list)
    benches = [] if args.unsigned else signing.signature_benches(args.count)
    if args.json:
        return print_json(
            {
                "count": report.count,
                "stages": {r.name: round(r.per_second, 1) for r in report.stages},
                "floors": {f.name: round(r.per_second, 1) for f, r in report.floors},
                "signatures": signing.signatures_json(benches),
            }
        )
    print(messages.format_report(report))
    if benches:
        print(signing.format_signatures(benches))
    return 0
