"""Mapping specifications loaded and compiled once, then applied to source records.

    mapping = load_mapping(Path("mappings/evibel.json.yaml"))
    result = mapping.map(row, today=date(2026, 7, 1))
    result.record      # a CanonicalRecord, or None
    result.problems    # every problem: mapping, model and (with `today`) domain rules

A specification file:

    source: evibel              # the national source
    format: json                # json | csv
    description: ...
    csv: {delimiter: ";"}       # csv only
    extensions: [.csv]          # the file names of such exports (default: by format)
    unread:                     # fields the exports hold that the gateway does not read, and why
      ADRES: the address; not in the canonical model
    fields: [...]               # the rules, see gateway.mapping.compiler

An export's header is checked against the fields read and unread before any
record (`gateway.mapping.headers`): `Mapping.read` refuses it as a whole.

Code lists named by rules are read from `codelists/` beside the specification.
"""

from __future__ import annotations

import codecs
import itertools
from collections.abc import Iterator
from collections.abc import Mapping as MappingABC
from dataclasses import field
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from gateway.domain.frozen import frozen
from gateway.domain.problems import Problem
from gateway.domain.record import CanonicalRecord
from gateway.domain.rules import check_record
from gateway.domain.serialization import decode_record
from gateway.mapping.builder import GiveUp, build_record, to_json
from gateway.mapping.codelists import CodeList, load_code_list
from gateway.mapping.compiler import CompiledRule, compile_rule
from gateway.mapping.fixed import check_layout, fixed_columns
from gateway.mapping.headers import ExportFields, checked_json_rows
from gateway.mapping.problems import FieldProblem
from gateway.mapping.readers import SourceRow, read_csv_rows, read_fixed_rows
from gateway.mapping.steps import Step, guarded
from gateway.mapping.yamlfile import LineDict, LineList, load_yaml, spec_error

__all__ = ["EXTENSIONS", "FORMATS", "MapResult", "Mapping", "load_mapping"]

FORMATS = ("json", "csv", "fixed")
# The file names of each format's exports, unless a specification says (`extensions:`).
EXTENSIONS = {"json": (".json", ".jsonl"), "csv": (".csv",), "fixed": (".txt",)}
_SPEC_KEYS = {
    "source", "format", "description", "encoding", "csv", "fixed", "extensions", "unread",
    "fields",
}  # fmt: skip
_CSV_KEYS = {"delimiter"}


@frozen
class MapResult:
    """A mapped record, or None with every problem that prevented it."""

    record: CanonicalRecord | None
    problems: tuple[FieldProblem, ...] = ()


@frozen
class Mapping:
    """A compiled specification: apply it to any number of source records."""

    source: str
    format: str
    file: str
    steps: tuple[Step, ...]
    sources_by_path: dict[str, str]
    list_parents: tuple[tuple[str | int, ...], ...]
    fields: ExportFields
    csv_options: dict[str, str] = field(default_factory=dict)
    columns: tuple[tuple[str, int, int], ...] = ()  # fixed width: name, start, end (from 1)
    encoding: str = "utf-8"
    extensions: tuple[str, ...] = ()

    def read(self, stream: TextIO) -> Iterator[SourceRow]:
        """The rows of an export in this specification's format, once its header fits the
        specification: else `InputError` (GW-MAP-HEADER, GW-MAP-FORMAT) before any row.
        A JSON export is read twice (its keys first), so `stream` is read again from where
        it is (standard input is copied to a temporary file first)."""
        if self.format == "csv":
            delimiter = self.csv_options.get("delimiter", ",")
            return read_csv_rows(
                stream,
                delimiter=delimiter,
                check_header=lambda header: self.fields.csv_problems(header, delimiter=delimiter),
            )
        if self.format == "fixed":
            return read_fixed_rows(stream, self.columns)
        return checked_json_rows(stream, self.fields)

    def tree(self, row: MappingABC[str, Any]) -> tuple[dict[str, Any], list[FieldProblem]]:
        """The canonical tree of a row (JSON-shaped, with typed leaves), and its problems."""
        tree: dict[str, Any] = {}
        problems: list[FieldProblem] = []
        for step in self.steps:
            step(row, tree, problems)
        for keys in self.list_parents:
            _listify(tree, keys)
        return tree, problems

    def map(self, row: object, *, today: date | None = None) -> MapResult:
        """Map one source record; with `today`, the domain rules are checked too."""
        if type(row) is not dict and not isinstance(row, MappingABC):
            return MapResult(
                record=None,
                problems=(FieldProblem(code=_ROW, message="a record is a JSON object", path=""),),
            )
        tree, problems = self.tree(row)
        if not problems:
            try:
                record = build_record(tree)
            except GiveUp:
                pass  # the decoder below says what is wrong, with its codes and paths
            else:
                return self._checked(record, today)
        decoded = decode_record(to_json(tree))
        if decoded.problems:
            failed = [p.path for p in problems]
            problems += [self._located(p) for p in decoded.problems if not _covered(p.path, failed)]
        elif today is not None and decoded.value is not None:
            problems += [self._located(p) for p in check_record(decoded.value, today=today)]
        if problems:
            return MapResult(record=None, problems=tuple(problems))
        return MapResult(record=decoded.value)

    def _checked(self, record: CanonicalRecord, today: date | None) -> MapResult:
        if today is None:
            return MapResult(record=record)
        problems = check_record(record, today=today)
        if problems:
            return MapResult(record=None, problems=tuple(self._located(p) for p in problems))
        return MapResult(record=record)

    def _located(self, problem: Problem) -> FieldProblem:
        path = problem.path
        source = None
        while path:
            source = self.sources_by_path.get(path)
            if source is not None:
                break
            path = path[: path.rindex("[")] if path.endswith("]") else path.rpartition(".")[0]
        return FieldProblem(
            code=problem.code, message=problem.message, path=problem.path, source=source
        )


_ROW = "GW-MAP-ROW"


def load_mapping(path: Path, code_list_dir: Path | None = None) -> Mapping:
    """Load and compile a specification, or refuse it (`GW-MAP-SPEC`) with file and line."""
    document = load_yaml(path)
    file = str(path)
    if not isinstance(document, LineDict):
        raise spec_error(file, 1, "a mapping specification is a YAML mapping")
    for key in document:
        if key not in _SPEC_KEYS:
            raise spec_error(file, document.line_of(key), f"a specification has no key {key!r}")
    source = document.get("source")
    if not isinstance(source, str) or not source:
        raise spec_error(file, document.line_of("source"), "'source' names the national source")
    fmt = document.get("format")
    if fmt not in FORMATS:
        raise spec_error(file, document.line_of("format"), f"'format' is one of {FORMATS}")
    csv_options = _csv_options(document, file)
    columns = fixed_columns(document, file) if fmt == "fixed" else ()
    encoding = document.get("encoding", "utf-8")
    try:
        codecs.lookup(encoding)
    except (LookupError, TypeError):
        raise spec_error(
            file, document.line_of("encoding"), f"unknown encoding {encoding!r}"
        ) from None
    rules = document.get("fields")
    if not isinstance(rules, LineList) or not rules:
        raise spec_error(file, document.line_of("fields"), "'fields' is a non-empty list of rules")
    lists = _CodeLists(code_list_dir or path.parent / "codelists")
    compiled = [
        compile_rule(rule, line, file, lists.get)
        for rule, line in zip(rules, rules.lines, strict=True)
    ]
    _refuse_unconditional_twice(compiled, file)
    sources_by_path = {rule.target.path: rule.sources[0] for rule in compiled if rule.sources}
    parents = {rule.target.list_prefix for rule in compiled if rule.target.list_prefix}
    read = _fields_read(compiled)
    fields = ExportFields(spec=file, read=read, unread=_unread(document, file, read))
    if fmt == "fixed":
        check_layout(document, file, columns, fields.read, fields.unread)
    return Mapping(
        source=source,
        format=str(fmt),
        file=file,
        steps=_plan(compiled),
        sources_by_path=sources_by_path,
        list_parents=tuple(sorted(p for p in parents if p is not None)),
        fields=fields,
        csv_options=csv_options,
        columns=columns,
        encoding=encoding,
        extensions=_extensions(document, file, str(fmt)),
    )


def _fields_read(compiled: list[CompiledRule]) -> dict[str, str]:
    """Each source field the rules read, with the canonical path it goes to (or its use)."""
    read: dict[str, str] = {}
    for rule in compiled:
        for name in rule.sources:
            read.setdefault(name, rule.target.path)
        if rule.when_field is not None:
            read.setdefault(rule.when_field, f"the condition of the rule at line {rule.line}")
    return read


def _unread(document: LineDict, file: str, read: dict[str, str]) -> frozenset[str]:
    """`unread:`, the fields exports hold that the gateway deliberately does not read."""
    unread = document.get("unread", LineDict())
    usage = "'unread' maps each field an export holds and the gateway does not read to why"
    if not isinstance(unread, LineDict):
        raise spec_error(file, document.line_of("unread"), usage)
    for name, why in unread.items():
        if not isinstance(name, str) or not name or not isinstance(why, str) or not why.strip():
            raise spec_error(file, unread.line_of(name), usage)
        if name in read:
            raise spec_error(
                file, unread.line_of(name), f"{name!r} is read by a rule ({read[name]})"
            )
    return frozenset(unread)


def _extensions(document: LineDict, file: str, fmt: str) -> tuple[str, ...]:
    given = document.get("extensions", list(EXTENSIONS[fmt]))
    if not isinstance(given, list) or not all(
        isinstance(e, str) and e.startswith(".") and len(e) > 1 for e in given
    ):
        raise spec_error(
            file, document.line_of("extensions"), "'extensions' lists file name endings: [.csv]"
        )
    return tuple(e.lower() for e in given)


class _CodeLists:
    """Each code list is loaded once per specification, however many rules name it."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._loaded: dict[str, CodeList] = {}

    def get(self, name: str) -> CodeList:
        if name not in self._loaded:
            self._loaded[name] = load_code_list(self._directory, name)
        return self._loaded[name]


def _csv_options(document: LineDict, file: str) -> dict[str, str]:
    options = document.get("csv", {})
    if not isinstance(options, dict):
        raise spec_error(file, document.line_of("csv"), "'csv' is a mapping")
    for key, value in options.items():
        line = options.line_of(key) if isinstance(options, LineDict) else document.line
        if key not in _CSV_KEYS or not isinstance(value, str) or not value:
            raise spec_error(file, line, f"'csv' takes text values for {sorted(_CSV_KEYS)}")
    return dict(options)


def _plan(compiled: list[CompiledRule]) -> tuple[Step, ...]:
    """The steps in rule order; neighbouring rules with the same condition test it once."""
    steps: list[Step] = []
    for key, group in itertools.groupby(compiled, key=lambda rule: rule.when_key):
        rules = list(group)
        when = rules[0].when
        if key is None or when is None:
            steps += [rule.step for rule in rules]
        else:
            steps.append(guarded(when, tuple(rule.step for rule in rules)))
    return tuple(steps)


def _refuse_unconditional_twice(compiled: list[CompiledRule], file: str) -> None:
    seen: dict[str, int] = {}
    for rule in compiled:
        if rule.conditional:
            continue
        if rule.target.path in seen:
            raise spec_error(
                file,
                rule.line,
                f"{rule.target.path} is already written by the rule at line "
                f"{seen[rule.target.path]}; give one of them a 'when'",
            )
        seen[rule.target.path] = rule.line


def _listify(tree: dict[Any, Any], keys: tuple[str | int, ...]) -> None:
    node: Any = tree
    for key in keys[:-1]:
        node = node.get(key)
        if not isinstance(node, dict):
            return
    items = node.get(keys[-1])
    if isinstance(items, dict):
        node[keys[-1]] = [items[i] for i in sorted(items)]


def _covered(path: str, failed: list[str]) -> bool:
    """True when a model problem repeats one the mapping already reported."""
    return any(_within(path, f) or _within(f, path) for f in failed if f)


def _within(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((f"{prefix}.", f"{prefix}["))
