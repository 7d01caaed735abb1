"""Small helpers to write and read namespaced elements, with the path of a bad value."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar

from lxml import etree

from gateway.domain.dublin import DublinRegime
from gateway.domain.eurodac import Operation, Regime
from gateway.domain.frozen import frozen
from gateway.errors import InputError
from gateway.validation import element_path

__all__ = ["Node", "Scope", "add", "b64", "boolean", "from_b64", "sub", "text_of"]

T = TypeVar("T")

BAD_VALUE = "GW-MSG-VALUE"
MISSING = "GW-MSG-MISSING"


@frozen
class Scope:
    """Where a message body is written or read: namespace, regime, the type's operation."""

    namespace: str
    regime: Regime | DublinRegime
    operation: Operation | None = None

    @property
    def eurodac_regime(self) -> Regime:
        if not isinstance(self.regime, Regime):
            raise TypeError(f"{self.regime} is not a Eurodac regime")
        return self.regime

    @property
    def eurodac_operation(self) -> Operation:
        if self.operation is None:
            raise TypeError("a Eurodac request body needs its operation")
        return self.operation


def sub(parent: etree._Element, namespace: str, name: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{namespace}}}{name}")


def add(parent: etree._Element, namespace: str, name: str, value: object) -> None:
    """Append `<name>value</name>`, or nothing when the value is None."""
    if value is not None:
        sub(parent, namespace, name).text = text_of(value)


def text_of(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes):
        return b64(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def from_b64(text: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except binascii.Error as error:
        raise ValueError(f"not valid base64: {error}") from None


def boolean(text: str) -> bool:
    if text.strip() in {"true", "1"}:
        return True
    if text.strip() in {"false", "0"}:
        return False
    raise ValueError(f"{text!r} is not true or false")


class Node:
    """An element read in one namespace; conversion errors name the element's path."""

    __slots__ = ("_children", "element", "namespace")

    def __init__(
        self,
        element: etree._Element,
        namespace: str,
        children: dict[str, list[etree._Element]] | None = None,
    ) -> None:
        self.element = element
        self.namespace = namespace
        if children is None:
            # one pass over the children, then lookups by tag (faster than find() per name)
            children = {}
            for child in element.iterchildren(tag=etree.Element):
                children.setdefault(str(child.tag), []).append(child)
        self._children = children

    def find(self, name: str, namespace: str | None = None) -> Node | None:
        namespace = namespace or self.namespace
        found = self._children.get(f"{{{namespace}}}{name}")
        return Node(found[0], namespace) if found else None

    def child(self, name: str, namespace: str | None = None) -> Node:
        found = self.find(name, namespace)
        if found is None:
            raise InputError(MISSING, f"the element {name} is missing", element_path(self.element))
        return found

    def all(self, name: str, namespace: str | None = None) -> list[Node]:
        namespace = namespace or self.namespace
        return [Node(e, namespace) for e in self._children.get(f"{{{namespace}}}{name}", ())]

    def within(self, namespace: str) -> Node:
        """The same element, its children read in another namespace."""
        return Node(self.element, namespace, self._children)

    def value(self, parse: Callable[[str], T]) -> T:
        element = self.element
        # The whole text: `.text` stops at a comment or processing instruction inside it,
        # where the canonical form that was signed reads on (the verifier refuses such
        # documents from peers; this keeps every other reading honest too).
        text = (element.text or "") if len(element) == 0 else "".join(element.itertext())
        try:
            return parse(text)
        except ValueError as error:
            raise InputError(BAD_VALUE, str(error), element_path(self.element)) from None

    def get(self, name: str, parse: Callable[[str], T]) -> T:
        return self.child(name).value(parse)

    def text(self, name: str) -> str:
        return self.child(name).value(str)

    def optional(self, name: str, parse: Callable[[str], T]) -> T | None:
        found = self.find(name)
        return None if found is None else found.value(parse)
