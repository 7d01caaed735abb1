"""`eugw sample generate`: write synthetic national exports for the demo, tests and benchmarks."""

from __future__ import annotations

import argparse
from pathlib import Path

from gateway.cli._parsers import Subcommands, command_group
from gateway.errors import ConfigError

__all__ = ["register"]


def register(commands: Subcommands) -> None:
    _, actions = command_group(
        commands,
        "sample",
        "Synthetic national exports for the demo, the tests and the benchmarks.",
        title="actions",
        metavar="ACTION",
    )
    generate = actions.add_parser(
        "generate",
        help="write the exports of N synthetic persons",
        description=(
            "Write consistent Evibel (JSON lines and CSV), Actio and Waiting Register exports "
            "for N synthetic persons under DIR, with realistic dirt: diacritics, Arabic and "
            "Cyrillic names, unknown birth days and months, bis numbers, duplicates, and broken "
            "rows at the chosen rate, and each person's Printrak capture "
            "(DIR/printrak/capture-<index>.eft: ten synthetic fingerprints, and a face under "
            "Regulation 2024/1358; a later capture of the same person matches it). The same "
            "seed writes the same files. DIR/manifest.json says how many rows each file has "
            "and how many of them must be rejected."
        ),
    )
    generate.add_argument("--count", type=int, required=True, metavar="N", help="persons")
    generate.add_argument("--seed", type=int, default=1, metavar="S", help="seed (default 1)")
    generate.add_argument("--out", required=True, metavar="DIR", help="output directory")
    generate.add_argument(
        "--invalid-rate",
        type=float,
        default=0.0,
        metavar="R",
        help="share of rows per source broken on purpose, 0 to 1 (default 0)",
    )
    generate.add_argument(
        "--no-printrak",
        action="store_true",
        help="leave out the Printrak captures (about 10 ms per person to make)",
    )
    generate.set_defaults(run=_generate)


def _generate(args: argparse.Namespace) -> int:
    # imported when the command runs, not for its --help
    from gateway.synthetic.exports import generate_exports, no_printrak  # noqa: PLC0415
    from gateway.synthetic.exports.printrak import write_capture  # noqa: PLC0415

    if args.count < 0:
        raise ConfigError("GW-CFG-USAGE", "the count cannot be negative", "--count")
    if not 0.0 <= args.invalid_rate <= 1.0:
        raise ConfigError("GW-CFG-USAGE", "the invalid rate is between 0 and 1", "--invalid-rate")
    out = Path(args.out)
    manifest = generate_exports(
        count=args.count,
        seed=args.seed,
        out=out,
        invalid_rate=args.invalid_rate,
        printrak_writer=no_printrak if args.no_printrak else write_capture,
    )
    for name, counts in manifest["files"].items():
        print(
            f"{out / name}: {counts['rows']} rows, {counts['invalid']} broken on purpose, "
            f"{counts['duplicates']} duplicates"
        )
    if not args.no_printrak:
        print(f"{out / 'printrak'}: {args.count} Printrak captures")
    return 0
