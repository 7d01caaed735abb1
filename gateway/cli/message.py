"""`eugw message`: list the message types, build a message from a record, validate a file.

The group takes more subcommands from other modules: each module in
`EXTENSIONS` offers `register_subcommands(subparsers)` (`gateway.cli.signing`
adds `sign` and `verify` this way).
"""

from __future__ import annotations

import argparse
import sys
import uuid
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from gateway.cli import signing
from gateway.cli._context import gateway_from
from gateway.cli._help import INPUT_HELP
from gateway.cli._parsers import (
    SubcommandModule,
    Subcommands,
    add_input_file,
    add_out_option,
    command_group,
)
from gateway.domain.dublin import dublin_regime_for
from gateway.domain.eurodac import regime_on
from gateway.domain.requests import ReexaminationRequest, TransferArrangement
from gateway.errors import ConfigError, InputError
from gateway.json_files import read_json

if TYPE_CHECKING:  # the messages and their XML libraries are imported when a command runs
    from gateway.messages import Content, MessageRegime, MessageType, Party

__all__ = ["EXTENSIONS", "read_input_bytes", "register"]


EXTENSIONS: tuple[SubcommandModule, ...] = (signing,)


def register(commands: Subcommands) -> None:
    command_group(
        commands,
        "message",
        "List the message types, build a message from a record, validate a file; "
        "sign and verify come from the security layer.",
        title="subcommands",
        metavar="SUBCOMMAND",
        subcommands=register_subcommands,
        extensions=EXTENSIONS,
    )


def register_subcommands(subcommands: Subcommands) -> None:
    types = subcommands.add_parser(
        "types",
        help="list the message types",
        description="List every message type with its root element and regimes.",
    )
    types.set_defaults(run=_types)
    build = subcommands.add_parser(
        "build",
        help="build a message from a JSON record",
        description="Build a message of TYPE from a JSON file, validate it against its\n"
        "schema, sign it with the active signing key when --sign is given, and write\n"
        "it to --out or standard output.",
        epilog=INPUT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build.add_argument("--type", required=True, metavar="TYPE", help="e.g. eurodac.enrolment")
    build.add_argument("--record", required=True, metavar="FILE", help="JSON content ('-': stdin)")
    add_out_option(build, "where to write the XML (default: stdout)")
    build.add_argument(
        "--sign",
        action="store_true",
        help="sign with the configured active signing key (signing_keys_dir under data_dir)",
    )
    build.add_argument(
        "--regime",
        help="the regulation, for types whose content does not decide it "
        "(default: the one in force today)",
    )
    build.add_argument(
        "--recipient",
        metavar="STATE[/SYSTEM]",
        help="the receiving member state, where the content does not name it",
    )
    build.add_argument("--correlation-id", type=uuid.UUID, help="the message this one answers")
    build.add_argument("--conversation-id", type=uuid.UUID, help="the conversation it continues")
    build.set_defaults(run=_build)
    check = subcommands.add_parser(
        "validate",
        help="check a message file: hardened parse, schema and content",
        description="Parse FILE as a message from outside (no DTD, no entities, size and depth "
        "limits), validate it against its schema and read it. Exit status 0 when valid, 1 with "
        "'CODE: sentence (at path)' for each problem when not.",
    )
    add_input_file(check, "the XML message")
    check.set_defaults(run=_validate)


def read_input_bytes(name: str, limit: int) -> bytes:
    """At most `limit + 1` bytes of a file or stdin: enough to tell it is too large."""
    try:
        if name == "-":
            return sys.stdin.buffer.read(limit + 1)
        with Path(name).open("rb") as file:
            return file.read(limit + 1)
    except OSError as error:
        raise InputError("GW-IN-FILE", f"cannot read the file: {error.strerror}", name) from None


def _types(_: argparse.Namespace) -> int:
    from gateway.messages import MESSAGE_TYPES  # noqa: PLC0415 - when the command runs

    width = max(len(name) for name in MESSAGE_TYPES)
    for name, kind in MESSAGE_TYPES.items():
        regimes = ", ".join(regime.value for regime in kind.regimes)
        print(f"{name:<{width}}  {kind.root:<24} {regimes:<20} {kind.description}")
    return 0


def _build(args: argparse.Namespace) -> int:
    # imported when the command runs, not for its --help
    from gateway.messages import (  # noqa: PLC0415
        Message,
        Party,
        build_element,
        message_type,
        new_envelope,
        regime_for,
        serialize,
    )
    from gateway.messages.envelope import GATEWAY_SYSTEM  # noqa: PLC0415
    from gateway.messages.inputs import content_from_json  # noqa: PLC0415
    from gateway.security.configured import signer_from  # noqa: PLC0415
    from gateway.validation import validate  # noqa: PLC0415

    gateway = gateway_from(args)
    kind = message_type(args.type)
    content = content_from_json(kind, read_json(args.record))
    regime = regime_for(content) or _regime_option(args.regime, kind, gateway.clock.today())
    envelope = new_envelope(
        message_type=kind.name,
        regime=regime,
        sender=Party(authority=gateway.settings.member_state, system=GATEWAY_SYSTEM),
        recipient=_recipient(kind, content, args.recipient),
        now=gateway.clock.now(),
        correlation_id=args.correlation_id,
        conversation_id=args.conversation_id,
    )
    root = build_element(Message(envelope=envelope, content=content))
    validate(root)
    if args.sign:
        root = signer_from(gateway.settings).sign(root, at=envelope.created_at)
    data = serialize(root)
    if args.out:
        args.out.write_bytes(data)
        print(f"{args.out}: {kind.name} ({regime.value}), message id {envelope.message_id}")
    else:
        sys.stdout.buffer.write(data + b"\n")
    return 0


def _regime_option(option: str | None, kind: MessageType, today: date) -> MessageRegime:
    from gateway.messages import regime_of  # noqa: PLC0415 - when the command runs

    if option is not None:
        try:
            regime = regime_of(option)
        except ValueError:
            allowed = ", ".join(r.value for r in kind.regimes)
            raise ConfigError("GW-CFG-USAGE", f"--regime is one of {allowed}", "--regime") from None
        return regime
    return regime_on(today) if kind.family == "eurodac" else dublin_regime_for(today)


def _recipient(kind: MessageType, content: Content, option: str | None) -> Party:
    # imported when the command runs, not for its --help
    from gateway.messages import EU_AUTHORITY, Party  # noqa: PLC0415
    from gateway.messages.envelope import DUBLINET_SYSTEM, EURODAC_SYSTEM  # noqa: PLC0415

    if option:
        state, _, system = option.partition("/")
        try:
            return Party(authority=state, system=system or DUBLINET_SYSTEM)
        except ValueError as error:
            raise ConfigError("GW-CFG-USAGE", str(error), "--recipient") from None
    if kind.family == "eurodac":
        return Party(authority=EU_AUTHORITY, system=EURODAC_SYSTEM)  # the Central System
    named = _named_recipient(content)
    if named is None:
        raise ConfigError(
            "GW-CFG-USAGE", f"{kind.name} needs --recipient STATE[/SYSTEM]", "--recipient"
        )
    try:
        return Party(authority=named, system=DUBLINET_SYSTEM)
    except ValueError as error:
        raise InputError("GW-MSG-CONTENT", str(error), "recipient") from None


def _named_recipient(content: Content) -> str | None:
    from gateway.messages import DublinSubmission  # noqa: PLC0415 - when the command runs

    if isinstance(content, DublinSubmission):
        return content.request.requested_state
    if isinstance(content, ReexaminationRequest):
        return content.requested_state
    if isinstance(content, TransferArrangement):
        return content.receiving_state
    return None


def _validate(args: argparse.Namespace) -> int:
    # imported when the command runs, not for its --help
    from gateway.app import xml_limits  # noqa: PLC0415
    from gateway.messages import parse_message  # noqa: PLC0415
    from gateway.validation import parse_xml, validate  # noqa: PLC0415

    limits = xml_limits(gateway_from(args).settings)
    root = parse_xml(read_input_bytes(args.file, limits.max_bytes), limits)
    validate(root)
    message = parse_message(root)
    envelope = message.envelope
    print(
        f"{args.file}: valid {envelope.message_type} ({envelope.regime.value}) "
        f"from {envelope.sender.authority} to {envelope.recipient.authority}, "
        f"message id {envelope.message_id}"
    )
    return 0
