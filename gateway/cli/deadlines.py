"""`eugw deadlines due`: the daily digest of overdue deadlines and those due soon."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from gateway.cli._parsers import Subcommands, command_group, print_json, with_settings
from gateway.cli._tracking import tracking_store_of
from gateway.errors import InputError
from gateway.tracking.holidays import load_calendar

if TYPE_CHECKING:  # the web API and the alerts are imported when the command runs
    from gateway.pipeline.alerts import Digest
    from gateway.settings import Settings

__all__ = ["register"]


def register(commands: Subcommands) -> None:
    _, actions = command_group(
        commands, "deadlines", "Time limits running on open Dublin cases and wrong-hit reports."
    )
    due = actions.add_parser(
        "due",
        help="overdue deadlines and those due within N days (a daily digest)",
        description="Overdue deadlines (oldest first), then those due within --within days "
        "(soonest first), with their legal basis and the effect of missing them.",
    )
    due.add_argument(
        "--within", type=int, help="days ahead (default: the deadline_alert_days setting)"
    )
    due.add_argument("--format", choices=("table", "json"), default="table")
    due.set_defaults(run=with_settings(_due))


async def _due(settings: Settings, args: argparse.Namespace) -> int:
    # imported when the command runs, not for its --help
    from gateway.adapters.web.tracking import MAX_WITHIN_DAYS  # noqa: PLC0415
    from gateway.pipeline.alerts import deadline_digest  # noqa: PLC0415

    within = settings.deadline_alert_days if args.within is None else args.within
    if not 0 <= within <= MAX_WITHIN_DAYS:  # as GET /v1/deadlines: 10**20 days overflow
        raise InputError("GW-DL-WITHIN", f"--within is 0 to {MAX_WITHIN_DAYS} days", "--within")
    async with tracking_store_of(settings) as store:
        digest = await deadline_digest(
            store,
            today=datetime.now(tz=UTC).date(),
            within=within,
            own_state=settings.member_state,
            calendar_of=load_calendar,  # a state without a calendar: GW-DL-CALENDAR
        )
    if args.format == "json":
        return print_json(digest.as_dict())
    _table(digest)
    return 0


def _table(digest: Digest) -> None:
    print(f"deadlines on {digest.today.isoformat()}, horizon {digest.within} days")
    for title, items in (("overdue", digest.overdue), ("due soon", digest.due_soon)):
        print(f"{title}: {len(items)}")
        for item in items:
            print(
                f"  {item['deadline']}  {item['days_left']:>4}d  {item['subject']:<44} "
                f"{item['step']:<24} {item['legal_basis']}  ({item['effect_if_missed']})"
            )
