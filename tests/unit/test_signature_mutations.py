"""Broken and mutated signatures: always a SecurityError with a code, never anything else."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from pki import NL, GeneratedPki

from gateway.errors import SecurityError
from gateway.security.verifier import DS, Verifier

MESSAGE = b'<m:M xmlns:m="urn:eu-gateway:test"><m:B a="1">accept</m:B></m:M>'
NS = {"ds": DS}
SIG = "ds:Signature/"
Mutation = Callable[[etree._Element], None]


def set_text(path: str, text: str) -> Mutation:
    def mutate(document: etree._Element) -> None:
        node = document.find(path, NS)
        assert node is not None
        node.text = text

    return mutate


def remove(path: str) -> Mutation:
    def mutate(document: etree._Element) -> None:
        node = document.find(path, NS)
        assert node is not None
        node.getparent().remove(node)  # type: ignore[union-attr]

    return mutate


def set_algorithm(path: str, uri: str) -> Mutation:
    def mutate(document: etree._Element) -> None:
        node = document.find(path, NS)
        assert node is not None
        node.set("Algorithm", uri)

    return mutate


CASES: dict[str, tuple[Mutation, str]] = {
    "signature value not base64": (set_text(SIG + "ds:SignatureValue", "!!!"), "GW-SIG-INVALID"),
    "signature value empty": (set_text(SIG + "ds:SignatureValue", ""), "GW-SIG-MALFORMED"),
    "signature value short": (set_text(SIG + "ds:SignatureValue", "AAAA"), "GW-SIG-INVALID"),
    "digest value wrong": (
        set_text(SIG + "ds:SignedInfo/ds:Reference/ds:DigestValue", "AAAA"),
        "GW-SIG-INVALID",
    ),
    "no SignedInfo": (remove(SIG + "ds:SignedInfo"), "GW-SIG-MALFORMED"),
    "no SignatureValue": (remove(SIG + "ds:SignatureValue"), "GW-SIG-MALFORMED"),
    "no DigestMethod": (
        remove(SIG + "ds:SignedInfo/ds:Reference/ds:DigestMethod"),
        "GW-SIG-MALFORMED",
    ),
    "no Transforms": (remove(SIG + "ds:SignedInfo/ds:Reference/ds:Transforms"), "GW-SIG-ALGORITHM"),
    "unknown signature method": (
        set_algorithm(SIG + "ds:SignedInfo/ds:SignatureMethod", "urn:unknown"),
        "GW-SIG-ALGORITHM",
    ),
    "XSLT transform": (
        set_algorithm(
            SIG + "ds:SignedInfo/ds:Reference/ds:Transforms/ds:Transform[2]",
            "http://www.w3.org/TR/1999/REC-xslt-19991116",
        ),
        "GW-SIG-ALGORITHM",
    ),
    "certificate not DER": (
        set_text(SIG + "ds:KeyInfo/ds:X509Data/ds:X509Certificate", "AAAA"),
        "GW-SIG-MALFORMED",
    ),
}


@pytest.mark.parametrize("which", ["nl", "nl_ec"])
@pytest.mark.parametrize("case", CASES)
def test_a_broken_signature_is_refused_with_its_code(
    pki: GeneratedPki, which: str, case: str
) -> None:
    mutate, code = CASES[case]
    document = pki.signer(getattr(pki, which)).sign(etree.fromstring(MESSAGE), at=pki.now)
    mutate(document)
    with pytest.raises(SecurityError) as caught:
        Verifier(pki.trust).verify(document, expected=NL, at=pki.now)
    assert caught.value.code == code


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_whatever_is_changed_only_the_genuine_content_ever_comes_back(
    pki: GeneratedPki, data: st.DataObject
) -> None:
    signed = pki.signer(pki.nl_ec).sign(etree.fromstring(MESSAGE), at=pki.now)
    document = copy.deepcopy(signed)
    elements = list(document.iter())
    target = data.draw(st.sampled_from(elements))
    if data.draw(st.booleans()) or not target.attrib:
        target.text = data.draw(
            st.text(
                alphabet=st.characters(codec="ascii", categories=["L", "N", "P", "Zs"]), max_size=12
            )
        )
    else:
        name = data.draw(st.sampled_from(sorted(target.attrib)))
        target.set(name, data.draw(st.text(alphabet="abc#:/1", max_size=8)))
    outcome: etree._Element | SecurityError
    try:
        outcome = Verifier(pki.trust).verify(document, expected=NL, at=pki.now).element
    except SecurityError as error:
        outcome = error
    if isinstance(outcome, SecurityError):
        assert outcome.code.startswith(("GW-SIG-", "GW-PKI-"))
    else:
        assert etree.tostring(outcome, method="c14n") == etree.tostring(
            etree.fromstring(MESSAGE), method="c14n"
        )
