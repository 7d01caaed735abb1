"""`/console/audit`: the hash-chained audit trail, page by page, and a check of the chain."""

from __future__ import annotations

import asyncio
import json

from aiohttp import web

from gateway.adapters.web.console.access import page, render
from gateway.adapters.web.keys import SERVICES
from gateway.adapters.web.params import Flag, Number, query
from gateway.broker.access import Role
from gateway.broker.audit import AuditEntry, ChainBreak, verify_chain
from gateway.ports import MessageStore

__all__ = ["audit_trail"]

PAGE = 200
_BATCH = 5000  # entries read at once when the whole chain is checked
AFTER = Number(name="after", maximum=2**62, clamp=True, description="the page after this entry")
VERIFY = Flag(name="verify", description="check the whole chain")


@page(Role.AUDITOR, Role.OPERATOR)
@query(AFTER, VERIFY)
async def audit_trail(request: web.Request) -> web.Response:
    store = request.app[SERVICES].store
    start = AFTER.value(request, 0)
    entries = await store.audit_entries(after=start, limit=PAGE)
    checked: tuple[int, ChainBreak | None] | None = None
    if VERIFY.value(request, False):
        checked = await _verify(store)
    return render(
        request,
        "audit.html",
        {
            "entries": entries,
            "details": {entry.seq: json.dumps(entry.detail, sort_keys=True) for entry in entries},
            "start": start,
            "next_after": entries[-1].seq if len(entries) == PAGE else None,
            "previous_after": max(start - PAGE, 0) if start else None,
            "checked": checked,
        },
    )


async def _verify(store: MessageStore) -> tuple[int, ChainBreak | None]:
    """The number of entries read and the first break of the chain, if any."""
    entries: list[AuditEntry] = []
    while True:
        batch = await store.audit_entries(after=entries[-1].seq if entries else 0, limit=_BATCH)
        entries.extend(batch)
        if len(batch) < _BATCH:
            break
    return len(entries), await asyncio.to_thread(verify_chain, entries)
