"""Verify an enveloped XML-DSig signature and return only what it signed.

The checks run from the cheapest to the dearest, and each failure has its own
code: where the signature sits (exactly one, a child of the root, covering
the whole document: anything else is how signature wrapping starts), which
algorithms it uses (SHA-256 with RSA or ECDSA P-256 only), whether the
embedded certificate was valid at the signing time `at`, chains to an anchor
of the trust store for the party it names, is not revoked, names the
expected peer, and finally whether the signature and digest hold.

What comes back is signxml's re-parsed canonical copy of the signed
element, never the document passed in: the caller reads only that, so
nothing that was not signed can be acted on.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import verification
from lxml import etree
from signxml.algorithms import DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput, SignXMLException
from signxml.verifier import SignatureConfiguration, XMLVerifier

from gateway.errors import SecurityError
from gateway.security.algorithms import (
    ALLOWED_TRANSFORMS,
    C14N_EXCLUSIVE,
    DIGEST_SHA256,
    ENVELOPED,
    SIGNATURE_METHODS,
)
from gateway.security.identity import PeerId, peer_of_certificate
from gateway.security.trust import TrustStore

__all__ = ["DS", "Verified", "Verifier"]

DS = "http://www.w3.org/2000/09/xmldsig#"
_NS = {"ds": DS}
_SIGNATURE = f"{{{DS}}}Signature"
_SHA256 = hashes.SHA256()
_CHAIN_CACHE_SIZE = 1024

_EXPECTED = SignatureConfiguration(
    location="./",  # a child of the root, nowhere else
    expect_references=1,
    signature_methods=frozenset({SignatureMethod.RSA_SHA256, SignatureMethod.ECDSA_SHA256}),
    digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Verified:
    """The signed element (a fresh copy: read this, nothing else), who signed it, with what."""

    element: etree._Element
    signer: PeerId
    certificate: x509.Certificate


class Verifier:
    """Checks signatures against a trust store; one instance serves any number of documents."""

    def __init__(self, trust: TrustStore, *, max_chain_depth: int = 4) -> None:
        self._trust = trust
        self._max_chain_depth = max_chain_depth
        # Chains already built, by party and certificates. Path building depends on
        # time only through validity periods, re-checked on every use; revocation
        # is checked on every use too. The store never changes under a Verifier.
        self._chains: dict[tuple[str | bytes, ...], tuple[x509.Certificate, ...]] = {}

    def verify(
        self, document: etree._Element, *, expected: PeerId | None, at: datetime
    ) -> Verified:
        """Verify `document` as signed at `at` by `expected` (any trusted peer when None).

        `at` is the envelope's creation time given by the caller; the caller
        must itself check that this time is close to the time of receipt.
        """
        if at.tzinfo is None:
            raise ValueError("the signing time must be timezone-aware")
        signature = _the_signature(document)
        _check_algorithms(signature)
        leaf, intermediates = _certificates(signature)
        _check_validity((leaf, *intermediates), at)
        claimed = peer_of_certificate(leaf)
        chain = self._chain_for(leaf, intermediates, claimed, at)
        for certificate in chain:
            if self._trust.is_revoked(certificate):
                raise SecurityError(
                    "GW-SIG-REVOKED",
                    f"the certificate {certificate.subject.rfc4514_string()} "
                    f"(serial {certificate.serial_number:x}) is revoked",
                    "Signature/KeyInfo",
                )
        if expected is not None and claimed != expected:
            raise SecurityError(
                "GW-SIG-WRONG-SIGNER",
                f"signed by {claimed}, expected {expected}",
                "Signature/KeyInfo",
            )
        signed = _check_signature(document, leaf, at)
        return Verified(element=signed, signer=claimed, certificate=leaf)

    def _chain_for(
        self,
        leaf: x509.Certificate,
        intermediates: tuple[x509.Certificate, ...],
        claimed: PeerId,
        at: datetime,
    ) -> tuple[x509.Certificate, ...]:
        key: tuple[str | bytes, ...] = (
            claimed.party,
            *(cert.fingerprint(_SHA256) for cert in (leaf, *intermediates)),
        )
        chain = self._chains.get(key)
        if chain is None or not all(
            cert.not_valid_before_utc <= at <= cert.not_valid_after_utc for cert in chain
        ):
            chain = tuple(self._check_chain(leaf, intermediates, claimed, at))
            if len(self._chains) >= _CHAIN_CACHE_SIZE:
                del self._chains[next(iter(self._chains))]
            self._chains[key] = chain
        return chain

    def _check_chain(
        self,
        leaf: x509.Certificate,
        intermediates: tuple[x509.Certificate, ...],
        claimed: PeerId,
        at: datetime,
    ) -> list[x509.Certificate]:
        anchors = self._trust.anchors_for(claimed.party)
        if not anchors:
            raise SecurityError(
                "GW-SIG-UNTRUSTED",
                f"the trust store has no CA for {claimed.party}",
                "Signature/KeyInfo",
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
                f"the signing certificate does not chain to a CA trusted for "
                f"{claimed.party}: {error}",
                "Signature/KeyInfo",
            ) from None
        return list(verified.chain)


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


def _the_signature(document: etree._Element) -> etree._Element:
    signatures = list(document.iter(_SIGNATURE))
    if not signatures:
        raise SecurityError("GW-SIG-MISSING", "the message is not signed", document.tag)
    if len(signatures) > 1:
        raise SecurityError(
            "GW-SIG-WRAPPING",
            f"the message holds {len(signatures)} signatures; exactly one is allowed",
            document.getroottree().getpath(signatures[1]),
        )
    signature = signatures[0]
    if signature.getparent() is not document:
        raise SecurityError(
            "GW-SIG-WRAPPING",
            "the signature is not a child of the root element",
            document.getroottree().getpath(signature),
        )
    references = signature.findall("ds:SignedInfo/ds:Reference", _NS)
    if len(references) != 1 or references[0].get("URI") != "":
        uris = [reference.get("URI") for reference in references]
        raise SecurityError(
            "GW-SIG-WRAPPING",
            f'the signature must have one reference to the whole document (URI=""), has {uris}',
            "Signature/SignedInfo/Reference",
        )
    return signature


def _check_algorithms(signature: etree._Element) -> None:
    def algorithm(path: str) -> str:
        found = signature.find(path, _NS)
        if found is None:
            raise SecurityError("GW-SIG-MALFORMED", f"the signature has no {path}", path)
        return found.get("Algorithm", "")

    used = {
        "SignedInfo/CanonicalizationMethod": (
            algorithm("ds:SignedInfo/ds:CanonicalizationMethod"),
            {C14N_EXCLUSIVE},
        ),
        "SignedInfo/SignatureMethod": (
            algorithm("ds:SignedInfo/ds:SignatureMethod"),
            SIGNATURE_METHODS,
        ),
        "SignedInfo/Reference/DigestMethod": (
            algorithm("ds:SignedInfo/ds:Reference/ds:DigestMethod"),
            {DIGEST_SHA256},
        ),
    }
    transforms = signature.findall("ds:SignedInfo/ds:Reference/ds:Transforms/ds:Transform", _NS)
    for transform in transforms:
        used["SignedInfo/Reference/Transforms"] = (
            transform.get("Algorithm", ""),
            ALLOWED_TRANSFORMS,
        )
    for path, (uri, allowed) in used.items():
        if uri not in allowed:
            raise SecurityError(
                "GW-SIG-ALGORITHM", f"algorithm {uri or '(none)'} is not accepted", path
            )
    if ENVELOPED not in {transform.get("Algorithm") for transform in transforms}:
        raise SecurityError(
            "GW-SIG-ALGORITHM",
            "the signature is not enveloped (no enveloped-signature transform)",
            "SignedInfo/Reference/Transforms",
        )


def _certificates(
    signature: etree._Element,
) -> tuple[x509.Certificate, tuple[x509.Certificate, ...]]:
    path = "ds:KeyInfo/ds:X509Data/ds:X509Certificate"
    try:
        certificates = [
            x509.load_der_x509_certificate(base64.b64decode(node.text or "", validate=False))
            for node in signature.findall(path, _NS)
        ]
    except (ValueError, binascii.Error) as error:
        raise SecurityError(
            "GW-SIG-MALFORMED", f"an embedded certificate cannot be read: {error}", path
        ) from None
    if not certificates:
        raise SecurityError(
            "GW-SIG-NO-CERTIFICATE", "the signature does not embed its certificate", path
        )
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
            "GW-SIG-UNTRUSTED", "the embedded certificates do not form one chain", path
        )
    leaf = leaves[0]
    return leaf, tuple(cert for cert in certificates if cert is not leaf)


def _check_validity(certificates: tuple[x509.Certificate, ...], at: datetime) -> None:
    for certificate in certificates:
        if at < certificate.not_valid_before_utc:
            raise SecurityError(
                "GW-SIG-NOT-YET-VALID",
                f"the certificate {certificate.subject.rfc4514_string()} is valid only from "
                f"{certificate.not_valid_before_utc:%Y-%m-%d %H:%M}Z, after the signing time {at}",
                "Signature/KeyInfo",
            )
        if at > certificate.not_valid_after_utc:
            raise SecurityError(
                "GW-SIG-EXPIRED",
                f"the certificate {certificate.subject.rfc4514_string()} expired "
                f"{certificate.not_valid_after_utc:%Y-%m-%d %H:%M}Z, before the signing time {at}",
                "Signature/KeyInfo",
            )


def _check_signature(
    document: etree._Element, certificate: x509.Certificate, at: datetime
) -> etree._Element:
    config = SignatureConfiguration(
        location=_EXPECTED.location,
        expect_references=_EXPECTED.expect_references,
        signature_methods=_EXPECTED.signature_methods,
        digest_algorithms=_EXPECTED.digest_algorithms,
        verification_time=at,
    )
    try:
        result = XMLVerifier().verify(document, x509_cert=certificate, expect_config=config)
    except InvalidDigest:
        raise SecurityError(
            "GW-SIG-INVALID", "the content was changed after it was signed", "Signature/SignedInfo"
        ) from None
    except InvalidCertificate as error:
        raise SecurityError("GW-SIG-UNTRUSTED", str(error), "Signature/KeyInfo") from None
    except InvalidInput as error:
        raise SecurityError("GW-SIG-MALFORMED", str(error), "Signature") from None
    except SignXMLException as error:
        raise SecurityError(
            "GW-SIG-INVALID", f"the signature does not hold: {error}", "Signature/SignatureValue"
        ) from None
    signed = result.signed_xml if not isinstance(result, list) else None
    if signed is None:
        raise SecurityError("GW-SIG-INVALID", "the signed data is not XML", "Signature")
    return signed
