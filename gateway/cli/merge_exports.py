"""`eugw merge DIR`: merge what the national sources say about each person of an export."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from gateway.cli._context import gateway_from, mappings_dir
from gateway.cli._parsers import Subcommands, add_command, add_json_option, add_mappings_option

if TYPE_CHECKING:  # the mapping (YAML, XML validation) is imported when the command runs
    from gateway.mapping.export_dir import MergedExports
    from gateway.mapping.merge import MergeResult

__all__ = ["register", "write_merged"]


def register(commands: Subcommands) -> None:
    parser = add_command(
        commands,
        "merge",
        "Read an export directory as 'eugw sample generate' writes it (evibel/*.jsonl or "
        "*.csv, waiting-register/*.csv, printrak/*.eft), map every record, join the "
        "records of one person on the Immigration Office or national number, and merge "
        "them. Standard output gets one canonical record per merged person (JSON lines). "
        "Standard error gets every conflict as 'KEYS: GW-MAP-CONFLICT at PATH: the sources "
        "disagree: evibel says ...; printrak says ...' (or a JSON line with --json), the "
        "records that could not be mapped, and a summary. Exit status 0 when every person "
        "merged and every record mapped, 1 otherwise.",
    )
    parser.add_argument("directory", metavar="DIR", help="the export directory")
    add_json_option(parser, "report problems as JSON lines")
    parser.add_argument(
        "--without-biometrics",
        action="store_true",
        help="leave the fingerprint and face images out of the printed records",
    )
    parser.add_argument(
        "--enrol",
        action="store_true",
        help="give a record without a Eurodac transaction the applicant's enrolment that its "
        "registration implies (mappings/evibel.md), ready for 'eugw submit --source canonical'",
    )
    add_mappings_option(parser)
    parser.set_defaults(run=_run)


def write_merged(
    merged: MergedExports,
    *,
    as_json: bool,
    biometrics: bool,
    out: TextIO,
    err: TextIO,
    enrol_as: str | None = None,
) -> int:
    """Records to `out`, conflicts and rejections to `err`; the number of persons not merged."""
    # imported when the command runs, not for its --help
    from gateway.mapping.encoder import encode_record  # noqa: PLC0415
    from gateway.mapping.source_readers import derive_enrolment  # noqa: PLC0415

    conflicted = 0
    for person in merged.persons:
        if person.record is not None:
            record = person.record
            if enrol_as is not None:
                record = derive_enrolment(record, enrol_as)
            data = encode_record(record)
            if not biometrics:
                data.pop("biometrics", None)
            out.write(json.dumps(data, ensure_ascii=False) + "\n")
        else:
            conflicted += 1
            _report_person(person, as_json=as_json, err=err)
    for rejected in merged.rejected:
        if as_json:
            entry = {
                "file": rejected.file,
                "record": rejected.number,
                "problems": [p.as_json() for p in rejected.problems],
            }
            err.write(json.dumps(entry, ensure_ascii=False) + "\n")
        else:
            for problem in rejected.problems:
                err.write(f"{rejected.file}:{rejected.number}: {problem}\n")
    summary = {
        "persons": len(merged.persons),
        "merged": len(merged.persons) - conflicted,
        "not_merged": conflicted,
        "records_rejected": len(merged.rejected),
    }
    if as_json:
        err.write(json.dumps({"summary": summary}) + "\n")
    else:
        err.write(
            f"{summary['persons']} persons: {summary['merged']} merged, {conflicted} not merged; "
            f"{summary['records_rejected']} records could not be mapped\n"
        )
    return conflicted


def _report_person(person: MergeResult, *, as_json: bool, err: TextIO) -> None:
    if as_json:
        entry = {
            "keys": list(person.keys),
            "sources": list(person.sources),
            "problems": [p.as_json() for p in person.problems],
        }
        err.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return
    keys = ",".join(person.keys) or "(no key)"
    for problem in person.problems:
        where = f" at {problem.path}" if problem.path else ""
        err.write(f"{keys}: {problem.code}{where}: {problem.message}\n")


def _run(args: argparse.Namespace) -> int:
    from gateway.mapping.export_dir import merge_export_directory  # noqa: PLC0415 - when it runs

    gateway = gateway_from(args)
    mappings = mappings_dir(args, gateway.settings)
    merged = merge_export_directory(Path(args.directory), mappings, today=gateway.clock.today())
    try:
        not_merged = write_merged(
            merged,
            as_json=args.json,
            biometrics=not args.without_biometrics,
            out=sys.stdout,
            err=sys.stderr,
            enrol_as=gateway.settings.member_state if args.enrol else None,
        )
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as the Python docs advise.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 1 if not_merged or merged.rejected else 0
