"""`/console/audit`: the hash-chained audit trail, the newest first, filtered by kind, actor,
subject and day, page by page; a check of the whole chain; the same list as CSV."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, time, timedelta

from aiohttp import web

from gateway.adapters.web.console.access import page, render
from gateway.adapters.web.console.export import MAX_EXPORTED, csv_response
from gateway.adapters.web.keys import SERVICES
from gateway.adapters.web.params import Day, Flag, Number, Text, query
from gateway.broker.access import Permission
from gateway.broker.audit import ENTRY_FIELDS, AuditEntry, ChainBreak, verify_chain
from gateway.errors import InputError
from gateway.ports import AuditFilter, MessageStore

__all__ = ["audit_csv", "audit_trail"]

PAGE = 200
_BATCH = 5000  # entries read at once when the whole chain is checked
KIND = Text(name="kind", max_length=100, description="a kind (case.acceptance), or all under case.")
ACTOR = Text(name="actor", description="who acted: an operator, a peer, the gateway")
SUBJECT = Text(name="subject", description="the message, case, hit, token... it is about")
FROM = Day(name="from", description="on or after this day (UTC)")
TO = Day(name="to", description="on or before this day (UTC)")
BEFORE = Number(name="before", maximum=2**62, clamp=True, description="entries before this one")
VERIFY = Flag(name="verify", description="check the whole chain")
FILTERS = (KIND, ACTOR, SUBJECT, FROM, TO)
KINDS = ("message.", "inbound.", "submission.", "token.", "hit.", "case.", "batch.")


def _filter(request: web.Request, *, limit: int) -> AuditFilter:
    first, last = FROM.read(request), TO.read(request)
    if first is not None and last is not None and last < first:
        raise InputError("GW-API-QUERY", "to is on or after from", "to")
    return AuditFilter(
        kind=KIND.read(request),
        actor=ACTOR.read(request),
        subject=SUBJECT.read(request),
        since=_start_of(first) if first is not None else None,
        until=_start_of(last + timedelta(days=1)) if last is not None else None,
        before=BEFORE.read(request),
        limit=limit,
    )


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


@page(Permission.READ_AUDIT)
@query(*FILTERS, BEFORE, VERIFY)
async def audit_trail(request: web.Request) -> web.Response:
    store = request.app[SERVICES].store
    problem: InputError | None = None
    try:
        entries = await store.find_audit(_filter(request, limit=PAGE))
    except InputError as error:
        entries, problem = [], error
    checked: tuple[int, ChainBreak | None] | None = None
    if VERIFY.value(request, False):
        checked = await _verify(store)
    kept = {name: value for name, value in request.query.items() if name in _NAMES}
    here = request.rel_url.with_query(kept)
    older = here.update_query({"before": entries[-1].seq}) if len(entries) == PAGE else None
    return render(
        request,
        "audit.html",
        {
            "entries": entries,
            "details": {entry.seq: json.dumps(entry.detail, sort_keys=True) for entry in entries},
            "query": request.query,
            "kinds": KINDS,
            "problem": problem,
            "older": str(older) if older else None,
            "newest": str(here) if BEFORE.read(request) is not None else None,
            "verify": str(here.update_query({"verify": "1"})),
            "export": str(here.with_path("/console/audit.csv").with_query(kept)),
            "checked": checked,
        },
    )


_NAMES = frozenset(param.name for param in FILTERS)


@page(Permission.READ_AUDIT)
@query(*FILTERS, BEFORE)
async def audit_csv(request: web.Request) -> web.Response:
    """The entries the filters keep, the newest first (at most `MAX_EXPORTED`)."""
    try:
        entries = await request.app[SERVICES].store.find_audit(_filter(request, limit=MAX_EXPORTED))
    except InputError as error:
        return render(request, "refused.html", {"problem": error}, status=400)
    rows = [
        {
            **entry.fields(),
            "at": entry.at.isoformat(),
            "detail": json.dumps(entry.detail, sort_keys=True),
        }
        for entry in entries
    ]
    return csv_response("audit", ENTRY_FIELDS, rows)


async def _verify(store: MessageStore) -> tuple[int, ChainBreak | None]:
    """The number of entries read and the first break of the chain, if any."""
    entries: list[AuditEntry] = []
    while True:
        batch = await store.audit_entries(after=entries[-1].seq if entries else 0, limit=_BATCH)
        entries.extend(batch)
        if len(batch) < _BATCH:
            break
    return len(entries), await asyncio.to_thread(verify_chain, entries)
