"""`eugw check-record FILE`: check a canonical record (JSON) against the domain rules."""

from __future__ import annotations

import argparse
import json
from datetime import date

from gateway.cli._context import gateway_from
from gateway.cli._parsers import Subcommands, add_command, add_input_file, add_json_option
from gateway.domain.problems import Problem
from gateway.domain.rules import check_record
from gateway.domain.serialization import decode_record
from gateway.json_files import read_json

__all__ = ["check_file", "register"]


def register(commands: Subcommands) -> None:
    parser = add_command(
        commands,
        "check-record",
        "Check a canonical record against the model and the domain rules and print "
        "every problem as 'CODE: sentence (at field.path)'. Exit status 0 when the "
        "record is valid, 1 when it is not.",
    )
    add_input_file(parser, "the record, as JSON")
    add_json_option(parser)
    parser.set_defaults(run=_run)


def check_file(name: str, today: date) -> list[Problem]:
    """Every problem of the record in a file: structure first, then domain rules."""
    decoded = decode_record(read_json(name))
    if decoded.value is None:
        return decoded.problems
    return check_record(decoded.value, today=today)


def _run(args: argparse.Namespace) -> int:
    gateway = gateway_from(args)
    problems = check_file(args.file, gateway.clock.today())
    if args.json:
        report = {
            "file": args.file,
            "valid": not problems,
            "problems": [{"code": p.code, "message": p.message, "path": p.path} for p in problems],
        }
        print(json.dumps(report, indent=2, ensure_ascii=False))
    elif problems:
        for problem in problems:
            print(problem)
        print(f"{args.file}: {len(problems)} problem(s)")
    else:
        print(f"{args.file}: valid")
    return 1 if problems else 0
