"""`eugw tokens`: make, list and revoke API tokens. A secret is shown once, when made."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from gateway.broker.access import Role, new_token
from gateway.cli._context import store_of
from gateway.cli._parsers import Subcommands, command_group, with_settings
from gateway.errors import InputError
from gateway.settings import Settings

__all__ = ["register"]


def register(commands: Subcommands) -> None:
    _, actions = command_group(
        commands, "tokens", "API tokens for national systems and people, each with its roles."
    )
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
    create.set_defaults(run=with_settings(_create))
    listing = actions.add_parser("list", help="list tokens (never their secrets)")
    listing.set_defaults(run=with_settings(_list))
    revoke = actions.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("token_id", metavar="ID")
    revoke.set_defaults(run=with_settings(_revoke))


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


async def _list(settings: Settings, _: argparse.Namespace) -> int:
    async with store_of(settings) as store:
        for token in await store.tokens():
            state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
            roles = ",".join(sorted(token.roles))
            print(f"{token.token_id}  {token.name:<20} {roles:<30} {state}")
    return 0


async def _revoke(settings: Settings, args: argparse.Namespace) -> int:
    async with store_of(settings) as store:
        if not await store.revoke_token(args.token_id, at=_now()):
            raise InputError("GW-IN-NO-TOKEN", f"no token with id {args.token_id}", "ID")
    print(f"revoked {args.token_id}")
    return 0


def _now() -> datetime:
    return datetime.now(tz=UTC)
