"""The signature profile read before any cryptography, and what the lean verifier guarantees.

`read_signature` has a one-pass reader for the usual layout and a careful one
for everything else: on every document, spoiled or not, the first gives up or
says what the second says. The rest are the profile's rules one by one, those
the lean path added or keeps from signxml's time, and the verifier's promise
to read only its own copy.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from pki import NL, GeneratedPki
from signature_spoils import SPOILS, messages
from signxml.algorithms import CanonicalizationMethod, SignatureMethod
from signxml.signer import XMLSigner
from signxml_reference import ReferenceVerifier

from gateway.errors import SecurityError
from gateway.messages import Message, build_element
from gateway.security import profile
from gateway.security.algorithms import C14N_EXCLUSIVE
from gateway.security.pki import Issued
from gateway.security.verifier import DS, Verifier

D = f"{{{DS}}}"
NS = {"ds": DS}
MESSAGE = b"""<m:Message xmlns:m="urn:eu-gateway:test">
  <m:Body><m:Decision>accept</m:Decision></m:Body>
</m:Message>"""


def signed(pki: GeneratedPki, issued: Issued | None = None) -> etree._Element:
    return pki.signer(issued or pki.nl).sign(etree.fromstring(MESSAGE), at=pki.now)


def code_of(pki: GeneratedPki, document: etree._Element) -> str:
    with pytest.raises(SecurityError) as caught:
        Verifier(pki.trust).verify(document, expected=NL, at=pki.now)
    return caught.value.code


def careful(document: etree._Element) -> profile.SignatureParts | str:
    try:
        return profile._careful(document, [])
    except SecurityError as error:
        return error.code


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(message=messages, data=st.data())
def test_the_one_pass_reader_gives_up_or_says_what_the_careful_one_says(
    pki: GeneratedPki, message: Message, data: st.DataObject
) -> None:
    issued = data.draw(st.sampled_from([pki.nl, pki.nl_ec]))
    document = pki.signer(issued).sign(build_element(message), at=pki.now)
    name = data.draw(st.sampled_from(sorted(SPOILS)))
    SPOILS[name](document, data.draw)
    plain = profile._plain(document)
    if name in {"nothing", "content text", "content attribute", "digest value"}:
        assert plain is not None, name  # the usual layout, whatever the values
    if plain is not None:
        assert plain == careful(document), name


def test_the_verifier_reads_its_own_copy_and_leaves_the_input_alone(pki: GeneratedPki) -> None:
    document = signed(pki)
    before = etree.tostring(document)
    verified = Verifier(pki.trust).verify(document, expected=NL, at=pki.now)
    assert etree.tostring(document) == before
    assert verified.element is not document
    assert verified.element.getparent() is None
    assert verified.element.find(f"{D}Signature") is None
    verified.element.find("{urn:eu-gateway:test}Body").clear()  # type: ignore[union-attr]
    assert etree.tostring(document) == before


def test_every_transform_is_on_the_allow_list_not_only_the_last(pki: GeneratedPki) -> None:
    # Before the lean path only the last transform's algorithm was looked at.
    document = signed(pki)
    transforms = document.find(f"{D}Signature/{D}SignedInfo/{D}Reference/{D}Transforms")
    assert transforms is not None
    xpath = etree.Element(f"{D}Transform", Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116")
    transforms.insert(0, xpath)
    assert code_of(pki, document) == "GW-SIG-ALGORITHM"


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("ds:SignedInfo/ds:CanonicalizationMethod", "http://www.w3.org/2001/10/xml-exc-c14n"),
        ("ds:SignedInfo/ds:CanonicalizationMethod", ""),
        ("ds:SignedInfo/ds:Reference/ds:DigestMethod", "http://www.w3.org/2001/04/xmlenc"),
        ("ds:SignedInfo/ds:Reference/ds:DigestMethod", ""),
        ("ds:SignedInfo/ds:SignatureMethod", "http://www.w3.org/2001/04/xmldsig-more#rsa"),
    ],
)
def test_a_part_of_an_allowed_algorithm_is_not_allowed(
    pki: GeneratedPki, path: str, uri: str
) -> None:
    document = signed(pki)
    node = document.find(f"ds:Signature/{path}", NS)
    assert node is not None
    node.set("Algorithm", uri)
    assert code_of(pki, document) == "GW-SIG-ALGORITHM"


def test_inclusive_prefixes_for_signed_info_are_refused_as_signxml_refused_them(
    pki: GeneratedPki,
) -> None:
    # signxml writes them when asked, and then its own schema check refuses them.
    document = XMLSigner(
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0
    ).sign(
        etree.fromstring(MESSAGE),
        key=pki.nl.private_key,
        cert=[pki.nl.certificate],
        inclusive_ns_prefixes=["m"],
    )
    assert code_of(pki, document) == "GW-SIG-MALFORMED"


@pytest.mark.parametrize("which", ["nl", "nl_ec"])
def test_a_key_value_beside_the_certificate_must_name_its_key(
    pki: GeneratedPki, which: str
) -> None:
    issued: Issued = getattr(pki, which)
    method = SignatureMethod.RSA_SHA256 if which == "nl" else SignatureMethod.ECDSA_SHA256
    document = XMLSigner(
        signature_algorithm=method,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    ).sign(
        etree.fromstring(MESSAGE),
        key=issued.private_key,
        cert=[issued.certificate],
        always_add_key_value=True,
    )
    assert document.find("ds:Signature/ds:KeyInfo/ds:KeyValue", NS) is not None
    assert Verifier(pki.trust).verify(document, expected=NL, at=pki.now).signer == NL
    other_key = pki.fr.private_key if which == "nl" else pki.nl_next.private_key
    other = XMLSigner(
        signature_algorithm=method,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    ).sign(etree.fromstring(MESSAGE), key=other_key)
    key_info = document.find("ds:Signature/ds:KeyInfo", NS)
    assert key_info is not None
    key_info.replace(
        key_info.find("ds:KeyValue", NS),  # type: ignore[arg-type]
        other.find("ds:Signature/ds:KeyInfo/ds:KeyValue", NS),  # type: ignore[arg-type]
    )
    assert code_of(pki, document) == "GW-SIG-MALFORMED"


@pytest.mark.parametrize("same", [True, False])
def test_a_der_encoded_key_value_must_name_the_certificates_key(
    pki: GeneratedPki, same: bool
) -> None:
    document = signed(pki, pki.nl_ec)
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    key = pki.nl_ec.certificate.public_key() if same else other
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key_info = document.find("ds:Signature/ds:KeyInfo", NS)
    assert key_info is not None
    value = etree.SubElement(key_info, "{http://www.w3.org/2009/xmldsig11#}DEREncodedKeyValue")
    value.text = base64.b64encode(der).decode()
    if same:
        assert Verifier(pki.trust).verify(document, expected=NL, at=pki.now).signer == NL
    else:
        assert code_of(pki, document) == "GW-SIG-MALFORMED"


def test_an_unexpanded_entity_is_refused(pki: GeneratedPki) -> None:
    document = signed(pki)
    decision = document.find("{urn:eu-gateway:test}Body/{urn:eu-gateway:test}Decision")
    assert decision is not None
    decision.append(etree.Entity("nbsp"))
    assert code_of(pki, document) == "GW-SIG-MALFORMED"


def test_an_element_holding_an_entity_is_not_signed(pki: GeneratedPki) -> None:
    element = etree.fromstring(MESSAGE)
    element[0].append(etree.Entity("nbsp"))
    with pytest.raises(SecurityError) as caught:
        pki.signer(pki.nl).sign(element, at=pki.now)
    assert caught.value.code == "GW-SIG-SIGNING"


def test_the_exclusive_transform_twice_is_refused(pki: GeneratedPki) -> None:
    document = signed(pki)
    transforms = document.find(f"{D}Signature/{D}SignedInfo/{D}Reference/{D}Transforms")
    assert transforms is not None
    etree.SubElement(transforms, f"{D}Transform", Algorithm=C14N_EXCLUSIVE)
    assert code_of(pki, document) == "GW-SIG-MALFORMED"


def test_the_layout_reads_with_whitespace_between_the_parts(pki: GeneratedPki) -> None:
    """xmlsec1's templates are indented; the one-pass reader takes them as they are."""
    document = signed(pki)
    signature = document.find(f"{D}Signature")
    assert signature is not None
    for node in signature.iter():
        if node is not signature:
            node.tail = "\n  "
    # The whitespace changed SignedInfo's canonical form: its signature no longer holds,
    # but the reader still reads it in one pass, as the careful one does.
    plain = profile._plain(document)
    assert plain is not None
    assert plain == profile._careful(document, [])
    assert code_of(pki, document) == "GW-SIG-INVALID"


def test_an_enveloped_transform_alone_means_c14n_1_0(pki: GeneratedPki) -> None:
    """Without the exclusive transform the standard canonicalises the reference with
    C14N 1.0, which keeps an unused namespace declaration; the gateway and the reference
    (signxml) both do. Signed here by hand: neither signer writes such a signature."""
    unsigned = etree.fromstring(
        b'<m:M xmlns:m="urn:eu-gateway:test" xmlns:u="urn:unused"><m:B>x</m:B></m:M>'
    )
    inclusive = etree.tostring(unsigned, method="c14n")
    assert inclusive != etree.tostring(unsigned, method="c14n", exclusive=True)
    document = signed_with_one_transform(pki, unsigned, hashlib.sha256(inclusive).digest())
    assert profile.read_signature(document).exclusive is False
    verified = Verifier(pki.trust).verify(document, expected=NL, at=pki.now)
    assert etree.tostring(verified.element, method="c14n") == inclusive
    assert ReferenceVerifier(pki.trust).verify(document, expected=NL, at=pki.now).signer == NL
    exclusive = etree.tostring(unsigned, method="c14n", exclusive=True)
    wrong = signed_with_one_transform(pki, unsigned, hashlib.sha256(exclusive).digest())
    assert code_of(pki, wrong) == "GW-SIG-INVALID"


def signed_with_one_transform(
    pki: GeneratedPki, unsigned: etree._Element, digest: bytes
) -> etree._Element:
    document = pki.signer(pki.nl).sign(unsigned, at=pki.now)
    signature = document.find(f"{D}Signature")
    assert signature is not None
    signed_info, value = signature[0], signature[1]
    transforms = signed_info[2][0]
    transforms.remove(transforms[1])
    signed_info[2][2].text = base64.b64encode(digest).decode()
    canonical = etree.tostring(signed_info, method="c14n", exclusive=True)
    key = pki.nl.private_key
    assert isinstance(key, rsa.RSAPrivateKey)
    signature_value = key.sign(canonical, padding.PKCS1v15(), hashes.SHA256())
    value.text = base64.b64encode(signature_value).decode()
    return document


def _key_info(document: etree._Element) -> etree._Element:
    found = document.find("ds:Signature/ds:KeyInfo", NS)
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda d: _key_info(d).append(etree.Element(f"{D}Foo")), "GW-SIG-MALFORMED"),
        (lambda d: _key_info(d)[0].append(etree.Element(f"{D}Foo")), "GW-SIG-MALFORMED"),
        (lambda d: _key_info(d).append(etree.Element("{urn:x}Foo")), None),
        (lambda d: _key_info(d)[0].append(etree.Element("{urn:x}Foo")), None),
        (lambda d: _key_info(d).append(etree.Element(f"{D}KeyName")), None),
        (lambda d: _key_info(d).set("Id", "key-info"), None),
        (lambda d: _key_info(d).set("Id", "not a name"), "GW-SIG-MALFORMED"),
        (lambda d: _key_info(d).set("foo", "1"), "GW-SIG-MALFORMED"),
        (lambda d: d.find(f"{D}Signature").set("Id", ""), "GW-SIG-MALFORMED"),  # type: ignore[union-attr]
        (lambda d: d.find(f"{D}Signature").set("foo", "1"), "GW-SIG-MALFORMED"),  # type: ignore[union-attr]
        (lambda d: setattr(d.find(f"{D}Signature"), "text", "junk"), "GW-SIG-MALFORMED"),
        (lambda d: setattr(_key_info(d)[0], "text", "junk"), "GW-SIG-MALFORMED"),
        (lambda d: setattr(_key_info(d), "text", "mixed content is allowed here"), None),
    ],
)
def test_the_unsigned_parts_are_as_the_schema_has_them(
    pki: GeneratedPki, change: Callable[[etree._Element], object], code: str | None
) -> None:
    """signxml checked the signature against the XML-DSig schema; the gateway refuses what
    that check refused in the parts the signature does not cover (and the reference agrees)."""
    document = signed(pki)
    change(document)
    for verifier in (Verifier(pki.trust), ReferenceVerifier(pki.trust)):
        try:
            verifier.verify(document, expected=NL, at=pki.now)
            outcome = None
        except SecurityError as error:
            outcome = error.code
        assert outcome == code, type(verifier).__name__


def test_two_parts_of_a_signature_may_not_share_an_id(pki: GeneratedPki) -> None:
    document = signed(pki)
    document.find(f"{D}Signature").set("Id", "same")  # type: ignore[union-attr]
    _key_info(document).set("Id", "same")
    assert code_of(pki, document) == "GW-SIG-MALFORMED"


@pytest.mark.parametrize("prefix", ["", "dsig"])
def test_the_one_pass_reader_reads_signed_info_under_any_prefix(
    pki: GeneratedPki, prefix: str
) -> None:
    """SignedInfo is matched by its canonical form, whatever prefix names the namespace."""
    text = etree.tostring(signed(pki)).decode()
    renamed = f"{prefix}:" if prefix else ""
    text = text.replace("ds:", renamed).replace(
        "xmlns:ds=", f"xmlns:{prefix}=" if prefix else "xmlns="
    )
    document = etree.fromstring(text.encode())
    plain = profile._plain(document)
    assert plain is not None
    assert plain == profile._careful(document, [])
    assert plain.signed_info_c14n.startswith(f"<{renamed}SignedInfo ".encode())


def test_an_attribute_on_signed_info_is_left_to_the_careful_reader(pki: GeneratedPki) -> None:
    document = signed(pki)
    signed_info = document.find(f"{D}Signature/{D}SignedInfo")
    assert signed_info is not None
    signed_info.set("Id", "info")
    assert profile._plain(document) is None
    assert isinstance(careful(document), profile.SignatureParts)
