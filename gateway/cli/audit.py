"""`eugw audit`: prove the audit trail is whole against its signed checkpoints, write and
list checkpoints, hand the trail and the checkpoints over."""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

from gateway.adapters.checkpoint_file import read_lines
from gateway.broker.checkpoints import Occasion, TrailCheck, TrailReport
from gateway.cli._context import gateway_from, settings_from, store_of
from gateway.cli._parsers import Subcommands, add_out_option, command_group, with_settings
from gateway.domain.problems import Problem
from gateway.errors import InputError

if TYPE_CHECKING:  # the signing and XML libraries are imported when a command runs
    from gateway.broker.audit import AuditEntry
    from gateway.pipeline.audit_checkpoints import ReadCheckpoints
    from gateway.ports import Clock, MessageStore
    from gateway.settings import Settings

__all__ = ["register"]

PAGE = 5000


def register(commands: Subcommands) -> None:
    parser, actions = command_group(
        commands,
        "audit",
        "The audit trail records every submission, message state change, inbound message "
        "and token change, each entry holding the hash of the one before it. Signed "
        "checkpoints of its last entry, kept in a file outside the database "
        "(audit_checkpoint_file) and copied off the machine, show a trail rewritten "
        "with its hashes recomputed, or cut short.",
        run=_verify,
    )
    parser.set_defaults(checkpoints=None)
    verify = actions.add_parser(
        "verify",
        help="check the chain and the checkpoints; exit 1 naming the first entry that differs",
        description=(
            "Recompute the hash chain and hold it against every signed checkpoint: each must "
            "be signed by a gateway key of this member state that the trust store trusts, and "
            "the trail's entry at its sequence number must have its hash. Says 'intact' only "
            "when the chain and the checkpoints agree; without a checkpoint, says that nothing "
            "outside the database vouches for the trail."
        ),
    )
    verify.add_argument(
        "--checkpoints",
        metavar="FILE",
        type=Path,
        action="append",
        help="a file of checkpoints: an off-machine copy, another gateway process's file "
        "(repeat for several; default: this gateway's own audit_checkpoint_file)",
    )
    verify.set_defaults(run=_verify)
    checkpoint = actions.add_parser(
        "checkpoint",
        help="sign the trail's last entry now, append it to the checkpoint file and print it",
        description=(
            "Write a checkpoint of the trail's last entry to the checkpoint file, and print "
            "it (one line of signed XML) for a remote logger, e.g. "
            "`eugw audit checkpoint | logger --size 16384 -t eugw-audit`."
        ),
    )
    checkpoint.set_defaults(run=_checkpoint)
    listing = actions.add_parser(
        "checkpoints",
        help="list this gateway's checkpoints, each checked; --export copies the file",
    )
    listing.add_argument(
        "--export",
        metavar="FILE",
        help="copy the checkpoint file as it is to FILE ('-': standard output), to ship it "
        "off the machine",
    )
    listing.set_defaults(run=_checkpoints)
    export = actions.add_parser("export", help="write the trail as JSON lines for an auditor")
    add_out_option(export, "file to write (default: standard output)")
    export.set_defaults(run=with_settings(_export))


async def _entries(store: MessageStore) -> AsyncIterator[AuditEntry]:
    after = 0
    while page := await store.audit_entries(after=after, limit=PAGE):
        for entry in page:
            yield entry
        after = page[-1].seq


def _verify(args: argparse.Namespace) -> int:
    from gateway.app import checkpoint_file  # noqa: PLC0415 - when the command runs

    settings = settings_from(args)
    files: list[Path] | None = args.checkpoints
    read = _read_checkpoints(settings, files)
    report = asyncio.run(_check(settings, read))
    problems = [
        Problem(
            code=finding.code, message=f"audit {finding.where}: {finding.reason}", path=finding.path
        )
        for finding in report.findings
    ]
    if problems or read.refused:
        raise InputError.from_problems([*problems, *read.refused])
    sources = (
        ", ".join(str(path) for path in files) if files else str(checkpoint_file(settings).path)
    )
    print(_verdict(report, sources))
    return 0


def _read_checkpoints(settings: Settings, files: list[Path] | None) -> ReadCheckpoints:
    # imported when the command runs, not for its --help
    from gateway.app import checkpoint_file, xml_limits  # noqa: PLC0415
    from gateway.pipeline.audit_checkpoints import (  # noqa: PLC0415
        ReadCheckpoints,
        gateway_of,
        read_checkpoints,
    )
    from gateway.security.configured import verifier_from  # noqa: PLC0415

    sources = (
        [(str(path), read_lines(path)) for path in files]
        if files
        else [(str(checkpoint_file(settings).path), checkpoint_file(settings).lines())]
    )
    lines = [(source, list(numbered)) for source, numbered in sources]
    if not any(numbered for _, numbered in lines):
        return ReadCheckpoints(checkpoints=(), refused=())
    verifier = verifier_from(settings)
    read = [
        read_checkpoints(
            numbered,
            source,
            verifier=verifier,
            gateway=gateway_of(settings.member_state),
            limits=xml_limits(settings),
        )
        for source, numbered in lines
    ]
    return ReadCheckpoints(
        checkpoints=tuple(checkpoint for one in read for checkpoint in one.checkpoints),
        refused=tuple(problem for one in read for problem in one.refused),
    )


async def _check(settings: Settings, read: ReadCheckpoints) -> TrailReport:
    check = TrailCheck(read.checkpoints)
    async with store_of(settings) as store:
        async for entry in _entries(store):
            check.add(entry)
    return check.report()


def _verdict(report: TrailReport, sources: str) -> str:
    head = f"last hash {report.head.hash}" if report.head else "no entry yet"
    if report.vouched is None:
        return (
            f"audit hash chain whole: {report.entries} entries, {head}\n"
            f"no checkpoint ({sources}): nothing outside the database vouches for the trail, "
            "so an entry altered with every later hash recomputed, or an end cut off, would "
            "not show; `eugw serve` and `eugw audit checkpoint` write checkpoints"
        )
    vouched = report.vouched
    agree = "signed checkpoint agrees" if report.checkpoints == 1 else "signed checkpoints agree"
    lines = [
        f"audit trail intact: {report.entries} entries, {head}",
        f"{report.checkpoints} {agree} ({sources}); the last vouches for entry {vouched.seq} "
        f"(signed by {vouched.gateway} at {vouched.at.isoformat(timespec='seconds')})",
    ]
    if report.unvouched:
        after = vouched.seq + 1
        last = vouched.seq + report.unvouched
        which = f"entry {after} is" if after == last else f"entries {after} to {last} are"
        lines.append(f"{which} vouched for by the hash chain only, until the next checkpoint")
    return "\n".join(lines)


def _checkpoint(args: argparse.Namespace) -> int:
    gateway = gateway_from(args)
    line = asyncio.run(_write_checkpoint(gateway.settings, gateway.clock))
    if line is None:
        print("the audit trail is empty: no checkpoint written", file=sys.stderr)
        return 0
    sys.stdout.write(line.decode("ascii"))
    return 0


async def _write_checkpoint(settings: Settings, clock: Clock) -> bytes | None:
    from gateway.app import checkpointer  # noqa: PLC0415 - when the command runs

    async with store_of(settings) as store:
        writer = await checkpointer(settings, store, clock)
        written = await writer.checkpoint(Occasion.DEMAND)
    return written[1] if written else None


def _checkpoints(args: argparse.Namespace) -> int:
    from gateway.app import checkpoint_file  # noqa: PLC0415 - when the command runs

    settings = settings_from(args)
    file = checkpoint_file(settings)
    if args.export:
        _export_checkpoints(file.path, args.export)
        return 0
    read = _read_checkpoints(settings, None)
    for item in sorted(read.checkpoints, key=lambda checkpoint: (checkpoint.seq, checkpoint.at)):
        print(
            f"{item.seq}\t{item.at.isoformat(timespec='seconds')}\t{item.occasion.value}\t"
            f"{item.gateway}\t{item.hash}"
        )
    if read.refused:
        raise InputError.from_problems(read.refused)
    if not read.checkpoints:
        print(f"no checkpoint in {file.path}", file=sys.stderr)
    return 0


def _export_checkpoints(source: Path, target: str) -> None:
    try:
        with source.open("rb") as lines:
            if target == "-":
                shutil.copyfileobj(lines, sys.stdout.buffer)
                sys.stdout.flush()
                return
            with Path(target).open("wb") as out:
                shutil.copyfileobj(lines, out)
    except BrokenPipeError:
        raise  # the reader of standard output went away: `eugw` stops quietly
    except OSError as error:
        where = target if error.filename == target else str(source)
        raise InputError(
            "GW-IN-FILE", f"cannot copy the checkpoints: {error.strerror}", where
        ) from None


async def _export(settings: Settings, args: argparse.Namespace) -> int:
    out: Path | None = args.out
    target = out.open("w", encoding="utf-8") if out else sys.stdout
    try:
        async with store_of(settings) as store:
            async for entry in _entries(store):
                line = {**entry.fields(), "at": entry.at.isoformat()}
                target.write(json.dumps(line, sort_keys=True) + "\n")
    finally:
        if out:
            target.close()
    return 0
