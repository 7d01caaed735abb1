"""A stored message's XML for people: pretty-printed, and its signature checked again.

CPU work (parsing, signature verification): call it off the event loop.
The XML goes through the one hardened parser; the signature is verified by
`gateway.security` against the trust store as on the wire, so what the
console says is what a peer would find. Long text (images, signature
values) is shortened for display only.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import copy
from datetime import datetime

from cryptography import x509
from lxml import etree

from gateway.domain.frozen import frozen
from gateway.errors import GatewayError
from gateway.messages.common import read_created_at
from gateway.pipeline.services import Services
from gateway.security.identity import peer_ids_of
from gateway.security.verifier import DS, Verifier
from gateway.validation.parsing import XmlLimits, parse_xml

__all__ = ["SignatureFacts", "XmlView", "inspect_xml", "inspected"]

_SHOWN = 96  # characters of a long text node kept on screen
_CERTIFICATE = f"{{{DS}}}Signature/{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate"


@frozen
class SignatureFacts:
    valid: bool
    signer: str | None  # the peer the certificate names, e.g. "BE:gateway"
    subject: str | None
    expires: datetime | None
    problem: str | None  # "GW-...: sentence" when not valid


@frozen
class XmlView:
    pretty: str
    facts: SignatureFacts


async def inspected(services: Services, body: bytes) -> XmlView:
    """`inspect_xml` on the inbound path's verifier and limits, off the event loop."""
    inbound = services.inbound
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        inbound.executor, inspect_xml, body, inbound.verifier, inbound.limits
    )


def inspect_xml(body: bytes, verifier: Verifier, limits: XmlLimits) -> XmlView:
    try:
        root = parse_xml(body, limits)
    except GatewayError as error:
        facts = SignatureFacts(
            valid=False, signer=None, subject=None, expires=None, problem=_said(error)
        )
        return XmlView(pretty=body.decode("utf-8", errors="replace"), facts=facts)
    return XmlView(pretty=_pretty(root), facts=_facts(root, verifier))


def _facts(root: etree._Element, verifier: Verifier) -> SignatureFacts:
    try:
        signed_at = read_created_at(root)
        verified = verifier.verify(root, expected=None, at=signed_at)
    except GatewayError as error:
        certificate = _embedded_certificate(root)
        return SignatureFacts(
            valid=False,
            signer=_peer_of(certificate),
            subject=certificate.subject.rfc4514_string() if certificate else None,
            expires=certificate.not_valid_after_utc if certificate else None,
            problem=_said(error),
        )
    return SignatureFacts(
        valid=True,
        signer=str(verified.signer),
        subject=verified.certificate.subject.rfc4514_string(),
        expires=verified.certificate.not_valid_after_utc,
        problem=None,
    )


def _said(error: GatewayError) -> str:
    return f"{error.code}: {error.message}"


def _embedded_certificate(root: etree._Element) -> x509.Certificate | None:
    """The signer's certificate as the document carries it (unverified: for display)."""
    found = root.find(_CERTIFICATE)
    if found is None or not found.text:
        return None
    try:
        return x509.load_der_x509_certificate(base64.b64decode("".join(found.text.split())))
    except (ValueError, binascii.Error):
        return None


def _peer_of(certificate: x509.Certificate | None) -> str | None:
    if certificate is None:
        return None
    return ", ".join(str(peer) for peer in peer_ids_of(certificate)) or None


def _pretty(root: etree._Element) -> str:
    shown = copy.deepcopy(root)
    for element in shown.iter():
        for attribute in ("text", "tail"):
            value = getattr(element, attribute)
            if value is None:
                continue
            if not value.strip():
                setattr(element, attribute, None)
            elif len(value) > _SHOWN:
                setattr(element, attribute, f"{value[:_SHOWN]}… ({len(value)} characters)")
    etree.indent(shown, space="  ")
    return etree.tostring(shown, encoding="unicode")
