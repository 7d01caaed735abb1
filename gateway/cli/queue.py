"""`eugw queue`: what is waiting, sending, dead; one message's timeline; operator actions."""

from __future__ import annotations

import argparse
import getpass
import os
from datetime import UTC, datetime
from functools import partial

from gateway.broker.states import Event, MessageState
from gateway.cli._context import store_of
from gateway.cli._parsers import Subcommands, command_group, print_json, with_settings
from gateway.errors import ConfigError, InputError
from gateway.ports import MessageFilter
from gateway.settings import Settings

__all__ = ["register"]

ACTIONS = {"resend": Event.RESEND, "release": Event.RELEASE, "cancel": Event.CANCEL}


def register(commands: Subcommands) -> None:
    _, actions = command_group(
        commands,
        "queue",
        "Counts per peer and state, message lists and timelines, operator actions.",
        run=with_settings(_status),
    )
    for name in ("status", "stats"):
        status = actions.add_parser(name, help="messages per peer and state (the default)")
        status.set_defaults(run=with_settings(_status))
    listing = actions.add_parser("list", help="list messages, newest first")
    listing.add_argument("--state", choices=[state.value for state in MessageState])
    listing.add_argument("--peer", help="e.g. EU:eurodac or NL:dublinet")
    listing.add_argument("--reference", help="a Eurodac or DubliNet reference")
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(run=with_settings(_list))
    show = actions.add_parser("show", help="one message and its timeline, as JSON")
    show.add_argument("message_id", metavar="ID")
    show.set_defaults(run=with_settings(_show))
    for name, event in ACTIONS.items():
        act = actions.add_parser(name, help=f"{name} messages (operator action, recorded)")
        act.add_argument("message_ids", metavar="ID", nargs="*")
        if event is Event.RELEASE:
            act.add_argument("--all-dead", action="store_true", help="release every dead letter")
        act.set_defaults(run=with_settings(partial(_act, event=event)))


async def _status(settings: Settings, _: argparse.Namespace) -> int:
    async with store_of(settings) as store:
        counts = await store.counts()
        oldest = await store.oldest_waiting()
    if not counts:
        print("the outbox is empty")
    for (peer, state), count in sorted(counts.items()):
        print(f"{peer:<16} {state.value:<14} {count:>8}")
    now = datetime.now(tz=UTC)
    for peer, created in sorted(oldest.items()):
        print(f"{peer:<16} oldest waiting for {(now - created).total_seconds():.0f} s")
    return 0


async def _list(settings: Settings, args: argparse.Namespace) -> int:
    query = MessageFilter(
        state=MessageState(args.state) if args.state else None,
        peer=args.peer,
        reference=args.reference,
        limit=args.limit,
    )
    async with store_of(settings) as store:
        for message in await store.find(query):
            error = f"  {message.last_error}" if message.last_error else ""
            print(
                f"{message.message_id}  {message.peer:<14} {message.message_type:<26} "
                f"{message.state.value:<12} tries={message.attempts}{error}"
            )
    return 0


async def _show(settings: Settings, args: argparse.Namespace) -> int:
    async with store_of(settings) as store:
        message = await store.get(args.message_id)
        if message is None:
            raise InputError("GW-BRK-UNKNOWN", f"no message with id {args.message_id}", "ID")
        timeline = await store.timeline(args.message_id)
    return print_json(
        {
            "message_id": message.message_id,
            "peer": message.peer,
            "type": message.message_type,
            "state": message.state.value,
            "attempts": message.attempts,
            "last_error": message.last_error,
            "timeline": [
                {
                    "at": change.at.isoformat(),
                    "event": change.event.value,
                    "to": change.to_state.value,
                    "detail": change.detail,
                }
                for change in timeline
            ],
        }
    )


async def _act(settings: Settings, args: argparse.Namespace, *, event: Event) -> int:
    actor = f"{_user()}@command-line"
    all_dead = getattr(args, "all_dead", False)
    if not args.message_ids and not all_dead:
        also = ", or --all-dead" if event is Event.RELEASE else ""
        raise ConfigError("GW-CFG-USAGE", f"name at least one message id{also}", "ID")
    async with store_of(settings) as store:
        ids = list(args.message_ids)
        if all_dead:
            dead = await store.find(MessageFilter(state=MessageState.DEAD, limit=100_000))
            ids += [message.message_id for message in dead]
            if not ids:
                print("no dead letters: nothing to release")
                return 0
        for message_id in ids:
            updated = await store.record(
                message_id,
                event,
                at=datetime.now(tz=UTC),
                detail=f"{event.value} by {actor}",
                actor=actor,
            )
            print(f"{message_id}  {updated.state.value}")
    return 0


def _user() -> str:
    """Who runs the command, as the operating system knows them (for the audit trail)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return f"uid-{os.getuid()}"
