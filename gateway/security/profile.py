"""The one shape of signature the gateway accepts, checked before any cryptography runs.

`read_signature` either refuses a document's signature with its code or
returns its parts for the verifier:

- where it sits: exactly one `ds:Signature`, a child of the root, with one
  `Reference URI=""` (anything else is how signature wrapping starts:
  GW-SIG-WRAPPING; no signature at all: GW-SIG-MISSING);
- that nothing unsigned rides along: no comment or processing instruction
  anywhere (exclusive C14N drops them, so `HAD<!--x-->DAD` would verify while
  a reader of the stored bytes saw `HAD`), nothing in the signature beyond its
  SignedInfo, SignatureValue and KeyInfo (GW-SIG-UNSIGNED);
- which algorithms: exclusive C14N, RSA-SHA256 or ECDSA-SHA256, SHA-256, the
  enveloped-signature and exclusive C14N transforms only, the enveloped one
  present (GW-SIG-ALGORITHM);
- its layout, as the XML-DSig schema has it and no looser: SignedInfo holds
  CanonicalizationMethod, SignatureMethod and the Reference; the Reference its
  Transforms, DigestMethod and DigestValue; the only element a method may
  carry is the InclusiveNamespaces of the reference's exclusive C14N
  transform. SignedInfo itself is canonicalised without inclusive prefixes:
  an InclusiveNamespaces in CanonicalizationMethod is refused, as signxml's
  schema check refused it before (GW-SIG-MALFORMED).

KeyInfo may hold what the schema allows; only its X509Certificate elements are
read, and a KeyValue or DEREncodedKeyValue beside them must name the
certificate's key (the verifier checks that).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import NamedTuple, NoReturn

from lxml import etree

from gateway.errors import SecurityError
from gateway.security.algorithms import (
    ALLOWED_TRANSFORMS,
    C14N_EXCLUSIVE,
    DIGEST_SHA256,
    ENVELOPED,
    SIGNATURE_METHODS,
)
from gateway.security.xmldsig import DS, canonical

__all__ = ["DSIG11", "SignatureParts", "read_signature"]

DSIG11 = "http://www.w3.org/2009/xmldsig11#"
_SIGNATURE = f"{{{DS}}}Signature"
_SIGNED_INFO = f"{{{DS}}}SignedInfo"
_SIGNATURE_VALUE = f"{{{DS}}}SignatureValue"
_KEY_INFO = f"{{{DS}}}KeyInfo"
_SIGNATURE_PARTS = frozenset({_SIGNED_INFO, _SIGNATURE_VALUE, _KEY_INFO})
_CANONICALIZATION = f"{{{DS}}}CanonicalizationMethod"
_SIGNATURE_METHOD = f"{{{DS}}}SignatureMethod"
_REFERENCE = f"{{{DS}}}Reference"
_TRANSFORMS = f"{{{DS}}}Transforms"
_TRANSFORM = f"{{{DS}}}Transform"
_DIGEST_METHOD = f"{{{DS}}}DigestMethod"
_DIGEST_VALUE = f"{{{DS}}}DigestValue"
_X509_DATA = f"{{{DS}}}X509Data"
_X509_CERTIFICATE = f"{{{DS}}}X509Certificate"
_KEY_VALUES = frozenset({f"{{{DS}}}KeyValue", f"{{{DSIG11}}}DEREncodedKeyValue"})
_INCLUSIVE_NAMESPACES = f"{{{C14N_EXCLUSIVE}}}InclusiveNamespaces"
_C14N_ALLOWED = frozenset({C14N_EXCLUSIVE})  # sets: `in` on a bare string finds substrings
_DIGESTS_ALLOWED = frozenset({DIGEST_SHA256})
_SCAN = (_SIGNATURE, etree.Comment, etree.ProcessingInstruction, etree.Entity)
# What the XML-DSig schema lets each element carry, as signxml's schema check had it:
# its attributes, and whether text may sit between its children.
_ATTRIBUTES = {
    _SIGNATURE: frozenset({"Id"}),
    _SIGNED_INFO: frozenset({"Id"}),
    _CANONICALIZATION: frozenset({"Algorithm"}),
    _SIGNATURE_METHOD: frozenset({"Algorithm"}),
    _REFERENCE: frozenset({"Id", "URI", "Type"}),
    _TRANSFORMS: frozenset(),
    _TRANSFORM: frozenset({"Algorithm"}),
    _DIGEST_METHOD: frozenset({"Algorithm"}),
    _DIGEST_VALUE: frozenset(),
    _SIGNATURE_VALUE: frozenset({"Id"}),
    _KEY_INFO: frozenset({"Id"}),
    _X509_DATA: frozenset(),
    _X509_CERTIFICATE: frozenset(),
}
_ELEMENT_ONLY = frozenset({_SIGNATURE, _SIGNED_INFO, _REFERENCE, _TRANSFORMS, _X509_DATA})
_KEY_INFO_PARTS = ("KeyName", "KeyValue", "RetrievalMethod", "X509Data", "PGPData", "SPKIData")
_X509_PARTS = ("X509IssuerSerial", "X509SKI", "X509SubjectName", "X509Certificate", "X509CRL")
_KNOWN_CHILDREN = {  # of the ds namespace; other namespaces' elements are the schema's lax ##other
    _KEY_INFO: frozenset(f"{{{DS}}}{name}" for name in (*_KEY_INFO_PARTS, "MgmtData")),
    _X509_DATA: frozenset(f"{{{DS}}}{name}" for name in _X509_PARTS),
}
# an xs:ID: a name without a colon (NCName), and no two alike in one signature
_NCNAME = re.compile(r"[^\W\d][\w.\-\u00b7\u0300-\u036f\u203f\u2040]*\Z")


class SignatureParts(NamedTuple):
    """What the verifier needs of a signature whose place, algorithms and layout hold."""

    position: int  # the signature's place among the root's children
    signed_info: etree._Element
    signed_info_c14n: bytes  # its canonical form, over which the signature value is computed
    method: str  # SignatureMethod
    exclusive: bool  # the reference is canonicalised with exclusive C14N (else C14N 1.0)
    reference_prefixes: tuple[str, ...]
    digest_value: str
    signature_value: str
    certificates: tuple[str, ...]  # the X509Certificate texts, in document order
    key_values: tuple[etree._Element, ...]  # KeyValue and DEREncodedKeyValue elements


class _Methods(NamedTuple):
    canonicalization: etree._Element
    method: etree._Element
    digest_method: etree._Element
    transforms: list[etree._Element]


# Both readers look at children by index and tag, never with find(): lxml's ElementPath
# costs microseconds a call, and this runs for every message before its digest.


def read_signature(
    document: etree._Element, outside: Sequence[etree._Element] = ()
) -> SignatureParts:
    """The parts of the document's one enveloped signature, or the SecurityError saying why not.

    `outside` are the nodes around the root of the document as received (a copy
    made to be read leaves them behind): comments and processing instructions.

    The layout that the gateway, signxml and xmlsec1 all write is recognised in
    one pass (`_plain`); anything else is read by `_careful`, which runs the
    checks in order and says why it refuses, or accepts what the schema allows
    beyond that layout (InclusiveNamespaces in the reference's exclusive C14N,
    a KeyValue matching the certificate, an enveloped transform without
    exclusive C14N, which then means C14N 1.0 as the standard has it). The two agree
    on every document they both read (tests/unit/test_signature_profile.py).
    """
    plain = None if outside else _plain(document)
    return plain if plain is not None else _careful(document, outside)


def _plain(document: etree._Element) -> SignatureParts | None:  # noqa: PLR0911
    """The parts of a signature in the usual layout with nothing amiss, else None.

    SignedInfo is read from its canonical form, which the verifier needs anyway: that
    form spells every element, attribute, namespace and text of it, so matching it
    against the usual layout (`_usual_signed_info`) checks them all at once.
    """
    found = list(document.iter(*_SCAN))
    if len(found) != 1 or document.getprevious() is not None or document.getnext() is not None:
        return None  # no signature, several, or a comment, instruction or entity somewhere
    signature = found[0]
    if signature.tag != _SIGNATURE or signature.getparent() is not document:
        return None
    children = list(signature)
    if len(children) == 3:
        signed_info, value, key_info = children
        if key_info.tag != _KEY_INFO:
            return None
    elif len(children) == 2:
        (signed_info, value), key_info = children, None
    else:
        return None
    if signed_info.tag != _SIGNED_INFO or value.tag != _SIGNATURE_VALUE or len(value):
        return None
    try:
        signed_info_c14n = canonical(signed_info)
    except etree.LxmlError:
        return None  # the careful reader says why
    usual = _usual_signed_info(signed_info.prefix).fullmatch(signed_info_c14n)
    signature_value = value.text
    if (
        usual is None
        or not signature_value
        or signature_value.isspace()
        or signature.keys()
        or value.keys()
        or _any_text((signature.text, signature.tail, signed_info.tail, value.tail))
    ):
        return None
    certificates = () if key_info is None else _plain_certificates(key_info)
    if certificates is None:
        return None
    method, digest_value = usual.groups()
    # positional: a NamedTuple built from keywords costs a microsecond more
    return SignatureParts(
        document.index(signature),
        signed_info,
        signed_info_c14n,
        method.decode(),
        True,  # exclusive
        (),  # reference_prefixes
        digest_value.decode(),
        signature_value,
        certificates,
        (),  # key_values
    )


def _plain_certificates(key_info: etree._Element) -> tuple[str, ...] | None:
    """The certificates of a KeyInfo that holds X509Data/X509Certificate only, else None."""
    if key_info.keys() or _any_text((key_info.tail,)):
        return None
    certificates: list[str] = []
    for item in key_info:
        if item.tag != _X509_DATA or item.keys() or _any_text((item.text,)):
            return None  # the careful reader looks at anything else the schema allows
        for node in item:
            if node.tag != _X509_CERTIFICATE or node.keys() or _any_text((node.tail,)):
                return None
            certificates.append(node.text or "")
    return tuple(certificates)


@functools.lru_cache(maxsize=8)
def _usual_signed_info(prefix: str | None) -> re.Pattern[bytes]:
    """The canonical SignedInfo of the usual layout, its elements under `prefix`.

    Whitespace may stand between the elements (xmlsec1's templates are indented);
    the groups are the signature method and the digest value.
    """
    ds = f"{prefix}:" if prefix else ""
    declaration = f"xmlns:{prefix}" if prefix else "xmlns"

    def bare(name: str, algorithm: str) -> str:
        return re.escape(f'<{ds}{name} Algorithm="{algorithm}"></{ds}{name}>')

    methods = "|".join(re.escape(method) for method in sorted(SIGNATURE_METHODS))
    parts = [
        re.escape(f'<{ds}SignedInfo {declaration}="{DS}">'),
        bare("CanonicalizationMethod", C14N_EXCLUSIVE),
        re.escape(f'<{ds}SignatureMethod Algorithm="')
        + f"({methods})"
        + re.escape(f'"></{ds}SignatureMethod>'),
        re.escape(f'<{ds}Reference URI="">'),
        re.escape(f"<{ds}Transforms>"),
        bare("Transform", ENVELOPED),
        bare("Transform", C14N_EXCLUSIVE),
        re.escape(f"</{ds}Transforms>"),
        bare("DigestMethod", DIGEST_SHA256),
        re.escape(f"<{ds}DigestValue>") + r"([A-Za-z0-9+/=\s]*)" + re.escape(f"</{ds}DigestValue>"),
        re.escape(f"</{ds}Reference>"),
        re.escape(f"</{ds}SignedInfo>"),
    ]
    # white space as C14N writes it: a carriage return becomes a character reference
    return re.compile(r"(?:\s|&#xD;)*".join(parts).encode())


def _careful(document: etree._Element, outside: Sequence[etree._Element]) -> SignatureParts:
    """Every check in its order: the first that fails says why the signature is refused."""
    signature, strays = _the_signature(document)
    children = list(signature)
    signed_info, _, reference = _placed(children)
    outside = [*outside, *document.itersiblings(preceding=True), *document.itersiblings()]
    _nothing_unsigned(document, children, strays, outside)
    methods = _check_algorithms(signed_info, reference)
    return _parts(document, signature, children, methods)


def _the_signature(document: etree._Element) -> tuple[etree._Element, list[etree._Element]]:
    """The one signature, a child of the root; and every comment, instruction or entity."""
    signatures: list[etree._Element] = []
    strays: list[etree._Element] = []
    for node in document.iter(*_SCAN):
        (signatures if node.tag == _SIGNATURE else strays).append(node)
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
    return signature, strays


def _placed(
    children: list[etree._Element],
) -> tuple[etree._Element, etree._Element, etree._Element]:
    """SignedInfo, SignatureValue and the one Reference, to the whole document."""
    signed_infos = [child for child in children if child.tag == _SIGNED_INFO]
    if not signed_infos:
        _malformed("the signature has no SignedInfo", "ds:SignedInfo")
    values = [child for child in children if child.tag == _SIGNATURE_VALUE]
    if not values or not (values[0].text or "").strip():
        _malformed("the signature has no SignatureValue", "ds:SignatureValue")
    references = [node for info in signed_infos for node in info if node.tag == _REFERENCE]
    if len(references) != 1 or references[0].get("URI") != "":
        uris = [reference.get("URI") for reference in references]
        raise SecurityError(
            "GW-SIG-WRAPPING",
            f'the signature must have one reference to the whole document (URI=""), has {uris}',
            "Signature/SignedInfo/Reference",
        )
    return signed_infos[0], values[0], references[0]


def _nothing_unsigned(
    document: etree._Element,
    signature_parts: list[etree._Element],
    strays: list[etree._Element],
    outside: list[etree._Element],
) -> None:
    """No comment or processing instruction anywhere (the prolog included), and nothing in
    the signature but what it is made of: what is stored is then what was signed."""
    for node in (*outside, *strays):
        if isinstance(node, etree._Entity):
            # An entity left unexpanded: what it stands for is nowhere in the tree.
            parent = node.getparent()
            raise SecurityError(
                "GW-SIG-MALFORMED",
                f"the document holds an unexpanded entity &{node.name};",
                node.getroottree().getpath(parent) if parent is not None else "outside the root",
            )
        kind = "comment" if isinstance(node, etree._Comment) else "processing instruction"
        where = "outside the root element" if node in outside else node.getroottree().getpath(node)
        raise SecurityError(
            "GW-SIG-UNSIGNED",
            f"the document holds a {kind}, which the signature does not cover",
            where,
        )
    for part in signature_parts:
        if part.tag not in _SIGNATURE_PARTS:
            raise SecurityError(
                "GW-SIG-UNSIGNED",
                f"the signature carries {etree.QName(part).localname}, which it does not sign",
                document.getroottree().getpath(part),
            )


def _check_algorithms(signed_info: etree._Element, reference: etree._Element) -> _Methods:
    """Every algorithm on the allow-list, the enveloped transform among them."""
    found: dict[str, etree._Element] = {}
    for node in signed_info:
        found.setdefault(node.tag, node)  # type: ignore[arg-type]
    transforms: list[etree._Element] = []
    for node in reference:
        if node.tag == _TRANSFORMS:
            transforms += [transform for transform in node if transform.tag == _TRANSFORM]
        else:
            found.setdefault(node.tag, node)  # type: ignore[arg-type]
    methods = _Methods(
        canonicalization=_present(found, _CANONICALIZATION, "SignedInfo/CanonicalizationMethod"),
        method=_present(found, _SIGNATURE_METHOD, "SignedInfo/SignatureMethod"),
        digest_method=_present(found, _DIGEST_METHOD, "SignedInfo/Reference/DigestMethod"),
        transforms=transforms,
    )
    algorithms = [transform.get("Algorithm", "") for transform in transforms]
    for uri, allowed, path in (
        (methods.canonicalization.get("Algorithm", ""), _C14N_ALLOWED, "CanonicalizationMethod"),
        (methods.method.get("Algorithm", ""), SIGNATURE_METHODS, "SignatureMethod"),
        (methods.digest_method.get("Algorithm", ""), _DIGESTS_ALLOWED, "Reference/DigestMethod"),
        *((uri, ALLOWED_TRANSFORMS, "Reference/Transforms") for uri in algorithms),
    ):
        if uri not in allowed:
            raise SecurityError(
                "GW-SIG-ALGORITHM",
                f"algorithm {uri or '(none)'} is not accepted",
                f"SignedInfo/{path}",
            )
    if ENVELOPED not in algorithms:
        raise SecurityError(
            "GW-SIG-ALGORITHM",
            "the signature is not enveloped (no enveloped-signature transform)",
            "SignedInfo/Reference/Transforms",
        )
    return methods


def _present(found: dict[str, etree._Element], tag: str, path: str) -> etree._Element:
    node = found.get(tag)
    if node is None:
        _malformed(f"the signature has no {path}", path)
    return node


def _parts(
    document: etree._Element,
    signature: etree._Element,
    children: list[etree._Element],
    methods: _Methods,
) -> SignatureParts:
    """The layout the schema gives, and no looser (the algorithms are known good by now)."""
    signed_info, value = children[0], children[1]  # found by `_placed`, if in this order
    if len(children) == 3:
        key_info = children[2]
        if key_info.tag != _KEY_INFO:
            _malformed("the signature's third part is not KeyInfo", "Signature/KeyInfo")
    elif len(children) == 2:
        key_info = None
    else:
        _malformed("the signature holds its parts more than once", "Signature")
    if signed_info.tag != _SIGNED_INFO or value.tag != _SIGNATURE_VALUE or len(value):
        _malformed("the signature's parts are not SignedInfo then SignatureValue", "Signature")
    canonicalization, method = methods.canonicalization, methods.method
    reference = signed_info[len(signed_info) - 1]
    if (
        len(signed_info) != 3
        or signed_info[0] is not canonicalization
        or signed_info[1] is not method
        or reference.tag != _REFERENCE
        or len(canonicalization)
        or len(method)
    ):
        _malformed(
            "SignedInfo holds other than CanonicalizationMethod, SignatureMethod and Reference, "
            "or elements inside its methods",
            "Signature/SignedInfo",
        )
    digest_value = reference[len(reference) - 1]
    if (
        len(reference) != 3
        or reference[0].tag != _TRANSFORMS
        or len(reference[0]) != len(methods.transforms)
        or reference[1] is not methods.digest_method
        or len(methods.digest_method)
        or digest_value.tag != _DIGEST_VALUE
        or len(digest_value)
    ):
        _malformed(
            "Reference holds other than Transform elements, DigestMethod, DigestValue",
            "Signature/SignedInfo/Reference",
        )
    exclusive, reference_prefixes = _transforms(methods.transforms)
    _as_the_schema_says(signature)
    certificates: list[str] = []
    key_values: list[etree._Element] = []
    for item in key_info if key_info is not None else ():
        if item.tag == _X509_DATA:
            certificates += [node.text or "" for node in item if node.tag == _X509_CERTIFICATE]
        elif item.tag in _KEY_VALUES:
            key_values.append(item)
    return SignatureParts(
        position=document.index(signature),
        signed_info=signed_info,
        signed_info_c14n=_canonical_signed_info(signed_info),
        method=method.get("Algorithm", ""),
        exclusive=exclusive,
        reference_prefixes=reference_prefixes,
        digest_value=digest_value.text or "",
        signature_value=value.text or "",
        certificates=tuple(certificates),
        key_values=tuple(key_values),
    )


def _canonical_signed_info(signed_info: etree._Element) -> bytes:
    try:
        return canonical(signed_info)
    except etree.LxmlError as error:
        _malformed(f"the signature cannot be read: {error}", "Signature/SignedInfo")


def _as_the_schema_says(signature: etree._Element) -> None:
    """Attributes, text and KeyInfo's children as the XML-DSig schema allows them (signxml
    checked the signature against the schema; the layout checks above are stricter still)."""
    if _any_text((signature.tail,)):
        # signed content, but signxml could not read a signature followed by text: refused
        # as before (a message's schema has no text there either)
        _malformed("text follows the signature", "Signature")
    ids: set[str] = set()
    for node in signature.iter():
        tag = str(node.tag)  # comments and the like are refused before
        allowed = _ATTRIBUTES.get(tag)
        if allowed is not None and not allowed.issuperset(node.keys()):
            extra = sorted(set(node.keys()) - allowed)
            _malformed(f"{etree.QName(node).localname} carries {extra}", str(etree.QName(node)))
        identifier = node.get("Id") if allowed else None
        if identifier is not None:
            if not _NCNAME.match(identifier) or identifier in ids:
                _malformed(f"the Id {identifier!r} is not a name or not unique", "Signature")
            ids.add(identifier)
        if tag in _ELEMENT_ONLY and _any_text((node.text, *(child.tail for child in node))):
            _malformed(f"{etree.QName(node).localname} holds text", str(etree.QName(node)))
        known = _KNOWN_CHILDREN.get(tag, frozenset())
        for child in node if known else ():
            if etree.QName(child).namespace == DS and child.tag not in known:
                where = f"{etree.QName(node).localname}/{etree.QName(child).localname}"
                _malformed(f"{where} is not an element of the XML-DSig schema", where)


def _any_text(texts: Sequence[str | None]) -> bool:
    """Whether any of the texts is more than whitespace."""
    for text in texts:  # noqa: SIM110 (a generator costs microseconds on every message)
        if text and not text.isspace():
            return True
    return False


def _transforms(transforms: list[etree._Element]) -> tuple[bool, tuple[str, ...]]:
    """Whether the reference is canonicalised with exclusive C14N, and its prefix list."""
    exclusive = False
    prefixes: tuple[str, ...] = ()
    for transform in transforms:
        if transform.get("Algorithm") != C14N_EXCLUSIVE:
            if len(transform):
                _malformed("the enveloped-signature transform holds elements", "Transform")
        elif exclusive:
            _malformed("the reference is canonicalised twice", "Transforms/Transform")
        else:
            exclusive, prefixes = True, _prefixes(transform, "Transforms/Transform")
    return exclusive, prefixes


def _prefixes(method: etree._Element, where: str) -> tuple[str, ...]:
    """The InclusiveNamespaces PrefixList of an exclusive C14N method, its only child."""
    if not len(method):
        return ()
    inclusive = method[0]
    prefix_list = inclusive.get("PrefixList")
    if len(method) > 1 or inclusive.tag != _INCLUSIVE_NAMESPACES or prefix_list is None:
        _malformed(f"{where} holds more than an InclusiveNamespaces PrefixList", where)
    return tuple(prefix_list.split())


def _malformed(message: str, where: str) -> NoReturn:
    raise SecurityError("GW-SIG-MALFORMED", message, where)
