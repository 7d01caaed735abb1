"""The one hardened JSON decoder: JSON from outside is sized and its nesting measured first.

`json.loads` recurses once per level of nesting: a body of a million `[` ends in a
RecursionError (and before it, a deep stack of work). So the text is pre-scanned
first, cheaply and outside strings, at the speed of C loops: escaped backslashes and
quotes are dropped, then the strings (an unterminated one runs to the end, so the scan
stays linear), then everything but brackets, and the running depth is summed in blocks
until it passes the limit. Only a document within the limits is decoded. Each refusal has
its own code: `GW-JSON-TOO-LARGE`, `GW-JSON-TOO-DEEP`, and `GW-IN-JSON` for anything
`json` itself refuses (bad syntax, bad UTF-8, an integer of more than 4300 digits) and for
a string holding U+0000, which neither PostgreSQL text nor XML can hold.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from gateway.errors import InputError

__all__ = ["INVALID", "MAX_JSON_DEPTH", "TOO_DEEP", "TOO_LARGE", "json_depth", "parse_json"]

MAX_JSON_DEPTH = 64  # canonical records nest about 6 levels; requests fewer
TOO_DEEP = "GW-JSON-TOO-DEEP"
TOO_LARGE = "GW-JSON-TOO-LARGE"
INVALID = "GW-IN-JSON"

_STRING = re.compile(r'"[^"]*(?:"|\Z)')  # once escapes are gone; unterminated: to the end
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # as signed bytes: 1 and -1
_BLOCK = 65536
# No store or XML document can hold U+0000 (PostgreSQL refuses it in text): no input needs it.
_NUL = re.compile(r"\\u0000")


def json_depth(text: str, *, stop_above: int | None = None) -> int:
    """How deeply the arrays and objects of `text` nest (outside strings); with
    `stop_above`, the first depth found above it (the scan stops there)."""
    # Left to right, as JSON reads escapes: an escaped backslash, then an escaped quote.
    # Outside a string a backslash is a syntax error the decoder stops at, before any
    # bracket behind it, so dropping those pairs there too hides no nesting it would reach.
    unescaped = text.replace("\\\\", "").replace('\\"', "")
    brackets = _NOT_BRACKETS.sub("", _STRING.sub("", unescaped))
    steps = memoryview(brackets.encode("ascii").translate(_STEPS)).cast("b")
    depth = deepest = 0
    for start in range(0, len(steps), _BLOCK):
        levels = list(accumulate(steps[start : start + _BLOCK], initial=depth))
        peak, depth = max(levels), levels[-1]
        deepest = max(deepest, peak)
        if stop_above is not None and deepest > stop_above:
            break
    return deepest


def parse_json(
    data: bytes | str,
    *,
    max_depth: int = MAX_JSON_DEPTH,
    max_bytes: int | None = None,
    path: str = "",
) -> Any:
    """The decoded document, or an `InputError` (too large, too deep, or not JSON)."""
    if max_bytes is not None and len(data) > max_bytes:
        raise InputError(TOO_LARGE, f"the JSON document is larger than {max_bytes} bytes", path)
    try:
        text = data if isinstance(data, str) else data.decode(json.detect_encoding(data))
    except UnicodeDecodeError as error:
        raise InputError(INVALID, f"not valid JSON: {error.reason}", path) from None
    if _NUL.search(text.replace("\\\\", "")):  # an escape, not an escaped backslash
        raise InputError(INVALID, "a JSON string holds the NUL character (\\u0000)", path)
    depth = json_depth(text, stop_above=max_depth)
    if depth > max_depth:
        raise InputError(TOO_DEEP, f"the JSON document nests deeper than {max_depth} levels", path)
    try:
        return json.loads(text)
    except RecursionError:  # not reached within the depth limit; a last line of defence
        raise InputError(TOO_DEEP, "the JSON document nests too deeply", path) from None
    except ValueError as error:  # syntax, encoding, or an integer too long to convert
        raise InputError(INVALID, f"not valid JSON: {_reason(error)}", path) from None


def _reason(error: ValueError) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at line {error.lineno}, column {error.colno}"
    return str(error).split("; ")[0][:200]
