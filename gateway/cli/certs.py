"""`eugw certs init DIR` and `eugw certs list DIR`: demo certificates, and what expires when."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from gateway.cli._parsers import Subcommands, add_json_option, command_group, print_json
from gateway.domain.member_states import is_member_state
from gateway.errors import ConfigError

__all__ = ["PKI_ENTRIES", "register"]

# What `write_demo_pki` writes at the top of its directory: one of them there is a PKI.
PKI_ENTRIES = ("keys/signing", "tls", "trust", "ca", "peers")


def register(commands: Subcommands) -> None:
    _, actions = command_group(
        commands, "certs", "Generate a DEMO ONLY PKI, or list the certificates under a directory."
    )
    init = actions.add_parser(
        "init",
        help="write a demo PKI (DEMO ONLY) to a directory",
        description=(
            "Write a DEMO ONLY PKI to DIR: a CA per party (the gateway's member state, EU, "
            "NL, FR, DE, IT) with its revocation list, the gateway's signing and TLS "
            "certificates, the Eurodac simulator's and those of the peers NL, FR, DE and IT, each "
            "issued by its party's CA, and a trust store that trusts each CA for its own "
            "party only. Private keys are written with mode 0600. Run the gateway on it with "
            "EUGW_DATA_DIR=DIR. DIR may hold other things (the demo's var/demo, a store); a "
            "PKI already there is refused unless --force replaces it."
        ),
    )
    init.add_argument(
        "directory", metavar="DIR", type=Path, help="where to write (new, or without a PKI)"
    )
    init.add_argument(
        "--member-state", default="BE", help="the gateway's member state (default: BE)"
    )
    init.add_argument(
        "--force", action="store_true", help="replace the PKI DIR holds (its keys are lost)"
    )
    init.set_defaults(run=_init)
    listing = actions.add_parser(
        "list",
        help="list certificates with their peer id and days left",
        description=(
            "List every certificate in the PEM files under DIR: subject, peer id, expiry and "
            "days left, the soonest to expire first."
        ),
    )
    listing.add_argument("directory", metavar="DIR", type=Path, help="directory to search")
    add_json_option(listing, "print JSON")
    listing.set_defaults(run=_list)


def _init(args: argparse.Namespace) -> int:
    from gateway.security.demo import write_demo_pki  # noqa: PLC0415 - when the command runs

    directory: Path = args.directory
    if not is_member_state(args.member_state):
        raise ConfigError(
            "GW-CFG-USAGE", f"{args.member_state!r} is not a member state code", "--member-state"
        )
    if directory.exists() and not directory.is_dir():
        raise ConfigError("GW-CFG-USAGE", "not a directory", str(directory))
    held = [name for name in PKI_ENTRIES if (directory / name).exists()]
    if held and not args.force:
        raise ConfigError(
            "GW-CFG-USAGE",
            f"the directory already holds a PKI ({', '.join(held)}): writing would replace "
            "its keys; use --force to replace it, or name another directory",
            str(directory),
        )
    demo = write_demo_pki(directory, member_state=args.member_state)
    print(f"Wrote a DEMO ONLY PKI to {directory} (see {directory / 'README.txt'}).")
    for party, ca in demo.cas.items():
        print(f"{party} CA: {ca}  revocation list: {demo.crls[party]}")
    print(f"Use it:  EUGW_DATA_DIR={directory} eugw message sign FILE")
    return 0


def _list(args: argparse.Namespace) -> int:
    from gateway.security.inventory import list_certificates  # noqa: PLC0415 - idem

    if not args.directory.is_dir():
        raise ConfigError("GW-CFG-USAGE", "not a directory", str(args.directory))
    rows = list_certificates(args.directory, datetime.now(tz=UTC))
    if args.json:
        return print_json(
            [
                {
                    "file": row.file,
                    "subject": row.subject,
                    "peer": row.peer,
                    "expires": row.expires.isoformat(),
                    "days_left": row.days_left,
                }
                for row in rows
            ]
        )
    for row in rows:
        state = "EXPIRED" if row.expired else f"{row.days_left:>5} days left"
        print(f"{row.expires:%Y-%m-%d}  {state:<16}  {row.peer:<16}  {row.file}  ({row.subject})")
    print(f"{len(rows)} certificate(s)")
    return 0
