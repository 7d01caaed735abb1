"""`eugw map --source SOURCE FILE`: map a national export to canonical records, streaming."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from gateway.cli._context import gateway_from, mappings_dir
from gateway.cli._parsers import Subcommands, add_command, add_json_option, add_mappings_option
from gateway.errors import ConfigError, InputError
from gateway.sources import PRINTRAK, SOURCES

if TYPE_CHECKING:  # the mapping (YAML, XML validation) is imported when the command runs
    from gateway.mapping import FieldProblem, Mapping

__all__ = ["MapSummary", "map_printrak_files", "map_stream", "register"]

_PROGRESS_EVERY = 1000
_CLEAR_LINE = "\r\033[K"


def register(commands: Subcommands) -> None:
    parser = add_command(
        commands,
        "map",
        "Map a national export file to canonical records with the source's mapping "
        "specification (<mappings_dir>/<source>.<format>.yaml). Standard output gets one "
        "canonical record per line (JSON lines), so it can be piped on. Records that cannot "
        "be mapped are reported on standard error as 'FILE:N: CODE: sentence (at path, from "
        "source field)', N being the line (JSON lines, CSV) or the position in a JSON array; "
        "with --json each rejected record is a JSON line there instead. A summary (mapped, "
        "rejected, by code) ends standard error. Before any record, the export's header (CSV "
        "header line, fixed-width layout, JSON keys) is checked against the specification: "
        "a column or key it lacks or does not know refuses the whole file ('FILE: "
        "GW-MAP-HEADER: ... (at column)'), and nothing is mapped. The format is taken from "
        "the file's name (the specifications' extensions: .json, .jsonl, .csv, .txt) unless "
        "--format gives it. Exit status 0 when every record mapped, 1 "
        "when any was rejected or the file was refused, 2 for bad usage or a bad "
        "specification. Printrak: FILE is an "
        "ANSI/NIST-ITL transaction or a directory of them (*.eft, *.an2), each one record, "
        "its problems reported as 'FILE: CODE: sentence (at record[i].field)'.",
    )
    parser.add_argument(
        "file", metavar="FILE", help="the export file ('-' for standard input), or a directory"
    )
    parser.add_argument(
        "--source", required=True, choices=sorted([*SOURCES, PRINTRAK]), help="the source"
    )
    parser.add_argument(
        "--format",
        choices=("json", "csv", "fixed"),
        help="the file's format (default: from the file's name, else the source's first)",
    )
    add_json_option(parser, "report problems as JSON lines")
    add_mappings_option(parser)
    parser.set_defaults(run=_run)


class MapSummary:
    """How many records mapped and were rejected, and the codes of the rejections."""

    def __init__(self) -> None:
        self.mapped = 0
        self.rejected = 0
        self.codes: Counter[str] = Counter()

    def as_json(self) -> dict[str, object]:
        return {"mapped": self.mapped, "rejected": self.rejected, "codes": dict(self.codes)}

    def __str__(self) -> str:
        codes = ", ".join(f"{code} {n}" for code, n in sorted(self.codes.items()))
        return f"mapped {self.mapped}, rejected {self.rejected}" + (f" ({codes})" if codes else "")


def map_stream(
    mapping: Mapping, stream: TextIO, name: str, *, today: date | None, as_json: bool,
    out: TextIO, err: TextIO, progress: bool = False,
) -> MapSummary:  # fmt: skip
    """Map every row of a stream: records to `out`, problems and progress to `err`."""
    from gateway.mapping.encoder import encode_record  # noqa: PLC0415 - when the command runs

    summary = MapSummary()
    for row in mapping.read(stream):
        if row.problem is not None:
            problems: tuple[FieldProblem, ...] = (row.problem,)
        else:
            result = mapping.map(row.data, today=today)
            problems = result.problems
            if result.record is not None:
                out.write(json.dumps(encode_record(result.record), ensure_ascii=False) + "\n")
                summary.mapped += 1
        if problems:
            summary.rejected += 1
            summary.codes.update(problem.code for problem in problems)
            if progress:
                err.write(_CLEAR_LINE)  # the problems replace the progress line
            _report(err, name, row.number, problems, as_json=as_json)
        if progress and (summary.mapped + summary.rejected) % _PROGRESS_EVERY == 0:
            err.write(f"\r{summary}")
            err.flush()
    if progress:
        err.write(_CLEAR_LINE)
    return summary


def _report(
    err: TextIO, name: str, number: int, problems: tuple[FieldProblem, ...], *, as_json: bool
) -> None:
    if as_json:
        entry = {"file": name, "record": number, "problems": [p.as_json() for p in problems]}
        err.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return
    for problem in problems:
        err.write(f"{name}:{number}: {problem}\n")


def map_printrak_files(
    path: Path, *, today: date | None, as_json: bool, out: TextIO, err: TextIO
) -> MapSummary:
    """Map a Printrak transaction file, or each one of a directory: records to `out`."""
    # imported when the command runs, not for its --help
    from gateway.mapping.encoder import encode_record  # noqa: PLC0415
    from gateway.mapping.printrak_source import map_printrak, printrak_files  # noqa: PLC0415

    summary = MapSummary()
    for file in printrak_files(path):
        try:
            data = file.read_bytes()
        except OSError as error:
            raise InputError(
                "GW-IN-FILE", f"cannot read the file: {error.strerror}", str(file)
            ) from None
        result = map_printrak(data, today=today)
        if result.record is not None:
            out.write(json.dumps(encode_record(result.record), ensure_ascii=False) + "\n")
            summary.mapped += 1
            continue
        summary.rejected += 1
        summary.codes.update(problem.code for problem in result.problems)
        _report(err, str(file), 1, result.problems, as_json=as_json)
    return summary


def _run(args: argparse.Namespace) -> int:
    # imported when the command runs, not for its --help
    from gateway.mapping import format_of_file, load_source_mapping  # noqa: PLC0415
    from gateway.mapping.readers import FORMAT, HEADER  # noqa: PLC0415

    gateway = gateway_from(args)
    if args.source == PRINTRAK:
        if args.file == "-":
            raise ConfigError("GW-CFG-USAGE", "Printrak transactions are read from files", "FILE")
        summary = map_printrak_files(
            Path(args.file), today=gateway.clock.today(), as_json=args.json,
            out=sys.stdout, err=sys.stderr,
        )  # fmt: skip
        return _summarise(args, summary)
    directory = mappings_dir(args, gateway.settings)
    fmt = args.format or (
        format_of_file(directory, args.source, args.file) if args.file != "-" else None
    )
    mapping = load_source_mapping(directory, args.source, fmt)
    newline = "" if mapping.format == "csv" else None
    try:
        if args.file == "-":
            stream: TextIO = sys.stdin
        else:
            stream = Path(args.file).open(encoding=mapping.encoding, newline=newline)  # noqa: SIM115
    except OSError as error:
        raise InputError(
            "GW-IN-FILE", f"cannot read the file: {error.strerror}", args.file
        ) from None
    try:
        with stream:
            summary = map_stream(
                mapping, stream, args.file, today=gateway.clock.today(), as_json=args.json,
                out=sys.stdout, err=sys.stderr, progress=sys.stderr.isatty(),
            )  # fmt: skip
    except UnicodeDecodeError:
        raise InputError(
            "GW-IN-FILE", f"the file is not {mapping.encoding} text", args.file
        ) from None
    except InputError as error:
        if error.code not in (HEADER, FORMAT):
            raise
        return _refused(args, error, mapping)
    return _summarise(args, summary)


def _refused(args: argparse.Namespace, error: InputError, mapping: Mapping) -> int:
    """The export's header does not fit its specification: nothing was mapped."""
    if args.json:
        problems = [{"code": p.code, "message": p.message, "path": p.path} for p in error.problems]
        print(json.dumps({"file": args.file, "problems": problems}), file=sys.stderr)
    else:
        for problem in error.problems:
            print(f"{args.file}: {problem}", file=sys.stderr)
        print(
            f"{args.file}: refused before any record: it does not fit {mapping.file}",
            file=sys.stderr,
        )
    return 1


def _summarise(args: argparse.Namespace, summary: MapSummary) -> int:
    if args.json:
        print(json.dumps({"summary": summary.as_json()}), file=sys.stderr)
    else:
        print(f"{args.file}: {summary}", file=sys.stderr)
    return 1 if summary.rejected else 0
