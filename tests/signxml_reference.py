"""The gateway's verifier as it was before the lean path: its checks, then signxml.

Kept as a reference for the tests (tests/unit/test_signature_reference.py): the
lean verifier must accept and refuse what this one does, and return the same
signed element. This is `gateway/security/verifier.py` of the commit before,
renamed `ReferenceVerifier`; its module text follows.


The checks run from the cheapest to the dearest, and each failure has its own
code: where the signature sits (exactly one, a child of the root, covering
the whole document: anything else is how signature wrapping starts), which
algorithms it uses (SHA-256 with RSA or ECDSA P-256 only), whether the
embedded certificate was valid at the signing time `at`, chains to an anchor
of the trust store for the party it names and is not revoked (`chain`),
names the expected peer, and finally whether the signature and digest hold.

What comes back is signxml's re-parsed canonical copy of the signed
element, never the document passed in: the caller reads only that, so
nothing that was not signed can be acted on. Nothing unsigned may ride along
either: exclusive C14N drops comments and processing instructions, so a
comment put into signed text after signing (`HAD<!--x-->DAD`) would still
verify while a later reading of the stored bytes saw `HAD`; such a document
is refused, and so is a signature carrying a `ds:Object` or anything else
beyond its signed info, value and key info (GW-SIG-UNSIGNED).
"""

from __future__ import annotations

from datetime import datetime

from cryptography import x509
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
from gateway.security.chain import SignerCheck
from gateway.security.identity import PeerId
from gateway.security.trust import TrustStore
from gateway.security.verifier import Verified

__all__ = ["ReferenceVerifier"]

DS = "http://www.w3.org/2000/09/xmldsig#"
_NS = {"ds": DS}
_SIGNATURE = f"{{{DS}}}Signature"
_SIGNATURE_PARTS = frozenset(
    f"{{{DS}}}{part}" for part in ("SignedInfo", "SignatureValue", "KeyInfo")
)
_CERTIFICATES = "ds:KeyInfo/ds:X509Data/ds:X509Certificate"

_EXPECTED = SignatureConfiguration(
    location="./",  # a child of the root, nowhere else
    expect_references=1,
    signature_methods=frozenset({SignatureMethod.RSA_SHA256, SignatureMethod.ECDSA_SHA256}),
    digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
)


class ReferenceVerifier:
    """Checks signatures against a trust store; one instance serves any number of documents."""

    def __init__(self, trust: TrustStore, *, max_chain_depth: int = 4) -> None:
        self._signers = SignerCheck(trust, max_chain_depth=max_chain_depth)

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
        _nothing_unsigned(document, signature)
        _check_algorithms(signature)
        texts = [node.text or "" for node in signature.findall(_CERTIFICATES, _NS)]
        signer = self._signers.vet(texts, at)
        if expected is not None and signer.peer != expected:
            raise SecurityError(
                "GW-SIG-WRONG-SIGNER",
                f"signed by {signer.peer}, expected {expected}",
                "Signature/KeyInfo",
            )
        signed = _check_signature(document, signer.leaf, at)
        return Verified(element=signed, signer=signer.peer, certificate=signer.leaf)


def _the_signature(document: etree._Element) -> etree._Element:
    signatures = list(document.iter(_SIGNATURE))
    if not signatures:
        raise SecurityError("GW-SIG-MISSING", "the message is not signed", str(document.tag))
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
    for part in ("ds:SignedInfo", "ds:SignatureValue"):
        found = signature.find(part, _NS)
        if found is None or (part == "ds:SignatureValue" and not (found.text or "").strip()):
            raise SecurityError(
                "GW-SIG-MALFORMED", f"the signature has no {part.removeprefix('ds:')}", part
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


def _nothing_unsigned(document: etree._Element, signature: etree._Element) -> None:
    """No comment or processing instruction anywhere (the prolog included), and nothing in
    the signature but what it is made of: what is stored is then what was signed."""
    outside = [*document.itersiblings(preceding=True), *document.itersiblings()]
    inside = document.iter(etree.Comment, etree.ProcessingInstruction)
    for node in (*outside, *inside):
        kind = "comment" if isinstance(node, etree._Comment) else "processing instruction"
        where = "outside the root element" if node in outside else node.getroottree().getpath(node)
        raise SecurityError(
            "GW-SIG-UNSIGNED",
            f"the document holds a {kind}, which the signature does not cover",
            where,
        )
    for part in signature.iterchildren():
        if part.tag not in _SIGNATURE_PARTS:
            raise SecurityError(
                "GW-SIG-UNSIGNED",
                f"the signature carries {etree.QName(part).localname}, which it does not sign",
                document.getroottree().getpath(part),
            )


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
    except (etree.LxmlError, ValueError, TypeError) as error:
        # signxml lets these through on malformed signatures (schema, base64, lengths).
        raise SecurityError(
            "GW-SIG-MALFORMED", f"the signature cannot be read: {error}", "Signature"
        ) from None
    signed = result.signed_xml if not isinstance(result, list) else None
    if signed is None:
        raise SecurityError("GW-SIG-INVALID", "the signed data is not XML", "Signature")
    return signed
