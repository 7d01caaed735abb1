"""`eugw message sign FILE` and `eugw message verify FILE`: XML-DSig from the command line."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from gateway.cli._context import gateway_from
from gateway.cli._parsers import Subcommands, add_input_file, add_out_option
from gateway.errors import ConfigError, InputError

if TYPE_CHECKING:  # lxml and the signing libraries are imported when a command runs
    from lxml import etree

    from gateway.security.signer import Signer
    from gateway.security.trust import TrustStore
    from gateway.settings import Settings

__all__ = ["register_subcommands"]


def register_subcommands(actions: Subcommands) -> None:
    """Add `sign` and `verify` to the `message` command's subcommands."""
    sign = actions.add_parser(
        "sign",
        help="sign an XML message (enveloped XML-DSig)",
        description=(
            "Sign an XML message with an enveloped XML-DSig signature (exclusive C14N, "
            "RSA-SHA256 or ECDSA-P256-SHA256, the certificate chain embedded), with the "
            "configured active signing key unless --key names another."
        ),
    )
    add_input_file(sign, "the XML message")
    sign.add_argument(
        "--key",
        metavar="ID|FILE",
        help=(
            "a key id from signing_keys_dir, or a NAME.key.pem file whose certificate chain "
            "is in NAME.cert.pem beside it (default: the active signing key)"
        ),
    )
    add_out_option(sign, "write here (default: stdout)")
    sign.set_defaults(run=_sign)

    verify = actions.add_parser(
        "verify",
        help="verify a signed XML message against trusted CAs",
        description=(
            "Verify a signed message: one enveloped signature covering the whole document, "
            "SHA-256 algorithms only, a certificate valid at the signing time, chaining to a "
            "trusted CA and not revoked, naming the expected peer. Exit 0 when valid, "
            "1 with the error code otherwise."
        ),
    )
    add_input_file(verify, "the signed XML message")
    verify.add_argument(
        "--trust",
        metavar="PEM|DIR",
        type=Path,
        help=(
            "a PEM file of CA certificates (and revocation lists) trusted for every party, "
            "or a trust directory of PARTY/*.pem (default: the configured trust_dir)"
        ),
    )
    verify.add_argument(
        "--peer", metavar="PARTY:system", help="the expected signer, e.g. NL:dublinet"
    )
    verify.add_argument(
        "--at",
        metavar="TIME",
        help="the signing time, ISO 8601 with a zone (default: now)",
    )
    add_out_option(verify, "write the signed content (and only that) here")
    verify.set_defaults(run=_verify)


def _sign(args: argparse.Namespace) -> int:
    document = _read_xml(args)
    signer = _signer(args)
    key_id = None if args.key is None or Path(args.key).is_file() else args.key
    signed = signer.sign(document, at=datetime.now(tz=UTC), key_id=key_id)
    _write_xml(signed, args.out)
    return 0


def _verify(args: argparse.Namespace) -> int:
    # imported when the command runs, not for its --help
    from gateway.security.identity import PeerId  # noqa: PLC0415
    from gateway.security.verifier import Verifier  # noqa: PLC0415

    document = _read_xml(args)
    try:
        expected = PeerId.parse(args.peer) if args.peer else None
    except ValueError as error:
        raise ConfigError("GW-CFG-USAGE", str(error), "--peer") from None
    verified = Verifier(_trust(args)).verify(document, expected=expected, at=_at(args.at))
    print(
        f"valid: signed by {verified.signer} ({verified.certificate.subject.rfc4514_string()})",
        file=sys.stderr,
    )
    if args.out:
        _write_xml(verified.element, args.out)
    return 0


def _signer(args: argparse.Namespace) -> Signer:
    # imported when the command runs, not for its --help
    from gateway.security.configured import signer_from  # noqa: PLC0415
    from gateway.security.signer import CERT_SUFFIX, KEY_SUFFIX, Signer, SigningKey  # noqa: PLC0415

    if args.key and Path(args.key).is_file():
        key_file = Path(args.key)
        if not key_file.name.endswith(KEY_SUFFIX):
            raise ConfigError("GW-CFG-USAGE", f"a key file must end in {KEY_SUFFIX}", "--key")
        key_id = key_file.name.removesuffix(KEY_SUFFIX)
        cert_file = key_file.with_name(key_id + CERT_SUFFIX)
        try:
            key = SigningKey.from_pem(key_id, key_file.read_bytes(), cert_file.read_bytes())
        except OSError as error:
            raise ConfigError(
                "GW-CFG-USAGE", f"cannot read: {error.strerror}", str(error.filename)
            ) from None
        return Signer([key], active=key_id)
    return signer_from(_settings(args))


def _trust(args: argparse.Namespace) -> TrustStore:
    # imported when the command runs, not for its --help
    from gateway.security.configured import trust_store_from  # noqa: PLC0415
    from gateway.security.trust import TrustStore, load_pem_objects  # noqa: PLC0415

    if args.trust is None:
        return trust_store_from(_settings(args))
    if args.trust.is_dir():
        return TrustStore.from_directory(args.trust)
    if not args.trust.is_file():
        raise ConfigError("GW-CFG-USAGE", "no such file or directory", str(args.trust))
    certificates, crls = load_pem_objects(args.trust)
    return TrustStore.for_any_party(certificates, crls)


def _at(text: str | None) -> datetime:
    if text is None:
        return datetime.now(tz=UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError("GW-CFG-USAGE", f"not an ISO 8601 time: {text!r}", "--at") from None
    if moment.tzinfo is None:
        raise ConfigError("GW-CFG-USAGE", "the time needs a zone (Z or +01:00)", "--at")
    return moment


def _settings(args: argparse.Namespace) -> Settings:
    return gateway_from(args).settings


def _read_xml(args: argparse.Namespace) -> etree._Element:
    """The document in FILE, through the one hardened parser, within the configured limits."""
    # imported when the command runs, not for its --help
    from gateway.app import xml_limits  # noqa: PLC0415
    from gateway.validation import parse_xml  # noqa: PLC0415

    name = args.file
    try:
        data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as error:
        raise InputError("GW-IN-FILE", f"cannot read the file: {error.strerror}", name) from None
    settings = _settings(args)
    limits = xml_limits(settings)
    try:
        return parse_xml(data, limits)
    except InputError as error:
        raise InputError(error.code, error.message, error.path or name) from None


def _write_xml(element: etree._Element, out: Path | None) -> None:
    from lxml import etree  # noqa: PLC0415 - when the command runs

    data = etree.tostring(element, xml_declaration=True, encoding="UTF-8")
    if out is None:
        sys.stdout.buffer.write(data + b"\n")
    else:
        out.write_bytes(data)
