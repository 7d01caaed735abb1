"""`eugw tokens`: make, list and revoke API tokens. A secret is shown once, when made."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime

from gateway.broker.access import Role, new_token
from gateway.cli._context import settings_from, store_of
from gateway.errors import InputError
from gateway.settings import Settings

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "tokens",
        help="make, list and revoke API tokens",
        description="API tokens for national systems and people, each with its roles.",
    )
    parser.set_defaults(run=lambda _: _usage(parser))
    actions = parser.add_subparsers(title="tokens commands", metavar="COMMAND")
    create = actions.add_parser(
        "create",
        help="make a token and print its secret (shown this once only)",
        description="Make a token. The secret is printed once; the gateway keeps its digest only.",
    )
    create.add_argument("--name", required=True, help="who it is for, e.g. evibel or j.peeters")
    create.add_argument(
        "--role",
        action="append",
        required=True,
        choices=[role.value for role in Role],
        help="a role it grants (repeat for several)",
    )
    create.set_defaults(run=lambda args: asyncio.run(_create(settings_from(args), args)))
    listing = actions.add_parser("list", help="list tokens (never their secrets)")
    listing.set_defaults(run=lambda args: asyncio.run(_list(settings_from(args))))
    revoke = actions.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("token_id", metavar="ID")
    revoke.set_defaults(run=lambda args: asyncio.run(_revoke(settings_from(args), args.token_id)))


async def _create(settings: Settings, args: argparse.Namespace) -> int:
    async with store_of(settings, create=True) as store:  # the first step of a new gateway
        token, secret = new_token(
            name=args.name,
            roles=frozenset(Role(role) for role in args.role),
            now=_now(),
        )
        await store.add_token(token)
    print(secret)
    return 0


async def _list(settings: Settings) -> int:
    async with store_of(settings) as store:
        for token in await store.tokens():
            state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
            roles = ",".join(sorted(token.roles))
            print(f"{token.token_id}  {token.name:<20} {roles:<30} {state}")
    return 0


async def _revoke(settings: Settings, token_id: str) -> int:
    async with store_of(settings) as store:
        if not await store.revoke_token(token_id, at=_now()):
            raise InputError("GW-IN-NO-TOKEN", f"no token with id {token_id}", "ID")
    print(f"revoked {token_id}")
    return 0


def _now() -> datetime:
    return datetime.now(tz=UTC)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2
