"""Verify an enveloped XML-DSig signature and return only what it signed.

The checks run from the cheapest to the dearest, and each failure has its own
code: the signature's place, what rides along unsigned, its algorithms and its
layout (`profile.read_signature`, no cryptography yet); whether the embedded
certificate was valid at the signing time `at`, chains to an anchor of the
trust store for the party it names and is not revoked (`chain`, cached per
certificate); whether it names the expected peer; and finally whether the
signature value holds over the canonical SignedInfo and the digest over the
canonical document.

The document is copied once (lxml's deep copy, no serialising and
re-parsing as signxml did) and only the copy is read: lxml's exclusive C14N
and `cryptography` do the work (`xmldsig`). What comes back is that copy with
its signature taken out, the very tree whose canonical form was digested,
never the document passed in, so the caller reads only what was signed; the
document passed in is left as it was.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from lxml import etree

from gateway.domain.frozen import frozen
from gateway.errors import SecurityError
from gateway.security.chain import SignerCheck
from gateway.security.identity import PeerId
from gateway.security.profile import DSIG11, SignatureParts, read_signature
from gateway.security.trust import TrustStore
from gateway.security.xmldsig import (
    DS,
    KeyMismatchError,
    canonical,
    check_signature_value,
    digest,
    fresh_copy,
    remove_enveloped,
)

__all__ = ["DS", "Verified", "Verifier"]

_CURVES: dict[str, ec.EllipticCurve] = {"urn:oid:1.2.840.10045.3.1.7": ec.SECP256R1()}


@frozen
class Verified:
    """The signed element (a fresh copy: read this, nothing else), who signed it, with what."""

    element: etree._Element
    signer: PeerId
    certificate: x509.Certificate


class Verifier:
    """Checks signatures against a trust store; one instance serves any number of documents."""

    def __init__(self, trust: TrustStore, *, max_chain_depth: int = 4) -> None:
        self._signers = SignerCheck(trust, max_chain_depth=max_chain_depth)

    def verify(
        self,
        document: etree._Element,
        *,
        expected: PeerId | None,
        at: datetime,
        handed_over: bool = False,
    ) -> Verified:
        """Verify `document` as signed at `at` by `expected` (any trusted peer when None).

        `at` is the envelope's creation time given by the caller; the caller
        must itself check that this time is close to the time of receipt.
        With `handed_over`, the caller gives up `document` (it parsed it for this call
        and keeps no other hold on it): it is checked and returned in place, without
        the copy, its signature taken out; on a refusal it must not be read again.
        """
        if at.tzinfo is None:
            raise ValueError("the signing time must be timezone-aware")
        # Everything below reads `signed`, never the caller's tree: what is checked is
        # what is returned, and the caller's tree is left as it was (unless handed over).
        signed = document if handed_over else fresh_copy(document)
        parts = read_signature(signed, _around(document))
        signer = self._signers.vet(parts.certificates, at)
        if expected is not None and signer.peer != expected:
            raise SecurityError(
                "GW-SIG-WRONG-SIGNER",
                f"signed by {signer.peer}, expected {expected}",
                "Signature/KeyInfo",
            )
        for key_value in parts.key_values:
            _check_key_value(key_value, signer.spki)
        _check_signature(signed, parts, signer.public_key)
        return Verified(element=signed, signer=signer.peer, certificate=signer.leaf)


def _around(root: etree._Element) -> list[etree._Element]:
    """The nodes beside the root: comments and processing instructions (a copy leaves them)."""
    if root.getprevious() is None and root.getnext() is None:
        return []
    return [*root.itersiblings(preceding=True), *root.itersiblings()]


def _check_signature(
    signed: etree._Element, parts: SignatureParts, public_key: CertificatePublicKeyTypes
) -> None:
    """Check the signature value over SignedInfo, take the signature out of `signed` and
    check the digest of what is left."""
    try:
        # a2b_base64 is what b64decode runs: lenient about whitespace and stray characters
        value = binascii.a2b_base64(parts.signature_value)
        claimed_digest = binascii.a2b_base64(parts.digest_value)
        check_signature_value(public_key, parts.method, value, parts.signed_info_c14n)
        remove_enveloped(signed, parts.position)
        content = canonical(signed, exclusive=parts.exclusive, prefixes=parts.reference_prefixes)
    except InvalidSignature:
        raise SecurityError(
            "GW-SIG-INVALID", "the signature does not hold", "Signature/SignatureValue"
        ) from None
    except KeyMismatchError as error:
        raise SecurityError("GW-SIG-MALFORMED", str(error), "Signature/SignedInfo") from None
    except (etree.LxmlError, ValueError, TypeError) as error:
        # base64 that cannot be decoded, a tree libxml2 cannot canonicalise
        raise SecurityError(
            "GW-SIG-MALFORMED", f"the signature cannot be read: {error}", "Signature"
        ) from None
    if digest(content) != claimed_digest:
        raise SecurityError(
            "GW-SIG-INVALID", "the content was changed after it was signed", "Signature/SignedInfo"
        )


def _check_key_value(node: etree._Element, spki: bytes) -> None:
    """A KeyValue or DEREncodedKeyValue beside the certificate must name the same key
    (two keys in one KeyInfo is an ambiguity: refused, as signxml refuses it)."""
    try:
        named = _public_key_of(node)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise SecurityError(
            "GW-SIG-MALFORMED", f"the key value cannot be read: {error}", "Signature/KeyInfo"
        ) from None
    if named is None or _spki_of(named) != spki:
        raise SecurityError(
            "GW-SIG-MALFORMED",
            "KeyInfo names another key than the certificate's",
            "Signature/KeyInfo",
        )


def _public_key_of(node: etree._Element) -> CertificatePublicKeyTypes | None:
    if node.tag == f"{{{DSIG11}}}DEREncodedKeyValue":
        key = serialization.load_der_public_key(base64.b64decode(node.text or ""))
        return key if isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey) else None
    rsa_value = node.find(f"{{{DS}}}RSAKeyValue")
    if rsa_value is not None:
        modulus = _integer(rsa_value.findtext(f"{{{DS}}}Modulus"))
        exponent = _integer(rsa_value.findtext(f"{{{DS}}}Exponent"))
        return rsa.RSAPublicNumbers(e=exponent, n=modulus).public_key()
    ec_value = node.find(f"{{{DSIG11}}}ECKeyValue")
    if ec_value is not None:
        named_curve = ec_value.find(f"{{{DSIG11}}}NamedCurve")
        uri = named_curve.get("URI", "") if named_curve is not None else ""
        curve = _CURVES.get(uri)
        if curve is None:
            raise ValueError(f"the curve {uri or '(none)'} is not P-256")
        point = base64.b64decode(ec_value.findtext(f"{{{DSIG11}}}PublicKey") or "")
        return ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
    return None


def _integer(text: str | None) -> int:
    if not text:
        raise ValueError("a number of the key value is missing")
    return int.from_bytes(base64.b64decode(text), "big")


def _spki_of(key: CertificatePublicKeyTypes) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
