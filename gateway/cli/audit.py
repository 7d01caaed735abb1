"""`eugw audit verify` and `eugw audit export`: prove the audit trail is whole, hand it over."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from gateway.broker.audit import AuditEntry, verify_chain
from gateway.cli._context import settings_from, store_of
from gateway.errors import InputError
from gateway.ports import MessageStore
from gateway.settings import Settings

__all__ = ["register"]

PAGE = 5000


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "audit",
        help="verify or export the hash-chained audit trail",
        description=(
            "The audit trail records every submission, message state change, inbound message "
            "and token change, each entry holding the hash of the one before it."
        ),
    )
    parser.set_defaults(run=lambda args: asyncio.run(_verify(settings_from(args))))
    actions = parser.add_subparsers(title="audit commands", metavar="COMMAND")
    verify = actions.add_parser(
        "verify",
        help="check the chain; exit 1 naming the first altered, removed or reordered entry",
        description=(
            "Recompute the hash chain. Prints the number of entries and the hash of the last "
            "one: keep that hash, since a later run showing fewer entries or another hash "
            "for that entry means the end of the trail was cut off."
        ),
    )
    verify.set_defaults(run=lambda args: asyncio.run(_verify(settings_from(args))))
    export = actions.add_parser("export", help="write the trail as JSON lines for an auditor")
    export.add_argument("--out", type=Path, help="file to write (default: standard output)")
    export.set_defaults(run=lambda args: asyncio.run(_export(settings_from(args), args.out)))


async def _entries(store: MessageStore) -> AsyncIterator[AuditEntry]:
    after = 0
    while page := await store.audit_entries(after=after, limit=PAGE):
        for entry in page:
            yield entry
        after = page[-1].seq


async def _verify(settings: Settings) -> int:
    async with store_of(settings) as store:
        entries = [entry async for entry in _entries(store)]
    broken = verify_chain(entries)
    if broken is not None:
        raise InputError(
            "GW-AUDIT-BROKEN", f"audit entry {broken.seq}: {broken.reason}", f"audit[{broken.seq}]"
        )
    head = entries[-1].hash if entries else "(empty)"
    print(f"audit trail intact: {len(entries)} entries, last hash {head}")
    return 0


async def _export(settings: Settings, out: Path | None) -> int:
    target = out.open("w", encoding="utf-8") if out else sys.stdout
    try:
        async with store_of(settings) as store:
            async for entry in _entries(store):
                line = {
                    "seq": entry.seq,
                    "at": entry.at.isoformat(),
                    "kind": entry.kind,
                    "subject": entry.subject,
                    "actor": entry.actor,
                    "detail": entry.detail,
                    "prev_hash": entry.prev_hash,
                    "hash": entry.hash,
                }
                target.write(json.dumps(line, sort_keys=True) + "\n")
    finally:
        if out:
            target.close()
    return 0
