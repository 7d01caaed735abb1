"""Merge what several national sources say about one person into one canonical record.

Fragments are canonical JSON trees, possibly partial (a Printrak capture
gives biometrics and identifiers, no name). Fragments sharing an Immigration
Office number or a national number are about the same person, also through a
third fragment holding both. Within a group every field is taken from
whichever source gives it; where two sources give different values the field
is a `GW-MAP-CONFLICT` problem naming both sources and the path, and no
record is built: nothing is silently overwritten. Two things are not
conflicts: lists that a person may have several of (nationalities,
documents, aliases) are united, and a partial date of birth (`1988`) is
refined by a more precise one that agrees with it (`1988-04-12`).

Pure: no I/O, fragments in, results out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from gateway.domain.frozen import frozen
from gateway.domain.record import CanonicalRecord
from gateway.domain.rules import check_record
from gateway.domain.serialization import decode_record, encode
from gateway.mapping.problems import FieldProblem

__all__ = ["Fragment", "MergeResult", "merge", "merge_person"]

CONFLICT = "GW-MAP-CONFLICT"
NO_JOIN_KEY = "GW-MAP-JOIN"

_UNITED = frozenset({"person.nationalities", "person.documents", "person.aliases"})
_PARTIAL_DATES = frozenset({"person.birth_date"})
_IDS = ("application", "identifiers")


@frozen
class Fragment:
    """What one source says about a person, as a (possibly partial) canonical JSON tree."""

    source: str
    data: dict[str, Any]

    @classmethod
    def of(cls, source: str, record: CanonicalRecord) -> Fragment:
        return cls(source=source, data=encode(record))

    def join_keys(self) -> tuple[str, ...]:
        """The join keys: `io:<number>` and `nn:<number>`, whichever the fragment has."""
        ids = self.data.get(_IDS[0], {}).get(_IDS[1], {})
        found = []
        for prefix, name in (("io", "io_file_number"), ("nn", "national_number")):
            value = ids.get(name)
            if isinstance(value, str) and (key := "".join(c for c in value if c.isalnum())):
                found.append(f"{prefix}:{key}")
        return tuple(found)


@frozen
class MergeResult:
    """One person: the merged record, or None with the conflicts and other problems."""

    keys: tuple[str, ...]
    sources: tuple[str, ...]
    record: CanonicalRecord | None
    problems: tuple[FieldProblem, ...] = ()
    merged: dict[str, Any] | None = None


def merge(fragments: Iterable[Fragment], *, today: date | None = None) -> list[MergeResult]:
    """Group fragments by person (shared IO or national number) and merge each group."""
    groups = _group(list(fragments))
    return [merge_person(group, today=today) for group in groups]


def merge_person(fragments: Sequence[Fragment], *, today: date | None = None) -> MergeResult:
    """Merge fragments already known to be about one person."""
    sources = tuple(dict.fromkeys(f.source for f in fragments))
    keys = tuple(dict.fromkeys(k for f in fragments for k in f.join_keys()))
    if not keys:
        problem = FieldProblem(
            code=NO_JOIN_KEY,
            message="the record has neither an Immigration Office number nor a national number",
            path="application.identifiers",
            source=", ".join(sources),
        )
        return MergeResult(keys=keys, sources=sources, record=None, problems=(problem,))
    values: dict[str, list[tuple[str, Any]]] = {}
    for fragment in fragments:
        _collect(fragment.data, "", fragment.source, values)
    merged: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    for path, given in values.items():
        value = _settle(path, given, problems)
        if value is not None:
            _put(merged, path, value)
    if problems:
        return MergeResult(
            keys=keys, sources=sources, record=None, problems=tuple(problems), merged=merged
        )
    decoded = decode_record(merged)
    found = [FieldProblem(code=p.code, message=p.message, path=p.path) for p in decoded.problems]
    if decoded.value is not None and today is not None:
        found += [
            FieldProblem(code=p.code, message=p.message, path=p.path)
            for p in check_record(decoded.value, today=today)
        ]
    record = None if found else decoded.value
    return MergeResult(
        keys=keys, sources=sources, record=record, problems=tuple(found), merged=merged
    )


def _group(fragments: list[Fragment]) -> list[list[Fragment]]:
    """Connected groups of fragments (union-find over the join keys), in input order."""
    parent = list(range(len(fragments)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, fragment in enumerate(fragments):
        for key in fragment.join_keys():
            if key in owner:
                parent[root(i)] = root(owner[key])
            else:
                owner[key] = i
    groups: dict[int, list[Fragment]] = {}
    for i, fragment in enumerate(fragments):
        groups.setdefault(root(i), []).append(fragment)
    return list(groups.values())


def _collect(node: Any, path: str, source: str, values: dict[str, list[tuple[str, Any]]]) -> None:
    if isinstance(node, dict) and path not in _UNITED:
        for key, child in node.items():
            _collect(child, f"{path}.{key}" if path else key, source, values)
        return
    values.setdefault(path, []).append((source, node))


def _settle(path: str, given: list[tuple[str, Any]], problems: list[FieldProblem]) -> Any:
    if path in _UNITED:
        united: list[Any] = []
        for _, items in given:
            united += [item for item in items if item not in united]
        return united
    distinct: list[tuple[str, Any]] = []
    for source, value in given:
        if all(value != seen for _, seen in distinct):
            distinct.append((source, value))
    if len(distinct) == 1:
        return distinct[0][1]
    if path in _PARTIAL_DATES:
        refined = _most_precise([value for _, value in distinct])
        if refined is not None:
            return refined
    said = "; ".join(f"{source} says {value!r}" for source, value in distinct)
    problems.append(
        FieldProblem(
            code=CONFLICT,
            message=f"the sources disagree: {said}",
            path=path,
            source=", ".join(source for source, _ in distinct),
        )
    )
    return None


def _most_precise(dates: list[Any]) -> str | None:
    """The most precise of partial dates that all agree with it, else None."""
    texts = sorted((str(d) for d in dates), key=len)
    finest = texts[-1]
    return finest if all(finest.startswith(text) for text in texts) else None


def _put(tree: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = tree
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value
