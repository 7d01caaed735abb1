"""XSD validation: lxml on the hot path, xmlschema to say what is wrong and where.

A valid document costs one lxml validation. An invalid one is examined
again by xmlschema (about 70 times slower, but it names every bad element)
and refused with an `InputError` carrying each problem and its path.
"""

from __future__ import annotations

import itertools

from lxml import etree

from gateway.domain.problems import Problem
from gateway.errors import InputError
from gateway.validation.schemas import SchemaPack, default_pack

__all__ = ["element_path", "validate"]

SCHEMA = "GW-VAL-SCHEMA"
MAX_PROBLEMS = 50


def validate(root: etree._Element, pack: SchemaPack | None = None) -> None:
    """Check a parsed message against the schema of its root namespace, or raise `InputError`."""
    pack = pack or default_pack()
    namespace = etree.QName(root).namespace
    schema = pack.schema_for(namespace)
    if schema.validate(root):
        return
    diagnostic = pack.diagnostic_schema_for(namespace)
    # xsi:schemaLocation hints in a document from outside are never followed
    errors = diagnostic.iter_errors(root, use_location_hints=False)  # type: ignore[arg-type]
    # The slow validator stops after MAX_PROBLEMS: a flood of errors costs no more than that.
    problems = [
        Problem(code=SCHEMA, message=_sentence(error.reason), path=_path_of(error.elem, root))
        for error in itertools.islice(errors, MAX_PROBLEMS)
    ]
    if not problems:  # the two validators disagree: lxml's own log still says why
        problems = [
            Problem(code=SCHEMA, message=entry.message, path=f"line {entry.line}")
            for entry in schema.error_log
        ]
    raise InputError.from_problems(problems)


def element_path(element: etree._Element) -> str:
    """`/Root/Child/Item[2]`: local names, with a position where a name repeats."""
    steps = []
    node: etree._Element | None = element
    while node is not None:
        name = etree.QName(node).localname
        parent = node.getparent()
        if parent is not None:
            same = [sibling for sibling in parent if sibling.tag == node.tag]
            if len(same) > 1:
                name = f"{name}[{same.index(node) + 1}]"
        steps.append(name)
        node = parent
    return "/" + "/".join(reversed(steps))


def _path_of(element: object, root: etree._Element) -> str:
    return element_path(element) if isinstance(element, etree._Element) else element_path(root)


def _sentence(reason: str | None) -> str:
    return (reason or "the element does not match its schema").rstrip(".")
