"""Enveloped XML-DSig signatures, and the gateway's signing keys.

A signature covers the whole document (`Reference URI=""`, the root carries no
`Id`), canonicalised with exclusive C14N, with RSA-SHA256 or ECDSA-P256-SHA256
depending on the key, and embeds the signing certificate and its chain in
`KeyInfo` so a receiver needs only its trust anchors. The signer holds several
keys and signs with the active one: a new key is added and made active while
the old one's certificate is still valid, so keys rotate with overlap.

The signature is built here with lxml and `cryptography` (`xmldsig`): the
document is copied once, canonicalised once, and the signature element is laid
out as signxml lays it out (an RSA signature is byte for byte signxml's; the
tests hold both to it, and xmlsec1 verifies what this signs).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from lxml import etree

from gateway.domain.frozen import frozen
from gateway.errors import ConfigError, SecurityError
from gateway.security.algorithms import C14N_EXCLUSIVE, DIGEST_SHA256, ENVELOPED
from gateway.security.pki import PrivateKey
from gateway.security.xmldsig import (
    DS,
    canonical,
    digest,
    fresh_copy,
    signature_method_of,
    signature_value,
)

__all__ = ["Signer", "SigningKey"]

_SIGNATURE = f"{{{DS}}}Signature"
_NSMAP = {"ds": DS}
KEY_SUFFIX = ".key.pem"
CERT_SUFFIX = ".cert.pem"


@frozen
class SigningKey:
    """A private key and its certificate chain (leaf first), known by an id such as `be-2026`."""

    key_id: str
    private_key: PrivateKey
    chain: tuple[x509.Certificate, ...]

    def __post_init__(self) -> None:
        if not self.chain:
            raise ConfigError("GW-PKI-KEY", "a signing key needs its certificate", self.key_id)
        if _spki(self.chain[0].public_key()) != _spki(self.private_key.public_key()):
            raise ConfigError(
                "GW-PKI-KEY", "the certificate does not belong to the private key", self.key_id
            )
        if isinstance(self.private_key, ec.EllipticCurvePrivateKey) and not isinstance(
            self.private_key.curve, ec.SECP256R1
        ):
            raise ConfigError("GW-PKI-KEY", "an EC signing key must be on P-256", self.key_id)

    @property
    def certificate(self) -> x509.Certificate:
        return self.chain[0]

    @property
    def signature_method(self) -> str:
        """The XML-DSig SignatureMethod URI of this key (RSA-SHA256 or ECDSA-SHA256)."""
        return signature_method_of(self.private_key)

    @classmethod
    def from_pem(cls, key_id: str, key_pem: bytes, chain_pem: bytes) -> SigningKey:
        try:
            key = serialization.load_pem_private_key(key_pem, password=None)
            chain = tuple(x509.load_pem_x509_certificates(chain_pem))
        except (ValueError, TypeError) as error:
            raise ConfigError("GW-PKI-KEY", f"cannot load the key: {error}", key_id) from None
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise ConfigError("GW-PKI-KEY", "only RSA and EC P-256 keys can sign", key_id)
        return cls(key_id=key_id, private_key=key, chain=chain)

    @classmethod
    def from_directory(cls, directory: Path) -> list[SigningKey]:
        """Every `<id>.key.pem` with its `<id>.cert.pem` (chain, leaf first) in a directory."""
        keys = []
        for key_file in sorted(directory.glob(f"*{KEY_SUFFIX}")):
            key_id = key_file.name.removesuffix(KEY_SUFFIX)
            cert_file = key_file.with_name(key_id + CERT_SUFFIX)
            try:
                key_pem, chain_pem = key_file.read_bytes(), cert_file.read_bytes()
            except OSError as error:
                raise ConfigError(
                    "GW-PKI-KEY",
                    f"cannot read the key or its certificate: {error.strerror}",
                    str(error.filename),
                ) from None
            keys.append(cls.from_pem(key_id, key_pem, chain_pem))
        return keys


class Signer:
    """Signs documents with the active key; the other keys stay available during a rotation."""

    def __init__(self, keys: Iterable[SigningKey], active: str) -> None:
        self._keys = {key.key_id: key for key in keys}
        if active not in self._keys:
            known = ", ".join(sorted(self._keys)) or "none"
            raise ConfigError(
                "GW-PKI-NO-ACTIVE-KEY", f"no signing key {active!r} (known: {known})", active
            )
        self._active = active
        self._certificate_texts = {
            key.key_id: tuple(_certificate_text(cert) for cert in key.chain)
            for key in self._keys.values()
        }

    @property
    def active_key(self) -> SigningKey:
        return self._keys[self._active]

    @property
    def keys(self) -> tuple[SigningKey, ...]:
        return tuple(self._keys.values())

    def sign(
        self, element: etree._Element, *, at: datetime, key_id: str | None = None
    ) -> etree._Element:
        """A signed copy of `element` (the input is left as it is).

        `at` is the signing time, normally the envelope's creation time: the
        gateway refuses to sign with a certificate that is not valid then.
        """
        if at.tzinfo is None:
            raise ValueError("the signing time must be timezone-aware")
        key = self._keys.get(key_id or self._active)
        if key is None:
            raise ConfigError("GW-PKI-NO-ACTIVE-KEY", f"no signing key {key_id!r}", str(key_id))
        certificate = key.certificate
        if not certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc:
            raise SecurityError(
                "GW-PKI-KEY-EXPIRED",
                f"the certificate of signing key {key.key_id!r} is not valid at {at.isoformat()} "
                f"(valid {certificate.not_valid_before_utc:%Y-%m-%d} to "
                f"{certificate.not_valid_after_utc:%Y-%m-%d})",
                key.key_id,
            )
        if element.get("Id") is not None or element.get("ID") is not None:
            # An Id invites a reference by URI="#id" (signxml's choice for such a root), which
            # verifiers must be told how to resolve and ours refuse: the profile signs URI="".
            raise SecurityError(
                "GW-SIG-ROOT-ID",
                "the element to sign must not carry an Id attribute: the signature covers it whole",
                str(element.tag),
            )
        if next(element.iter(_SIGNATURE), None) is not None:
            # A second signature would be refused by every verifier of ours (wrapping).
            raise SecurityError(
                "GW-SIG-ALREADY-SIGNED", "the element already holds a signature", str(element.tag)
            )
        try:
            return _signed(element, key, self._certificate_texts[key.key_id])
        except (etree.LxmlError, ValueError, TypeError) as error:
            raise SecurityError(
                "GW-SIG-SIGNING", f"cannot sign: {error}", str(element.tag)
            ) from None


def _signed(
    element: etree._Element, key: SigningKey, certificates: tuple[str, ...]
) -> etree._Element:
    """A copy of `element` with its enveloped signature as its last child."""
    signed = fresh_copy(element)
    reference_digest = digest(canonical(signed))
    signature = etree.SubElement(signed, _SIGNATURE, nsmap=_NSMAP)
    signed_info = etree.SubElement(signature, _ds("SignedInfo"))
    etree.SubElement(signed_info, _ds("CanonicalizationMethod"), Algorithm=C14N_EXCLUSIVE)
    etree.SubElement(signed_info, _ds("SignatureMethod"), Algorithm=key.signature_method)
    reference = etree.SubElement(signed_info, _ds("Reference"), URI="")
    transforms = etree.SubElement(reference, _ds("Transforms"))
    etree.SubElement(transforms, _ds("Transform"), Algorithm=ENVELOPED)
    etree.SubElement(transforms, _ds("Transform"), Algorithm=C14N_EXCLUSIVE)
    etree.SubElement(reference, _ds("DigestMethod"), Algorithm=DIGEST_SHA256)
    etree.SubElement(reference, _ds("DigestValue")).text = _b64(reference_digest)
    value = etree.SubElement(signature, _ds("SignatureValue"))
    x509_data = etree.SubElement(etree.SubElement(signature, _ds("KeyInfo")), _ds("X509Data"))
    for text in certificates:
        etree.SubElement(x509_data, _ds("X509Certificate")).text = text
    # SignedInfo is canonicalised in its place, as a verifier will find it.
    value.text = _b64(signature_value(key.private_key, canonical(signed_info)))
    return signed


def _ds(name: str) -> str:
    return f"{{{DS}}}{name}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _certificate_text(certificate: x509.Certificate) -> str:
    """The base64 body of the PEM form, line breaks kept, as signxml writes it."""
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
    return pem.split("-----\n", 1)[1].rsplit("-----END", 1)[0]


def _spki(public_key: CertificatePublicKeyTypes) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
