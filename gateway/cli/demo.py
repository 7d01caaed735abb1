"""`eugw demo`: the main job on sample data, with nothing to configure.

Today it checks the canonical sample records shipped in
`mappings/samples/canonical` and shows what the gateway accepts and what
it refuses, and why.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from gateway.cli._context import gateway_from
from gateway.cli.check_record import check_file
from gateway.errors import ConfigError

__all__ = ["register"]

DEFAULT_SAMPLES = Path("mappings/samples/canonical")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "demo",
        help="run the gateway on the shipped sample data",
        description="Run the gateway's main job on the sample data shipped with it.",
    )
    parser.add_argument(
        "--samples",
        type=Path,
        default=DEFAULT_SAMPLES,
        help=f"folder of canonical sample records (default: {DEFAULT_SAMPLES})",
    )
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    files = sorted(args.samples.glob("*.json"))
    if not files:
        raise ConfigError(
            "GW-CFG-USAGE",
            "no sample records found: run from the project folder or pass --samples",
            str(args.samples),
        )
    gateway = gateway_from(args)
    today = gateway.clock.today()
    accepted = 0
    for file in files:
        problems = check_file(str(file), today)
        if problems:
            print(f"refused  {file.name}")
            for problem in problems:
                print(f"         {problem}")
        else:
            accepted += 1
            print(f"accepted {file.name}")
    print(f"\n{accepted} of {len(files)} sample records accepted.")
    return 0
