"""Signing and verification: the round trip, and every attack refused with its own code."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from lxml import etree
from pki import EURODAC, FR, NL, GeneratedPki
from signature_spoils import any_algorithm_signer
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.signer import XMLSigner

from gateway.errors import ConfigError, SecurityError
from gateway.security.pki import Issued
from gateway.security.trust import TrustStore
from gateway.security.verifier import DS, Verifier

MESSAGE = b"""<m:Message xmlns:m="urn:eu-gateway:test">
  <m:Header><m:MessageId>5b8f6c1e-2d4a-4f7e-9a51-0c3e8d2b7f10</m:MessageId></m:Header>
  <m:Body><m:Decision>accept</m:Decision></m:Body>
</m:Message>"""
M = "{urn:eu-gateway:test}"


def message() -> etree._Element:
    return etree.fromstring(MESSAGE)


def signed_by(pki: GeneratedPki, issued: Issued) -> etree._Element:
    return pki.signer(issued).sign(message(), at=pki.now)


def refused(pki: GeneratedPki, document: etree._Element, **kwargs: object) -> str:
    options: dict[str, object] = {"expected": NL, "at": pki.now, **kwargs}
    with pytest.raises(SecurityError) as caught:
        Verifier(pki.trust).verify(document, **options)  # type: ignore[arg-type]
    return caught.value.code


@pytest.mark.parametrize("which", ["nl", "nl_ec", "nl_via_intermediate"])
def test_a_signed_message_verifies_and_only_the_signed_element_comes_back(
    pki: GeneratedPki, which: str
) -> None:
    issued = getattr(pki, which)
    document = signed_by(pki, issued)
    verified = Verifier(pki.trust).verify(document, expected=NL, at=pki.now)
    assert verified.signer == NL
    assert verified.certificate == issued.certificate
    assert verified.element is not document
    assert verified.element.find(f"{{{DS}}}Signature") is None
    assert verified.element.findtext(f"{M}Body/{M}Decision") == "accept"
    assert etree.tostring(verified.element, method="c14n") == etree.tostring(
        message(), method="c14n"
    )


def test_the_signature_has_the_agreed_shape(pki: GeneratedPki) -> None:
    signature = signed_by(pki, pki.nl_ec).find(f"{{{DS}}}Signature")
    assert signature is not None
    ns = {"ds": DS}
    assert signature.xpath("string(ds:SignedInfo/ds:Reference/@URI)", namespaces=ns) == ""
    assert signature.xpath(
        "string(ds:SignedInfo/ds:CanonicalizationMethod/@Algorithm)", namespaces=ns
    ) == ("http://www.w3.org/2001/10/xml-exc-c14n#")
    assert signature.xpath(
        "string(ds:SignedInfo/ds:SignatureMethod/@Algorithm)", namespaces=ns
    ).endswith("#ecdsa-sha256")
    assert len(signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", ns)) == 1


def test_the_validity_is_judged_at_the_signing_time(pki: GeneratedPki) -> None:
    # Signed while the certificate was valid: still good when verified later.
    during = pki.expired.certificate.not_valid_before_utc + timedelta(days=1)
    document = pki.signer(pki.expired).sign(message(), at=during)
    assert Verifier(pki.trust).verify(document, expected=NL, at=during).signer == NL
    assert refused(pki, document, at=pki.now) == "GW-SIG-EXPIRED"


def test_an_unsigned_message_is_refused(pki: GeneratedPki) -> None:
    assert refused(pki, message()) == "GW-SIG-MISSING"


def test_content_changed_after_signing_is_refused(pki: GeneratedPki) -> None:
    document = signed_by(pki, pki.nl)
    decision = document.find(f"{M}Body/{M}Decision")
    assert decision is not None
    decision.text = "reject"
    assert refused(pki, document) == "GW-SIG-INVALID"


def test_a_signed_message_moved_into_a_forged_one_is_refused(pki: GeneratedPki) -> None:
    # The classic wrapping: the genuine signed message rides inside a forged
    # document whose own content is what a careless reader would act on.
    genuine = signed_by(pki, pki.nl)
    forged = message()
    decision = forged.find(f"{M}Body/{M}Decision")
    assert decision is not None
    decision.text = "reject"
    etree.SubElement(forged, f"{M}Extension").append(genuine)
    assert refused(pki, forged) == "GW-SIG-WRAPPING"


def test_a_duplicated_signed_element_is_refused(pki: GeneratedPki) -> None:
    # The forged root carries a copy of the genuine signature as its own, and
    # the genuine message (with its signature) hidden further down.
    genuine = signed_by(pki, pki.nl)
    forged = copy.deepcopy(genuine)
    decision = forged.find(f"{M}Body/{M}Decision")
    assert decision is not None
    decision.text = "reject"
    etree.SubElement(forged, f"{M}Extension").append(copy.deepcopy(genuine))
    assert refused(pki, forged) == "GW-SIG-WRAPPING"


def test_a_signature_over_part_of_the_document_is_refused(pki: GeneratedPki) -> None:
    document = etree.fromstring(
        b'<m:Message xmlns:m="urn:eu-gateway:test"><m:Body Id="body">x</m:Body></m:Message>'
    )
    signed = XMLSigner(
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0
    ).sign(document, key=pki.nl.private_key, cert=[pki.nl.certificate], reference_uri="#body")
    assert refused(pki, signed) == "GW-SIG-WRAPPING"


def test_a_signature_by_an_untrusted_ca_is_refused(pki: GeneratedPki) -> None:
    assert refused(pki, signed_by(pki, pki.untrusted)) == "GW-SIG-UNTRUSTED"


def test_a_ca_trusted_for_one_party_does_not_vouch_for_another(pki: GeneratedPki) -> None:
    trust = TrustStore.checked(
        anchors={"NL": [pki.root.certificate], "FR": [pki.rogue_root.certificate]}
    )
    with pytest.raises(SecurityError) as caught:
        Verifier(trust).verify(signed_by(pki, pki.fr), expected=FR, at=pki.now)
    assert caught.value.code == "GW-SIG-UNTRUSTED"


def test_an_expired_certificate_is_refused(pki: GeneratedPki) -> None:
    during = pki.expired.certificate.not_valid_before_utc + timedelta(days=1)
    document = pki.signer(pki.expired).sign(message(), at=during)
    assert refused(pki, document, at=pki.now) == "GW-SIG-EXPIRED"


def test_a_signing_time_before_the_certificate_is_refused(pki: GeneratedPki) -> None:
    document = signed_by(pki, pki.nl)
    early = pki.nl.certificate.not_valid_before_utc - timedelta(days=1)
    assert refused(pki, document, at=early) == "GW-SIG-NOT-YET-VALID"


def test_a_revoked_certificate_is_refused(pki: GeneratedPki) -> None:
    assert refused(pki, signed_by(pki, pki.revoked)) == "GW-SIG-REVOKED"


@pytest.mark.parametrize(
    ("method", "digest"),
    [
        (SignatureMethod.RSA_SHA1, DigestAlgorithm.SHA256),
        (SignatureMethod.RSA_SHA256, DigestAlgorithm.SHA1),
    ],
)
def test_a_sha1_signature_is_refused(
    pki: GeneratedPki, method: SignatureMethod, digest: DigestAlgorithm
) -> None:
    signed = any_algorithm_signer(method, digest).sign(
        message(), key=pki.nl.private_key, cert=[pki.nl.certificate]
    )
    assert refused(pki, signed) == "GW-SIG-ALGORITHM"


def test_inclusive_canonicalisation_is_refused(pki: GeneratedPki) -> None:
    signed = XMLSigner(c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_1).sign(
        message(), key=pki.nl.private_key, cert=[pki.nl.certificate]
    )
    assert refused(pki, signed) == "GW-SIG-ALGORITHM"


def test_a_message_signed_by_another_peer_is_refused(pki: GeneratedPki) -> None:
    assert refused(pki, signed_by(pki, pki.fr)) == "GW-SIG-WRONG-SIGNER"
    assert refused(pki, signed_by(pki, pki.eurodac)) == "GW-SIG-WRONG-SIGNER"


def test_without_an_expected_peer_the_signer_is_reported(pki: GeneratedPki) -> None:
    verified = Verifier(pki.trust).verify(signed_by(pki, pki.eurodac), expected=None, at=pki.now)
    assert verified.signer == EURODAC


def test_a_signature_without_its_certificate_is_refused(pki: GeneratedPki) -> None:
    document = signed_by(pki, pki.nl)
    key_info = document.find(f"{{{DS}}}Signature/{{{DS}}}KeyInfo")
    assert key_info is not None
    key_info.getparent().remove(key_info)  # type: ignore[union-attr]
    assert refused(pki, document) == "GW-SIG-NO-CERTIFICATE"


def test_keys_rotate_with_overlap(pki: GeneratedPki) -> None:
    old_active = pki.signer(pki.nl, pki.nl_next, active=0)
    new_active = pki.signer(pki.nl, pki.nl_next, active=1)
    verifier = Verifier(pki.trust)
    before = verifier.verify(old_active.sign(message(), at=pki.now), expected=NL, at=pki.now)
    after = verifier.verify(new_active.sign(message(), at=pki.now), expected=NL, at=pki.now)
    assert before.certificate == pki.nl.certificate
    assert after.certificate == pki.nl_next.certificate
    by_id = new_active.sign(message(), at=pki.now, key_id="key-0")
    assert verifier.verify(by_id, expected=NL, at=pki.now).certificate == pki.nl.certificate


def test_the_signer_refuses_an_unknown_active_key_and_an_expired_certificate(
    pki: GeneratedPki,
) -> None:
    with pytest.raises(ConfigError) as caught:
        pki.signer(pki.nl, active=3)
    assert caught.value.code == "GW-PKI-NO-ACTIVE-KEY"
    with pytest.raises(SecurityError) as refused_signing:
        pki.signer(pki.expired).sign(message(), at=pki.now)
    assert refused_signing.value.code == "GW-PKI-KEY-EXPIRED"


def test_the_signer_refuses_a_root_with_an_id(pki: GeneratedPki) -> None:
    document = message()
    document.set("Id", "m1")
    with pytest.raises(SecurityError) as caught:
        pki.signer(pki.nl).sign(document, at=pki.now)
    assert caught.value.code == "GW-SIG-ROOT-ID"


def test_signing_leaves_the_input_alone(pki: GeneratedPki) -> None:
    document = message()
    before = etree.tostring(document)
    pki.signer(pki.nl).sign(document, at=pki.now)
    assert etree.tostring(document) == before


def test_a_reused_verifier_still_judges_validity_at_each_signing_time(pki: GeneratedPki) -> None:
    verifier = Verifier(pki.trust)
    during = pki.expired.certificate.not_valid_before_utc + timedelta(days=1)
    document = pki.signer(pki.expired).sign(message(), at=during)
    assert verifier.verify(document, expected=NL, at=during).signer == NL
    with pytest.raises(SecurityError) as caught:
        verifier.verify(document, expected=NL, at=pki.now)
    assert caught.value.code == "GW-SIG-EXPIRED"
    before_root = pki.root.certificate.not_valid_before_utc - timedelta(days=1)
    with pytest.raises(SecurityError) as too_early:
        verifier.verify(document, expected=NL, at=before_root)
    assert too_early.value.code == "GW-SIG-NOT-YET-VALID"


def test_a_signing_time_without_a_zone_is_a_programming_error(pki: GeneratedPki) -> None:
    naive = pki.now.replace(tzinfo=None)
    with pytest.raises(ValueError, match="timezone-aware"):
        pki.signer(pki.nl).sign(message(), at=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        Verifier(pki.trust).verify(signed_by(pki, pki.nl), expected=NL, at=naive)


def test_a_reused_verifier_refuses_a_revoked_signer_every_time(pki: GeneratedPki) -> None:
    verifier = Verifier(pki.trust)
    document = signed_by(pki, pki.revoked)
    for _ in range(2):
        with pytest.raises(SecurityError) as caught:
            verifier.verify(document, expected=NL, at=pki.now)
        assert caught.value.code == "GW-SIG-REVOKED"


def test_a_signing_key_other_than_rsa_or_p256_is_refused(pki: GeneratedPki) -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "NL P-384")]))
        .issuer_name(pki.root.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(pki.now - timedelta(hours=1))
        .not_valid_after(pki.now + timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(NL.uri)]), False)
        .sign(pki.root.private_key, hashes.SHA256())
    )
    signed = XMLSigner(
        signature_algorithm=SignatureMethod.ECDSA_SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    ).sign(message(), key=key, cert=[certificate])
    assert refused(pki, signed) == "GW-SIG-ALGORITHM"


def test_the_signer_refuses_to_sign_twice(pki: GeneratedPki) -> None:
    signed = signed_by(pki, pki.nl)
    with pytest.raises(SecurityError) as caught:
        pki.signer(pki.fr).sign(signed, at=pki.now)
    assert caught.value.code == "GW-SIG-ALREADY-SIGNED"


def _reparsed(document: etree._Element, replace: tuple[bytes, bytes] = (b"", b"")) -> bytes:
    """The signed document as bytes, with `replace` applied after signing."""
    return etree.tostring(document).replace(*replace)


@pytest.mark.parametrize(
    ("spoil", "path"),
    [
        # Exclusive C14N drops comments: the signature still holds, a reader of the stored
        # bytes would see only the text before the comment.
        ((b">accept<", b">acc<!--x-->ept<"), "comment()"),
        ((b">accept<", b">acc<?pi x?>ept<"), "processing-instruction('pi')"),
    ],
)
def test_a_comment_or_instruction_put_into_signed_text_is_refused(
    pki: GeneratedPki, spoil: tuple[bytes, bytes], path: str
) -> None:
    spoiled = etree.fromstring(_reparsed(signed_by(pki, pki.nl), spoil))
    with pytest.raises(SecurityError) as caught:
        Verifier(pki.trust).verify(spoiled, expected=NL, at=pki.now)
    assert caught.value.code == "GW-SIG-UNSIGNED"
    assert caught.value.path is not None
    assert caught.value.path.endswith(f"Decision/{path}")


def test_a_comment_before_the_root_is_refused(pki: GeneratedPki) -> None:
    body = b"<!-- not signed -->" + _reparsed(signed_by(pki, pki.nl))
    document = etree.fromstring(body).getroottree().getroot()
    assert refused(pki, document) == "GW-SIG-UNSIGNED"


def test_unsigned_content_in_the_signature_is_refused(pki: GeneratedPki) -> None:
    document = signed_by(pki, pki.nl)
    signature = document.find(f"{{{DS}}}Signature")
    assert signature is not None
    extra = etree.SubElement(signature, f"{{{DS}}}Object")
    etree.SubElement(extra, f"{M}Decision").text = "reject"
    assert refused(pki, etree.fromstring(etree.tostring(document))) == "GW-SIG-UNSIGNED"


@pytest.mark.parametrize(
    "spoil",
    [(b"", b""), (b">accept<", b">reject<"), (b">accept<", b">acc<!--x-->ept<")],
    ids=["intact", "changed", "comment"],
)
def test_a_document_handed_over_is_judged_as_its_copy_would_be(
    pki: GeneratedPki, spoil: tuple[bytes, bytes]
) -> None:
    """Inbound hands the tree it parsed to the verifier (no copy): the same verdict, the same
    signed element, and the caller's own tree untouched when it is not handed over."""
    body = _reparsed(signed_by(pki, pki.nl), spoil)
    verifier = Verifier(pki.trust)

    def verdict(handed_over: bool) -> str:
        document = etree.fromstring(body)
        try:
            verified = verifier.verify(document, expected=NL, at=pki.now, handed_over=handed_over)
        except SecurityError as error:
            return error.code
        assert (verified.element is document) is handed_over
        assert etree.tostring(document) == body or handed_over  # a copy leaves it as it was
        return etree.tostring(verified.element, method="c14n").decode()

    assert verdict(handed_over=True) == verdict(handed_over=False)
