"""`eugw hits`: Eurodac hits awaiting a fingerprint expert; confirm or reject them."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from gateway.cli._parsers import (
    Subcommands,
    add_json_option,
    command_group,
    print_json,
    with_settings,
)
from gateway.cli._tracking import add_by_option, operator, tracking_of, tracking_store_of
from gateway.errors import InputError
from gateway.pipeline.casework.views import case_view, hit_view
from gateway.tracking.hits import HitStatus

if TYPE_CHECKING:  # the casework services (signing, XML) are imported when a command runs
    from gateway.pipeline.casework.hits import Verdict
    from gateway.settings import Settings

__all__ = ["register"]

STATES = {"pending": HitStatus.AWAITING_VERIFICATION, "confirmed": HitStatus.CONFIRMED,
          "rejected": HitStatus.REJECTED, "all": None}  # fmt: skip


def register(commands: Subcommands) -> None:
    _, actions = command_group(
        commands,
        "hits",
        "A hit is used only once a fingerprint expert confirmed it. Confirming "
        "opens the Dublin case it calls for and sends its request; rejecting erases the "
        "hit's data and starts the 3-working-day limit of the wrong-hit report.",
    )
    listing = actions.add_parser("list", help="hits by state (pending by default)")
    listing.add_argument("--state", choices=list(STATES), default="pending")
    add_json_option(listing, "one JSON document")
    listing.set_defaults(run=with_settings(_list))
    show = actions.add_parser("show", help="one hit with the matched record's data, as JSON")
    show.add_argument("hit_id", metavar="ID")
    show.set_defaults(run=with_settings(_show))
    confirm = actions.add_parser("confirm", help="confirm a hit (and open its Dublin case)")
    confirm.add_argument("hit_id", metavar="ID")
    confirm.add_argument("--no-case", action="store_true", help="confirm without sending")
    add_by_option(confirm, "the expert's name")
    confirm.set_defaults(run=with_settings(_confirm))
    reject = actions.add_parser("reject", help="reject a wrong hit (its data are erased)")
    reject.add_argument("hit_id", metavar="ID")
    reject.add_argument("--reason", required=True, help="why the hit is wrong")
    add_by_option(reject, "the expert's name")
    reject.set_defaults(run=with_settings(_reject))
    reported = actions.add_parser(
        "reported", help="record that a wrong hit was reported (its limit stops running)"
    )
    reported.add_argument("hit_id", metavar="ID")
    add_by_option(reported, "who reported it")
    reported.set_defaults(run=with_settings(_reported))


async def _list(settings: Settings, args: argparse.Namespace) -> int:
    async with tracking_store_of(settings) as store:
        found = await store.hits(status=STATES[args.state], limit=100_000)
    if args.json:
        return print_json({"hits": [hit_view(hit) for hit in found]})
    if not found:
        print(f"no {args.state} hits")
    for hit in found:
        print(
            f"{hit.hit_id}  {hit.status.value:<22} {hit.reference} ~ {hit.matched}  "
            f"received {hit.received.isoformat()}"
        )
    return 0


async def _show(settings: Settings, args: argparse.Namespace) -> int:
    async with tracking_of(settings) as tracking:
        hit = await tracking.hits.hit(args.hit_id)
        return print_json(hit_view(hit) | {"data": tracking.hits.data(hit)})


async def _confirm(settings: Settings, args: argparse.Namespace) -> int:
    async with tracking_of(settings) as tracking:
        verdict = await tracking.hits.confirm(
            args.hit_id, by=operator(args.by), open_case=not args.no_case
        )
    return _print(verdict)


async def _reject(settings: Settings, args: argparse.Namespace) -> int:
    if not args.reason.strip():
        raise InputError("GW-HIT-VERDICT", "a rejected hit needs a reason", "--reason")
    async with tracking_of(settings) as tracking:
        verdict = await tracking.hits.reject(
            args.hit_id, by=operator(args.by), reason=args.reason.strip()
        )
    return _print(verdict)


async def _reported(settings: Settings, args: argparse.Namespace) -> int:
    async with tracking_of(settings) as tracking:
        hit = await tracking.hits.report_sent(args.hit_id, by=operator(args.by))
    return print_json(hit_view(hit))


def _print(verdict: Verdict) -> int:
    shown = {
        "hit": hit_view(verdict.hit),
        "case": case_view(verdict.case) if verdict.case else None,
    }
    return print_json(shown)
