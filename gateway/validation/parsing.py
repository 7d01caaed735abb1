"""The one hardened XML parser: every byte that comes from outside is parsed here.

No document type declaration is accepted at all, so no DTD is loaded, no
entity is declared or expanded and nothing is fetched (XXE, billion laughs,
external DTDs). The size is checked before parsing and the depth after it.
Each refusal has its own code, so that an operator sees what was tried.
"""

from __future__ import annotations

import functools
import re
import threading

from lxml import etree

from gateway.domain.frozen import frozen
from gateway.errors import InputError

__all__ = ["DEFAULT_LIMITS", "XmlLimits", "parse_xml"]

TOO_LARGE = "GW-XML-TOO-LARGE"
TOO_DEEP = "GW-XML-TOO-DEEP"
DTD = "GW-XML-DTD"
ENTITY = "GW-XML-ENTITY"
ENTITY_EXPANSION = "GW-XML-ENTITY-EXPANSION"
SYNTAX = "GW-XML-SYNTAX"

_POSITION_SUFFIX = re.compile(r", line \d+, column \d+$")

# libxml2 stops at this depth by itself unless huge_tree is set (it never is here).
_LIBXML_DEPTH_MESSAGE = "Excessive depth"


@frozen
class XmlLimits:
    """How big and how deep a document from outside may be."""

    max_bytes: int = 8 * 1024 * 1024
    max_depth: int = 32

    def __post_init__(self) -> None:
        if self.max_bytes < 1 or self.max_depth < 1:
            raise ValueError("XML limits are positive")


DEFAULT_LIMITS = XmlLimits()


class _RefuseEverything(etree.Resolver):
    """Defence in depth: should libxml2 ever ask for an outside resource, it gets none."""

    def resolve(self, url: str | None, pubid: str | None, context: object) -> None:
        raise _ResourceRefusedError(url or pubid or "")


class _ResourceRefusedError(Exception):
    pass


_local = threading.local()


def _parser() -> etree.XMLParser:
    # lxml parsers must not be shared between threads; one per thread is cheap.
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=False,
        )
        parser.resolvers.add(_RefuseEverything())
        _local.parser = parser
    return parser


def parse_xml(data: bytes, limits: XmlLimits = DEFAULT_LIMITS) -> etree._Element:
    """Parse a document from outside, or raise an `InputError` saying why it is refused."""
    if len(data) > limits.max_bytes:
        raise InputError(
            TOO_LARGE,
            f"the document has {len(data)} bytes, more than the limit of {limits.max_bytes}",
        )
    try:
        tree = etree.ElementTree(etree.fromstring(data, _parser()))
    except _ResourceRefusedError as refused:
        raise InputError(
            ENTITY, f"the document asks for an outside resource ({refused}); refused"
        ) from None
    except etree.XMLSyntaxError as error:
        raise _syntax_error(error) from None
    _refuse_doctype(tree.docinfo)
    root = tree.getroot()
    if _deeper_than(limits.max_depth)(root):
        raise InputError(
            TOO_DEEP, f"the document is nested deeper than {limits.max_depth} elements"
        )
    return root


def _syntax_error(error: etree.XMLSyntaxError) -> InputError:
    message = _POSITION_SUFFIX.sub("", str(error.msg or error))
    line, column = error.position
    where = f"line {line}, column {column}"
    if _LIBXML_DEPTH_MESSAGE in message:
        return InputError(TOO_DEEP, "the document is nested too deep to be parsed", where)
    if "amplification" in message or "loop" in message:
        return InputError(ENTITY_EXPANSION, f"the document expands entities: {message}", where)
    if "ntity" in message:
        return InputError(ENTITY, f"the document uses an entity: {message}", where)
    return InputError(SYNTAX, f"the document is not well-formed XML: {message}", where)


def _refuse_doctype(info: etree.DocInfo) -> None:
    if not info.doctype and info.internalDTD is None:
        return
    internal = info.internalDTD
    entities = list(internal.entities()) if internal is not None else []
    if any(entity.system_url for entity in entities):
        raise InputError(
            ENTITY, "the document declares an external entity (a file or a network resource)"
        )
    if entities:
        raise InputError(
            ENTITY_EXPANSION,
            f"the document declares {len(entities)} entities (entity expansion is refused)",
        )
    if info.system_url or info.public_id:
        raise InputError(DTD, "the document names an external DTD; no DTD is accepted")
    raise InputError(DTD, "the document has a document type declaration; none is accepted")


@functools.lru_cache(maxsize=8)
def _deeper_than(depth: int) -> etree.XPath:
    # An element exists at depth + 1: evaluated by libxml2, no Python walk of the tree.
    return etree.XPath("boolean(/*" + "/*" * depth + ")")
