"""`eugw cases`: Dublin cases, outgoing and incoming, and where each stands."""

from __future__ import annotations

import argparse
import uuid
from typing import TYPE_CHECKING

from gateway.adapters.web.case_messages import FIELDS, follow_up_of
from gateway.cli._help import fields_help
from gateway.cli._parsers import (
    Subcommands,
    add_json_option,
    command_group,
    print_json,
    with_settings,
)
from gateway.cli._tracking import add_by_option, operator, tracking_of, tracking_store_of
from gateway.domain import Problem
from gateway.domain.dublin import ReplyOutcome
from gateway.errors import InputError
from gateway.json_files import read_fields
from gateway.messages import message_type
from gateway.pipeline.casework.cases import OPERATOR_EVENTS
from gateway.pipeline.casework.views import case_view, history_view
from gateway.tracking.cases import CaseEvent
from gateway.tracking.followups import NOT_ON_CASE

if TYPE_CHECKING:
    from gateway.settings import Settings

__all__ = ["register"]


def register(commands: Subcommands) -> None:
    _, actions = command_group(
        commands, "cases", "Outgoing and incoming Dublin cases, their state and running time limit."
    )
    listing = actions.add_parser("list", help="cases, newest first")
    listing.add_argument("--open", action="store_true", help="leave out finished cases")
    listing.add_argument("--limit", type=int, default=100)
    add_json_option(listing, "one JSON document")
    listing.set_defaults(run=with_settings(_list))
    show = actions.add_parser("show", help="one case and its history, as JSON")
    show.add_argument("case_id", metavar="ID")
    show.set_defaults(run=with_settings(_show))
    event = actions.add_parser(
        "event",
        help="record a transfer planned or done, a withdrawal, or a change of the person's "
        "situation (detained, released, imprisoned, absconded) on a case",
        description=(
            "Record what happened outside the gateway on a case, as POST\n"
            "/v1/cases/{id}/events does. A change of the person's situation moves the clock:\n"
            "imprisoned or absconded extends the running transfer limit (Reg 604/2013 Art\n"
            "29(2): 1 year, 18 months; Reg 2024/1351 Art 46(2): 1 year, 3 years), before it\n"
            "ends only; released or the end of a detention gives back the ordinary limit.\n"
            "The history says who recorded it (--by)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    event.add_argument("case_id", metavar="ID")
    event.add_argument("event", choices=sorted(e.value for e in OPERATOR_EVENTS))
    event.add_argument("--reason", help="why: grounds of detention, who reported absconding")
    add_by_option(event, "who records it")
    event.set_defaults(run=with_settings(_event))
    opening = actions.add_parser(
        "open",
        help="open an outgoing case from a plan (signed and sent over DubliNet)",
        description=(
            "Open an outgoing case as POST /v1/cases does, from a JSON plan: kind\n"
            "(take_charge, take_back), requested_state, legal_basis, record (a canonical\n"
            "record whose application has registered_on), and optionally urgent with\n"
            "urgency_reason (Reg 604/2013 Art 21(2)), detained with detention_reason,\n"
            'eurodac_reference, submitter; or {"hit_id"} for a confirmed hit. The request is\n'
            "signed and queued here, delivered by the serving gateway. Prints the case."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    opening.add_argument("--file", required=True, metavar="JSON", help="the plan (- for stdin)")
    opening.add_argument(
        "--idempotency-key", metavar="K", help="the same key again opens (and sends) nothing new"
    )
    add_by_option(opening, "who opens it")
    opening.set_defaults(run=with_settings(_open))
    reply = actions.add_parser(
        "reply", help="reply to another state's request (signed and sent over DubliNet)"
    )
    reply.add_argument("case_id", metavar="ID")
    reply.add_argument("--outcome", required=True, choices=[o.value for o in ReplyOutcome])
    reply.add_argument(
        "--legal-basis", help="the article the reply rests on (a refusal must give it)"
    )
    reply.add_argument("--reason-code", action="append", default=[], help="repeat for several")
    reply.add_argument(
        "--explanation",
        help="the reasons, for the requesting state (a refusal must give full and detailed "
        "reasons: Reg 1560/2003 Art 5(1))",
    )
    add_by_option(reply, "who replies")
    reply.set_defaults(run=with_settings(_reply))
    _register_send(actions)


def _register_send(actions: Subcommands) -> None:
    send = actions.add_parser(
        "send",
        help="send a message on a case: re-examination request, transfer arrangement, "
        "requests of types 3 to 7 (signed and sent over DubliNet)",
        description=(
            "Send a message on a case to its other member state, as POST\n"
            "/v1/cases/{id}/messages does: signed and queued in the outbox here, delivered by\n"
            "the running gateway (`eugw serve` on the same database). The case moves when the\n"
            "message does (re-examination request, transfer arrangement); prints the case."
        ),
        epilog=_types_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    send.add_argument("case_id", metavar="ID", help="the case (see `eugw cases list`)")
    send.add_argument(
        "--type", required=True, choices=list(FIELDS), metavar="TYPE", help="one of those below"
    )
    send.add_argument(
        "--file", metavar="JSON", help="the message's fields: a JSON object (- for standard input)"
    )
    send.add_argument(
        "--idempotency-key", metavar="K", help="the same key again on the case sends nothing twice"
    )
    add_by_option(send, "who sends it")
    send.set_defaults(run=with_settings(_send))


def _types_help() -> str:
    """The types `--type` takes and the fields each one's JSON file holds."""
    labels = {}
    for kind, fields in FIELDS.items():
        number = message_type(f"dublinet.{kind}").request_type
        labels[kind if number is None else f"{kind} (type {int(number)})"] = fields
    return "\n".join(
        (
            fields_help(labels),
            'example: {"transfer_date": "2027-01-20", "arrival_place": "Schiphol"}',
            "A type this side does not send on such a case, or one the case cannot take now, is",
            "refused with GW-CASE-MESSAGE or GW-CASE-TRANSITION (exit status 1).",
        )
    )


async def _list(settings: Settings, args: argparse.Namespace) -> int:
    async with tracking_store_of(settings) as store:
        found = await store.cases(open_only=args.open, limit=args.limit)
    if args.json:
        return print_json({"cases": [case_view(case) for case in found]})
    if not found:
        print("no cases")
    for case in found:
        due = case.deadline.isoformat() if case.deadline else "-"
        print(
            f"{case.case_id}  {case.direction.value:<8} {case.kind.value:<11} "
            f"{case.other_state}  {case.state.value:<24} due {due}"
        )
    return 0


async def _show(settings: Settings, args: argparse.Namespace) -> int:
    async with tracking_store_of(settings) as store:
        case = await store.case(args.case_id)
        if case is None:
            raise InputError("GW-CASE-UNKNOWN", f"there is no case {args.case_id}", "ID")
        history = await store.case_changes(args.case_id)
    return print_json(case_view(case) | {"history": history_view(history)})


async def _event(settings: Settings, args: argparse.Namespace) -> int:
    async with tracking_of(settings) as tracking:
        case = await tracking.cases.act(
            args.case_id, CaseEvent(args.event), by=operator(args.by), reason=args.reason
        )
    return print_json(case_view(case))


async def _open(settings: Settings, args: argparse.Namespace) -> int:
    # the web API's readers (aiohttp) are imported when the command runs, not for its --help
    from gateway.adapters.web.tracking import case_plan, request_facts  # noqa: PLC0415
    from gateway.pipeline.outgoing import IDS  # noqa: PLC0415

    plan = read_fields(args.file, "GW-CASE-PLAN")
    who = operator(args.by)
    async with tracking_of(settings) as tracking:
        if "hit_id" in plan:
            problems: list[Problem] = []
            facts = request_facts(plan, problems)
            if problems:
                raise InputError.from_problems(problems)
            hit_id = plan["hit_id"]
            if not isinstance(hit_id, str) or not hit_id:
                raise InputError("GW-CASE-NO-PROPOSAL", "hit_id names a confirmed hit", "hit_id")
            case = await tracking.hits.open_case(hit_id, facts)
        else:
            key = args.idempotency_key
            case_id = str(uuid.uuid5(IDS, f"plan:{who}:{key}")) if key else str(uuid.uuid4())
            case = await tracking.requests.open_planned(case_plan(plan, case_id=case_id))
    return print_json(case_view(case))


async def _reply(settings: Settings, args: argparse.Namespace) -> int:
    async with tracking_of(settings) as tracking:
        case = await tracking.followups.reply(
            args.case_id,
            outcome=ReplyOutcome(args.outcome),
            legal_basis=args.legal_basis,
            reason_codes=tuple(args.reason_code),
            explanation=args.explanation,
            by=operator(args.by),
        )
    return print_json(case_view(case))


async def _send(settings: Settings, args: argparse.Namespace) -> int:
    fields = read_fields(args.file, NOT_ON_CASE, type=args.type)
    follow_up = follow_up_of(fields)  # refused before any key is read
    async with tracking_of(settings) as tracking:
        case = await tracking.followups.send(
            args.case_id, follow_up, by=operator(args.by), key=args.idempotency_key
        )
    return print_json(case_view(case))
