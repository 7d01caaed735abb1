"""The XML-DSig primitives of the gateway's one signature profile: lxml's C14N, hashlib's
SHA-256 and `cryptography`'s RSA and ECDSA, nothing else.

The signer and the verifier share these so that both compute the same bytes: the
canonical form of the document without its signature (the enveloped-signature
transform, then exclusive C14N without comments, as libxml2 computes it for
xmlsec1 and for signxml), its digest, the canonical SignedInfo, and the
signature value in XML-DSig's form (PKCS #1 v1.5 for RSA; for ECDSA the raw
`r || s`, each integer on the curve's byte length, not DER).
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Sequence
from typing import TypeGuard

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from lxml import etree

from gateway.security.algorithms import SIGNATURE_ECDSA_SHA256, SIGNATURE_RSA_SHA256
from gateway.security.pki import PrivateKey

__all__ = [
    "DS",
    "KeyMismatchError",
    "canonical",
    "check_signature_value",
    "digest",
    "fresh_copy",
    "remove_enveloped",
    "signature_method_of",
    "signature_value",
]

DS = "http://www.w3.org/2000/09/xmldsig#"

_PKCS1 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()
_ECDSA = ec.ECDSA(_SHA256)


class KeyMismatchError(ValueError):
    """The signature method names another kind of key than the certificate's."""


def canonical(
    node: etree._Element, *, exclusive: bool = True, prefixes: Sequence[str] | None = None
) -> bytes:
    """The C14N 1.0 form of `node` without comments (exclusive unless told otherwise).

    A node that is not the root keeps the namespaces in scope at its place (lxml
    copies them onto the subtree it canonicalises), so SignedInfo canonicalises
    as it does inside its document.
    """
    return etree.tostring(
        node,
        method="c14n",
        exclusive=exclusive,
        with_comments=False,
        inclusive_ns_prefixes=list(prefixes) if prefixes else None,
    )


def digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def fresh_copy(element: etree._Element) -> etree._Element:
    """A deep copy of `element`, the root of a document of its own (the nodes around the
    root of `element`'s document, comments and processing instructions, are not copied)."""
    # lxml's copy.copy is a deep copy (copy.deepcopy calls it too, with a memo to keep)
    return copy.copy(element)


def remove_enveloped(document: etree._Element, signature_index: int) -> None:
    """Take the root's child at `signature_index` out, its tail text staying where it was:
    the enveloped-signature transform."""
    signature = document[signature_index]
    tail = signature.tail
    if tail:
        previous = signature.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            document.text = (document.text or "") + tail
    document.remove(signature)


_RSA_TYPES: dict[type, bool] = {}


def _is_rsa(public_key: CertificatePublicKeyTypes) -> TypeGuard[rsa.RSAPublicKey]:
    # isinstance against cryptography's abstract classes costs a microsecond: once per type
    kind = type(public_key)
    known = _RSA_TYPES.get(kind)
    if known is None:
        known = _RSA_TYPES[kind] = isinstance(public_key, rsa.RSAPublicKey)
    return known


def signature_method_of(key: PrivateKey) -> str:
    return SIGNATURE_RSA_SHA256 if isinstance(key, rsa.RSAPrivateKey) else SIGNATURE_ECDSA_SHA256


def signature_value(key: PrivateKey, data: bytes) -> bytes:
    """The SignatureValue bytes of `data` signed with `key` (RSA-SHA256 or ECDSA-SHA256)."""
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, _PKCS1, _SHA256)
    r, s = decode_dss_signature(key.sign(data, _ECDSA))
    size = (key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def check_signature_value(
    public_key: CertificatePublicKeyTypes, method: str, value: bytes, data: bytes
) -> None:
    """Raise `cryptography.exceptions.InvalidSignature` unless `value` signs `data`, or
    `KeyMismatchError` when `method` does not fit the kind of `public_key`."""
    if method == SIGNATURE_RSA_SHA256 and _is_rsa(public_key):
        public_key.verify(value, data, _PKCS1, _SHA256)
        return
    if method == SIGNATURE_ECDSA_SHA256 and isinstance(public_key, ec.EllipticCurvePublicKey):
        size = (public_key.curve.key_size + 7) // 8
        if len(value) != 2 * size:
            raise InvalidSignature(f"expected a {2 * size}-byte r || s, got {len(value)} bytes")
        r, s = int.from_bytes(value[:size], "big"), int.from_bytes(value[size:], "big")
        public_key.verify(encode_dss_signature(r, s), data, _ECDSA)
        return
    raise KeyMismatchError(f"the signature method {method} does not fit the certificate's key")
