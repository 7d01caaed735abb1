"""Who signed: the certificates embedded in a signature, vetted against the trust store.

`SignerCheck.vet` reads the `X509Certificate` elements, finds the leaf,
checks every certificate's validity at the signing time, reads the peer the
leaf names, builds the chain to an anchor trusted for that peer's party
(`cryptography.x509.verification`), and refuses any certificate of the chain
that a revocation list of the store names.

A vetted signer is remembered by its certificates' text: the trust store never
changes under a checker, so chain and revocation stay as they were, and only
the validity at each new signing time is checked again.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import field
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509 import verification

from gateway.domain.frozen import frozen
from gateway.errors import SecurityError
from gateway.security.identity import PeerId, peer_of_certificate
from gateway.security.trust import TrustStore

__all__ = ["SignerCheck", "VettedSigner"]

_WHERE = "Signature/KeyInfo"
_CACHE_SIZE = 1024


@frozen
class VettedSigner:
    peer: PeerId
    leaf: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # leaf first, anchor last
    # Read once from the certificates, not again for every signature:
    public_key: CertificatePublicKeyTypes = field(init=False, repr=False, compare=False)
    spki: bytes = field(init=False, repr=False, compare=False)  # DER SubjectPublicKeyInfo
    valid_from: datetime = field(init=False, repr=False, compare=False)  # the whole chain's
    valid_until: datetime = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        public_key = self.leaf.public_key()
        spki = public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        object.__setattr__(self, "public_key", public_key)
        object.__setattr__(self, "spki", spki)
        object.__setattr__(self, "valid_from", max(c.not_valid_before_utc for c in self.chain))
        object.__setattr__(self, "valid_until", min(c.not_valid_after_utc for c in self.chain))

    def valid_at(self, at: datetime) -> bool:
        return self.valid_from <= at <= self.valid_until


class SignerCheck:
    """Vets the certificates of signatures against one trust store."""

    def __init__(self, trust: TrustStore, *, max_chain_depth: int = 4) -> None:
        self._trust = trust
        self._max_chain_depth = max_chain_depth
        self._vetted: dict[tuple[str, ...], VettedSigner] = {}

    def vet(self, certificate_texts: Sequence[str], at: datetime) -> VettedSigner:
        """The signer the base64 certificates describe, or the SecurityError saying why not."""
        key = tuple(certificate_texts)
        known = self._vetted.get(key)
        if known is not None and known.valid_at(at):
            return known
        leaf, intermediates = _parse(key)
        _check_validity((leaf, *intermediates), at)
        _check_key(leaf)
        peer = peer_of_certificate(leaf)
        chain = self._build_chain(leaf, intermediates, peer, at)
        for certificate in chain:
            if self._trust.is_revoked(certificate):
                raise SecurityError(
                    "GW-SIG-REVOKED",
                    f"the certificate {certificate.subject.rfc4514_string()} "
                    f"(serial {certificate.serial_number:x}) is revoked",
                    _WHERE,
                )
        vetted = VettedSigner(peer=peer, leaf=leaf, chain=chain)
        if len(self._vetted) >= _CACHE_SIZE:
            # pop, not del: another worker thread may have dropped the same entry
            self._vetted.pop(next(iter(self._vetted)), None)
        self._vetted[key] = vetted
        return vetted

    def _build_chain(
        self,
        leaf: x509.Certificate,
        intermediates: tuple[x509.Certificate, ...],
        peer: PeerId,
        at: datetime,
    ) -> tuple[x509.Certificate, ...]:
        anchors = self._trust.anchors_for(peer.party)
        if not anchors:
            raise SecurityError(
                "GW-SIG-UNTRUSTED", f"the trust store has no CA for {peer.party}", _WHERE
            )
        builder = (
            verification.PolicyBuilder()
            .store(verification.Store(list(anchors)))
            .time(at)
            .max_chain_depth(self._max_chain_depth)
            .extension_policies(ee_policy=_SIGNING_CERT_POLICY, ca_policy=_CA_POLICY)
        )
        try:
            verified = builder.build_client_verifier().verify(leaf, list(intermediates))
        except verification.VerificationError as error:
            raise SecurityError(
                "GW-SIG-UNTRUSTED",
                f"the signing certificate does not chain to a CA trusted for {peer.party}: {error}",
                _WHERE,
            ) from None
        return tuple(verified.chain)


def _require_digital_signature(
    _policy: verification.Policy, _cert: x509.Certificate, usage: x509.KeyUsage | None
) -> None:
    if usage is None or not usage.digital_signature:
        raise ValueError("the certificate's key usage does not allow digital signatures")


# The signing certificate must allow signatures; web-PKI rules (server names,
# TLS purposes) do not apply to document signing. CAs follow web-PKI rules.
_SIGNING_CERT_POLICY = verification.ExtensionPolicy.permit_all().require_present(
    x509.KeyUsage, verification.Criticality.AGNOSTIC, _require_digital_signature
)
_CA_POLICY = verification.ExtensionPolicy.webpki_defaults_ca()


def _parse(texts: tuple[str, ...]) -> tuple[x509.Certificate, tuple[x509.Certificate, ...]]:
    if not texts:
        raise SecurityError(
            "GW-SIG-NO-CERTIFICATE", "the signature does not embed its certificate", _WHERE
        )
    try:
        certificates = [
            x509.load_der_x509_certificate(base64.b64decode(text, validate=False)) for text in texts
        ]
    except (ValueError, binascii.Error) as error:
        raise SecurityError(
            "GW-SIG-MALFORMED", f"an embedded certificate cannot be read: {error}", _WHERE
        ) from None
    # The spec implies no order: the leaf is the one certificate that issued none of the others.
    leaves = [
        candidate
        for candidate in certificates
        if not any(
            other.issuer == candidate.subject for other in certificates if other is not candidate
        )
    ]
    if len(leaves) != 1:
        raise SecurityError(
            "GW-SIG-UNTRUSTED", "the embedded certificates do not form one chain", _WHERE
        )
    leaf = leaves[0]
    return leaf, tuple(cert for cert in certificates if cert is not leaf)


def _check_key(leaf: x509.Certificate) -> None:
    """Only RSA of 2048 bits or more and EC P-256 keys sign for the gateway's peers."""
    key = leaf.public_key()
    if isinstance(key, rsa.RSAPublicKey) and key.key_size >= 2048:
        return
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return
    raise SecurityError(
        "GW-SIG-ALGORITHM",
        "the signing key is neither RSA of 2048 bits or more nor EC P-256",
        _WHERE,
    )


def _check_validity(certificates: tuple[x509.Certificate, ...], at: datetime) -> None:
    for certificate in certificates:
        if at < certificate.not_valid_before_utc:
            raise SecurityError(
                "GW-SIG-NOT-YET-VALID",
                f"the certificate {certificate.subject.rfc4514_string()} is valid only from "
                f"{certificate.not_valid_before_utc:%Y-%m-%d %H:%M}Z, after the signing time {at}",
                _WHERE,
            )
        if at > certificate.not_valid_after_utc:
            raise SecurityError(
                "GW-SIG-EXPIRED",
                f"the certificate {certificate.subject.rfc4514_string()} expired "
                f"{certificate.not_valid_after_utc:%Y-%m-%d %H:%M}Z, before the signing time {at}",
                _WHERE,
            )
