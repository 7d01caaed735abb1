"""Turn source text into the typed value a canonical field holds, when no transform did.

The plan's tree holds typed leaves (enum members, dates, reference numbers)
so that records are built without parsing twice. Text the type refuses is
left as it is: the record builder then gives way to the decoder, which
reports it with its own code (GW-VAL-ENUM, GW-VAL-FORMAT) and path.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import Enum
from typing import Any

from gateway.domain.dates import PartialDate
from gateway.domain.eurodac import ReferenceNumber
from gateway.mapping.problems import TransformError
from gateway.mapping.transforms import WRONG_TYPE

__all__ = ["finisher"]


def finisher(leaf: Any) -> Callable[[str], Any] | None:
    """The conversion of text to `leaf`, or None when text is already what it holds."""
    if leaf is int:
        return _integer
    if isinstance(leaf, type) and issubclass(leaf, Enum):
        members = {member.value: member for member in leaf}
        return lambda text: members.get(text, text)
    if leaf is date:
        return lambda text: _or_text(date.fromisoformat, text)
    if leaf is PartialDate or leaf is ReferenceNumber:
        return lambda text: _or_text(leaf.parse, text)
    return None


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise TransformError(WRONG_TYPE, f"{text!r} is not a whole number") from None


def _or_text(parse: Callable[[str], Any], text: str) -> Any:
    try:
        return parse(text)
    except ValueError:
        return text
