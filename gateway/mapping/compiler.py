"""Compile the rules of a mapping specification into a plan of plain closures.

Each rule becomes one function `step(row, tree, problems)` that reads the
source row, converts the value with transforms chosen at load time and puts
it at its place in a JSON-shaped canonical tree; what goes wrong is appended
to `problems` and the row carries on, so that every problem is reported.
Nothing of the YAML is looked at again while records are mapped.

A rule (one item of `fields:`):

    - to: person.birth_date          # canonical path (required)
      from: geboortedatum            # source field (dots reach into JSON objects)
      date: [dd/mm/yyyy, yyyy]       # or: codelist: NAME, national_number: true
      split: ";"                     # list targets: one text holding several values
      upper: true                    # upper-case the text first
      required: true                 # a missing value is a GW-MAP-REQUIRED problem
      default: X                     # canonical value when the source has none
      when: {field: status, equals: A}   # or in: [...], present: true, matches: REGEX
    - to: transaction.operation
      const: enrol                   # a constant instead of `from`
    - to: person.name
      name: {family: naam, given: voornaam, family_original: ..., given_original: ...,
             full: ..., order: family-first, separator: ",", upper_family: true}
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from gateway.domain.dates import PartialDate
from gateway.domain.frozen import frozen
from gateway.domain.person import Name
from gateway.domain.serialization import decode
from gateway.mapping.codelists import CodeList
from gateway.mapping.conditions import compile_condition, compile_getter
from gateway.mapping.finishers import finisher
from gateway.mapping.problems import FieldProblem, TransformError
from gateway.mapping.steps import (
    REQUIRED,
    Convert,
    Row,
    Step,
    chained,
    const_step,
    from_step,
    list_converter,
    putter,
)
from gateway.mapping.targets import Target, resolve_target
from gateway.mapping.transforms import (
    code_lookup,
    date_parser,
    name_value,
    national_number,
    split_full_name,
    text,
)
from gateway.mapping.yamlfile import LineDict, LineList, spec_error

__all__ = ["CompiledRule", "compile_rule"]


_VALUE_KEYS = {"from", "const", "name"}
_RULE_KEYS = _VALUE_KEYS | {
    "to", "default", "required", "when", "date", "codelist", "national_number", "split",
    "upper", "description",
}  # fmt: skip
_NAME_KEYS = {
    "family", "given", "family_original", "given_original", "full", "order", "separator",
    "upper_family",
}  # fmt: skip


@frozen
class CompiledRule:
    """One compiled rule: its step, where it writes and which source fields it reads."""

    step: Step  # without its condition: the plan guards rules that share one together
    target: Target
    sources: tuple[str, ...]
    when: Callable[[Row], bool] | None
    when_field: str | None  # the source field its condition reads
    when_key: str | None  # rules with the same key have the same condition
    line: int

    @property
    def conditional(self) -> bool:
        return self.when is not None


def compile_rule(
    rule: object, line: int, file: str, code_lists: Callable[[str], CodeList]
) -> CompiledRule:
    """Compile one rule, or refuse it with the file and the line of the offending key."""
    if not isinstance(rule, LineDict):
        raise spec_error(file, line, "a rule is a mapping with 'to' and one of from/const/name")

    def fail(key: str, message: str) -> Exception:
        return spec_error(file, rule.line_of(key), message)

    target = _target_of(rule, fail)
    given = _VALUE_KEYS & rule.keys()
    if len(given) != 1:
        raise fail("to", "a rule takes exactly one of 'from', 'const' and 'name'")
    when = _condition_of(rule, fail)
    put = putter(target.keys)
    if "const" in rule:
        value = _canonical(target, rule["const"], lambda m: fail("const", m))
        step = const_step(value, put)
        return CompiledRule(
            step=step, target=target, sources=(), when=when, when_field=_when_field(rule),
            when_key=_key(rule), line=rule.line,
        )  # fmt: skip
    default = None
    if "default" in rule:
        default = _canonical(target, rule["default"], lambda m: fail("default", m))
    required = rule.get("required", False)
    if not isinstance(required, bool):
        raise fail("required", "'required' is true or false")
    if "name" in rule:
        step, sources = _name_rule(rule, target, fail, required=required)
    else:
        source = rule["from"]
        if not isinstance(source, str) or not source:
            raise fail("from", "'from' names a source field")
        convert_text, convert_any = _converter(rule, target, fail, code_lists)
        step = from_step(
            target, source, convert_text, convert_any, put, required=required, default=default
        )
        sources = (source,)
    return CompiledRule(
        step=step, target=target, sources=sources, when=when, when_field=_when_field(rule),
        when_key=_key(rule), line=rule.line,
    )  # fmt: skip


def _key(rule: LineDict) -> str | None:
    return repr(sorted(rule["when"].items())) if "when" in rule else None


def _when_field(rule: LineDict) -> str | None:
    return str(rule["when"]["field"]) if "when" in rule else None  # checked by the condition


def _target_of(rule: LineDict, fail: Callable[[str, str], Exception]) -> Target:
    for key in rule:
        if key not in _RULE_KEYS:
            raise fail(key, f"a rule has no key {key!r} (keys: {', '.join(sorted(_RULE_KEYS))})")
    path = rule.get("to")
    if not isinstance(path, str):
        raise fail("to", "a rule needs 'to': the canonical path it writes")
    try:
        return resolve_target(path)
    except ValueError as error:
        raise fail("to", f"{path!r} is not a canonical path: {error}") from None


def _condition_of(
    rule: LineDict, fail: Callable[[str, str], Exception]
) -> Callable[[Row], bool] | None:
    if "when" not in rule:
        return None
    try:
        return compile_condition(rule["when"])
    except ValueError as error:
        raise fail("when", str(error)) from None


def _canonical(target: Target, value: object, fail: Callable[[str], Exception]) -> Any:
    if isinstance(value, date):
        value = value.isoformat()
    if isinstance(value, LineList):
        value = list(value)
    tp: Any = tuple.__class_getitem__((target.item_type, ...)) if target.is_list else target.type
    decoded = decode(tp, value)
    if decoded.problems:
        raise fail(
            f"{value!r} is not a valid value for {target.path}: {decoded.problems[0].message}"
        )
    return decoded.value


def _converter(
    rule: LineDict, target: Target, fail: Callable[[str, str], Exception],
    code_lists: Callable[[str], CodeList],
) -> tuple[Convert | None, Convert]:  # fmt: skip
    """Converters for stripped text (None: the text is the value) and for any JSON value."""
    leaf = target.item_type if target.is_list else target.type
    chain: list[Convert] = []
    if rule.get("upper", False):
        chain.append(str.upper)
    transforms = {"date", "codelist", "national_number"} & rule.keys()
    if len(transforms) > 1:
        raise fail(
            sorted(transforms)[1], "a rule takes one of 'date', 'codelist', 'national_number'"
        )
    transform = _transform(rule, target, leaf, fail, code_lists)
    if transform is not None:
        chain.append(transform)
    if target.is_list:
        separator = rule.get("split")
        if separator is not None and (not isinstance(separator, str) or not separator):
            raise fail("split", "'split' is the text that separates the values")
        convert = list_converter(separator, [text, *chain])
        return convert, convert
    if "split" in rule:
        raise fail("split", f"{target.path} is not a list")
    return (chained(chain) if chain else None), chained([text, *chain])


def _transform(
    rule: LineDict, target: Target, leaf: Any, fail: Callable[[str, str], Exception],
    code_lists: Callable[[str], CodeList],
) -> Convert | None:  # fmt: skip
    """The rule's transform of the (stripped) text, or what the target's type needs."""
    if "date" in rule:
        formats = rule["date"] if isinstance(rule["date"], list) else [rule["date"]]
        if leaf not in (date, PartialDate):
            raise fail("date", f"{target.path} does not hold a date")
        try:
            return date_parser([str(f) for f in formats], partial=leaf is PartialDate)
        except ValueError as error:
            raise fail("date", str(error)) from None
    if "codelist" in rule:
        return _code_list(rule, target, leaf, fail, code_lists)
    if rule.get("national_number", False):
        if leaf is not str:
            raise fail("national_number", f"{target.path} does not hold text")
        return national_number
    return finisher(leaf)


def _code_list(
    rule: LineDict, target: Target, leaf: Any, fail: Callable[[str, str], Exception],
    code_lists: Callable[[str], CodeList],
) -> Convert:  # fmt: skip
    name = rule["codelist"]
    if not isinstance(name, str):
        raise fail("codelist", "'codelist' names a code list")
    code_list = code_lists(name)
    typed = {}
    for key, value in code_list.values.items():
        decoded = decode(leaf, value)
        if decoded.problems:
            raise spec_error(
                code_list.file,
                code_list.lines[key],
                f"{value!r} is not a valid value for {target.path}",
            )
        typed[key] = decoded.value
    return code_lookup(name, typed, case_sensitive=code_list.case_sensitive)


def _name_part(raw: Any) -> str:
    return raw.strip() if type(raw) is str else "" if raw is None or raw == [] else text(raw)


def _name_rule(
    rule: LineDict, target: Target, fail: Callable[[str, str], Exception], *, required: bool
) -> tuple[Step, tuple[str, ...]]:
    spec = rule["name"]
    if target.type is not Name:
        raise fail("name", f"{target.path} does not hold a name")
    if not isinstance(spec, LineDict) or not (spec.keys() & {"family", "full", "family_original"}):
        raise fail("name", "'name' maps family/given (or full) and the originals to source fields")
    for key in spec:
        if key not in _NAME_KEYS:
            raise spec_error(spec.file, spec.line_of(key), f"'name' has no key {key!r}")
    order = spec.get("order", "family-first")
    if order not in ("family-first", "given-first"):
        raise spec_error(spec.file, spec.line_of("order"), "order is family-first or given-first")
    separator = spec.get("separator")
    upper_family = bool(spec.get("upper_family", False))
    parts = ("full", "family", "given", "family_original", "given_original")
    fields = {part: str(spec[part]) for part in parts if part in spec}
    getters = [(part, compile_getter(name)) for part, name in fields.items()]
    sources = tuple(fields.values())
    path = target.path
    put = putter(target.keys)

    def step(row: Row, tree: dict[str, Any], problems: list[FieldProblem]) -> None:
        try:
            got = {part: _name_part(get(row)) for part, get in getters}
            if got.get("full"):
                got["family"], got["given"] = split_full_name(
                    got["full"], order=order, separator=separator
                )
            if not (got.get("family") or got.get("family_original")):
                if required or got.get("given") or got.get("given_original"):
                    problems.append(
                        FieldProblem(
                            code=REQUIRED,
                            message="a family name is required",
                            path=f"{path}.family",
                            source=sources[0],
                        )
                    )
                return
            value = name_value(
                got.get("family", ""), got.get("given", ""), got.get("family_original", ""),
                got.get("given_original", ""), upper_family=upper_family,
            )  # fmt: skip
        except TransformError as error:
            problems.append(
                FieldProblem(code=error.code, message=error.message, path=path, source=sources[0])
            )
            return
        put(tree, value)

    return step, sources
