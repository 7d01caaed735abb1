"""Ways to spoil a signed document, for the property tests of the signature path.

`SPOILS` maps a name to a function changing a signed document in place (its
content, its signature's values, algorithms, parts, place...), drawing what
it needs from hypothesis; `messages` draws an example message or a generated
one. tests/unit/test_signature_reference.py and test_signature_profile.py use
them. `any_algorithm_signer` signs with whatever algorithm it is given, SHA-1 and
HMAC included, as an attacker's tool would.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable

from hypothesis import strategies as st
from lxml import etree
from message_strategies import acknowledgements, envelopes, hits, replies, transfers
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.signer import XMLSigner

from gateway.domain.dublin import DublinRegime
from gateway.domain.eurodac import Regime
from gateway.messages import Message
from gateway.messages.examples import example_messages
from gateway.security.algorithms import (
    C14N_EXCLUSIVE,
    DIGEST_SHA256,
    ENVELOPED,
    SIGNATURE_ECDSA_SHA256,
    SIGNATURE_RSA_SHA256,
)
from gateway.security.verifier import DS

__all__ = ["EXAMPLES", "SPOILS", "Spoil", "any_algorithm_signer", "messages"]

D = f"{{{DS}}}"
NS = {"ds": DS}
EXAMPLES = sorted(example_messages().items(), key=lambda item: str(item[0]))

Spoil = Callable[[etree._Element, st.DrawFn], None]
OTHER_ALGORITHMS = [
    C14N_EXCLUSIVE,
    ENVELOPED,
    DIGEST_SHA256,
    SIGNATURE_RSA_SHA256,
    SIGNATURE_ECDSA_SHA256,
    "http://www.w3.org/2000/09/xmldsig#sha1",
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
    "http://www.w3.org/TR/1999/REC-xpath-19991116",
    "",
]


def _signature(document: etree._Element) -> etree._Element:
    found = document.find(D + "Signature")
    assert found is not None
    return found


def _content(document: etree._Element) -> list[etree._Element]:
    inside = set(_signature(document).iter())
    return [node for node in document.iter() if node not in inside]


def _signature_parts(document: etree._Element) -> list[etree._Element]:
    return list(_signature(document).iter())[1:]


def _text(document: etree._Element, draw: st.DrawFn) -> None:
    target = draw(st.sampled_from(_content(document)))
    target.text = draw(st.text(alphabet="abcXYZ 019-", max_size=8))


def _attribute(document: etree._Element, draw: st.DrawFn) -> None:
    target = draw(st.sampled_from(_content(document)))
    target.set(draw(st.sampled_from(["id", "Id", "lang", "x"])), draw(st.text("ab1", max_size=3)))


def _comment_or_instruction(document: etree._Element, draw: st.DrawFn) -> None:
    target = draw(st.sampled_from(_content(document)))
    node = etree.Comment("x") if draw(st.booleans()) else etree.ProcessingInstruction("pi", "x")
    target.insert(draw(st.integers(0, len(target))), node)


def _value(path: str) -> Spoil:
    def spoil(document: etree._Element, draw: st.DrawFn) -> None:
        node = _signature(document).find(path, NS)
        assert node is not None
        size = draw(st.sampled_from([0, 1, 20, 32, 64, 256]))
        node.text = base64.b64encode(draw(st.binary(min_size=size, max_size=size))).decode()

    return spoil


def _algorithm(document: etree._Element, draw: st.DrawFn) -> None:
    holders = [node for node in _signature_parts(document) if node.get("Algorithm") is not None]
    draw(st.sampled_from(holders)).set("Algorithm", draw(st.sampled_from(OTHER_ALGORITHMS)))


def _remove_part(document: etree._Element, draw: st.DrawFn) -> None:
    node = draw(st.sampled_from(_signature_parts(document)))
    node.getparent().remove(node)  # type: ignore[union-attr]


def _duplicate_part(document: etree._Element, draw: st.DrawFn) -> None:
    node = draw(st.sampled_from(_signature_parts(document)))
    node.addnext(copy.deepcopy(node))


def _key_name(document: etree._Element, _: st.DrawFn) -> None:
    key_info = _signature(document).find(D + "KeyInfo")
    assert key_info is not None
    etree.SubElement(key_info, D + "KeyName").text = "nl-2026"


def _whitespace(document: etree._Element, draw: st.DrawFn) -> None:
    draw(st.sampled_from(_signature_parts(document))).tail = "\n  "


def _reference_uri(document: etree._Element, draw: st.DrawFn) -> None:
    reference = _signature(document).find("ds:SignedInfo/ds:Reference", NS)
    assert reference is not None
    reference.set("URI", draw(st.sampled_from(["#x", "#", "urn:x"])))


def _object(document: etree._Element, _: st.DrawFn) -> None:
    etree.SubElement(etree.SubElement(_signature(document), D + "Object"), "Decision").text = "no"


def _move_signature(document: etree._Element, _: st.DrawFn) -> None:
    document[0].append(_signature(document))


def _second_signature(document: etree._Element, _: st.DrawFn) -> None:
    document.append(copy.deepcopy(_signature(document)))


def _inclusive_namespaces(document: etree._Element, draw: st.DrawFn) -> None:
    transforms = _signature(document).findall(".//ds:Transform", NS)
    method = _signature(document).find("ds:SignedInfo/ds:CanonicalizationMethod", NS)
    holder = draw(st.sampled_from([*transforms, method]))
    inclusive = etree.SubElement(holder, f"{{{C14N_EXCLUSIVE}}}InclusiveNamespaces")
    inclusive.set("PrefixList", draw(st.sampled_from(["ds", "#default", "xsi ds"])))


def _signature_attribute(document: etree._Element, draw: st.DrawFn) -> None:
    node = draw(st.sampled_from([_signature(document), *_signature_parts(document)]))
    name = draw(st.sampled_from(["Id", "URI", "Type", "Algorithm", "foo"]))
    node.set(name, draw(st.sampled_from(["", "x", C14N_EXCLUSIVE])))


def _signature_text(document: etree._Element, draw: st.DrawFn) -> None:
    node = draw(st.sampled_from([_signature(document), *_signature_parts(document)]))
    text = draw(st.sampled_from(["junk", " ", "\n  "]))
    if draw(st.booleans()):
        node.text = text
    else:
        node.tail = text


def _unknown_element(document: etree._Element, draw: st.DrawFn) -> None:
    key_info = _signature(document).find(D + "KeyInfo")
    assert key_info is not None
    holder = draw(st.sampled_from([key_info, key_info[0]]))
    tag = draw(st.sampled_from([D + "Foo", "{urn:x}Foo", D + "KeyName", D + "X509SubjectName"]))
    etree.SubElement(holder, tag).text = "x"


SPOILS: dict[str, Spoil] = {
    "nothing": lambda document, draw: None,
    "content text": _text,
    "content attribute": _attribute,
    "comment or instruction": _comment_or_instruction,
    "digest value": _value("ds:SignedInfo/ds:Reference/ds:DigestValue"),
    "signature value": _value("ds:SignatureValue"),
    "algorithm": _algorithm,
    "part removed": _remove_part,
    "part duplicated": _duplicate_part,
    "key name": _key_name,
    "whitespace": _whitespace,
    "reference URI": _reference_uri,
    "object": _object,
    "signature moved": _move_signature,
    "second signature": _second_signature,
    "inclusive namespaces": _inclusive_namespaces,
    "signature attribute": _signature_attribute,
    "signature text": _signature_text,
    "unknown element": _unknown_element,
}


@st.composite
def generated_messages(draw: st.DrawFn) -> Message:
    kind = draw(st.sampled_from(["ack", "reply", "transfer", "hit"]))
    if kind == "hit":
        regime = draw(st.sampled_from(list(Regime)))
        envelope = draw(envelopes("eurodac.hit", regime))
        return Message(envelope=envelope, content=draw(hits(regime)))
    name, content = {
        "ack": ("dublinet.ack", acknowledgements),
        "reply": ("dublinet.reply", replies),
        "transfer": ("dublinet.transfer-arrangement", transfers),
    }[kind]
    envelope = draw(envelopes(name, draw(st.sampled_from(list(DublinRegime)))))
    return Message(envelope=envelope, content=draw(content))


messages = st.sampled_from([message for _, message in EXAMPLES]) | generated_messages()


class _AnyAlgorithmSigner(XMLSigner):
    def check_deprecated_methods(self) -> None:
        """Let SHA-1 through: an attacker's tool would."""


def any_algorithm_signer(method: SignatureMethod, digest: DigestAlgorithm) -> XMLSigner:
    """A signer with `method` and `digest` whatever they are, and exclusive C14N."""
    return _AnyAlgorithmSigner(
        signature_algorithm=method,
        digest_algorithm=digest,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
