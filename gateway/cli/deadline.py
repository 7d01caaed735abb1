"""`eugw deadline`: the legal deadline of one Dublin step, as JSON."""

from __future__ import annotations

import argparse
import json
import os
import re
from datetime import date
from pathlib import Path

from gateway.cli._parsers import Subcommands, add_command
from gateway.domain.dublin import DublinRegime, dublin_regime_for
from gateway.errors import ConfigError, InputError
from gateway.settings import Settings, load_settings
from gateway.tracking.deadlines import check_regime, compute_deadline
from gateway.tracking.holidays import HolidayCalendar, available_calendars, load_calendar
from gateway.tracking.rules import Extension, Facts, Step

__all__ = ["register"]

_REGIMES = {"dublin3": DublinRegime.DUBLIN3, "ammr": DublinRegime.AMMR}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def register(commands: Subcommands) -> None:
    parser = add_command(
        commands,
        "deadline",
        "Compute the last day to take a step of the Dublin procedure, counted under "
        "Regulation 1182/71 (the event day is not counted; a period ending on a Saturday, "
        "Sunday or public holiday ends on the next working day), and print one JSON "
        'object: {"deadline", "legal_basis", "effect_if_missed", ...}. '
        "Regimes: dublin3 = Reg 604/2013, ammr = Reg 2024/1351, auto = chosen from "
        "--registered (AMMR for applications registered from 2026-07-01). "
        "Exit status 1 when the regime has no such step or a date is bad.",
        epilog="--hit, --urgent and --detained are facts of the case: a fact that does not "
        "change the period of the step is ignored, and the 'variant' key says which "
        "rule applied. Example: eugw deadline --regime dublin3 --step take-charge-reply "
        "--from 2026-03-02",
    )
    parser.add_argument(
        "--regime", required=True, choices=[*_REGIMES, "auto"], help="the Dublin regime"
    )
    parser.add_argument(
        "--step", required=True, choices=[step.value for step in Step], help="the step to take"
    )
    parser.add_argument(
        "--from",
        dest="start",
        required=True,
        metavar="YYYY-MM-DD",
        help="the day of the triggering event (lodging, hit, receipt of the request, ...)",
    )
    parser.add_argument(
        "--registered",
        metavar="YYYY-MM-DD",
        help="the day the application was registered (needed by --regime auto)",
    )
    parser.add_argument("--hit", action="store_true", help="the case rests on a Eurodac hit")
    parser.add_argument("--urgent", action="store_true", help="an urgent reply was requested")
    parser.add_argument("--detained", action="store_true", help="the person is detained")
    parser.add_argument(
        "--no-application",
        action="store_true",
        help="the person stays without a residence document and made no new application "
        "here (Reg 604/2013 Art 24; with --hit: after a search under Reg 603/2013 Art 17)",
    )
    parser.add_argument(
        "--extension",
        choices=[extension.value for extension in Extension],
        help="the transfer period is extended for imprisonment or absconding",
    )
    parser.add_argument(
        "--calendar",
        metavar="CODE",
        help="the state that must act, whose public holidays count: one of "
        f"{', '.join(available_calendars())} (default: the deadline_calendar setting, BE)",
    )
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    start = _date(args.start, "--from")
    registered = _date(args.registered, "--registered") if args.registered else None
    if args.regime == "auto":
        if registered is None:
            raise ConfigError("GW-CFG-USAGE", "--regime auto needs --registered", "--registered")
        regime = dublin_regime_for(registered)
    else:
        regime = _REGIMES[args.regime]
        if registered is not None:
            check_regime(regime, registered)
    calendar = _calendar(args.calendar) if args.calendar else None
    deadline = compute_deadline(
        step=Step(args.step),
        start=start,
        regime=regime,
        calendar=calendar or load_calendar(_settings(args).deadline_calendar),
        facts=Facts(
            hit=args.hit,
            urgent=args.urgent,
            detained=args.detained,
            extension=Extension(args.extension) if args.extension else None,
            no_application=args.no_application,
        ),
    )
    print(json.dumps(deadline.as_dict(), ensure_ascii=False))
    return 0


def _settings(args: argparse.Namespace) -> Settings:
    config = Path(args.config) if getattr(args, "config", None) else None
    return load_settings(os.environ, config)


def _calendar(code: str) -> HolidayCalendar:
    try:
        return load_calendar(code)
    except InputError as error:  # named as the user wrote it
        raise InputError(error.code, error.message, "--calendar") from None


def _date(text: str, option: str) -> date:
    """A date written exactly YYYY-MM-DD (Python also reads 20260101; users must not)."""
    if _ISO_DATE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass  # a day that does not exist, such as 2026-02-30: reported below
    raise InputError("GW-DL-DATE", f"{text!r} is not a calendar date YYYY-MM-DD", option)
