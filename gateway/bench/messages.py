"""Throughput of the message pipeline, stage by stage, and of a bare-library floor.

The pipeline is a list of stages, each turning every item of the previous
stage into the next (Message -> bytes -> element -> ...). Each stage is
timed over the whole batch and reported in messages per second. A floor is
the same work done with the bare libraries (lxml alone for parse and
validate); the report says how close the gateway comes to it.

More stages (signing, verification) are added with `add_stage` and more
floors with `add_floor`, from the module that owns them.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from gateway.messages import Message, build_message, parse_message
from gateway.messages.examples import example_messages
from gateway.validation import DEFAULT_LIMITS, default_pack, parse_xml, validate

__all__ = [
    "Floor",
    "Report",
    "Stage",
    "StageResult",
    "add_floor",
    "add_stage",
    "floors",
    "format_report",
    "measure",
    "sample_messages",
    "stages",
]

Timer = Callable[[], float]

WARM_UP = 50


@dataclass(frozen=True, kw_only=True, slots=True)
class Stage:
    """One step of the pipeline: `run` turns one item of the previous stage into the next."""

    name: str
    run: Callable[[Any], Any]


@dataclass(frozen=True, kw_only=True, slots=True)
class Floor:
    """The bare-library way to do what the gateway's `covers` stages do, from their input."""

    name: str
    covers: tuple[str, ...]
    run: Callable[[Any], Any]


@dataclass(frozen=True, kw_only=True, slots=True)
class StageResult:
    name: str
    count: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else float("inf")


@dataclass(frozen=True, kw_only=True, slots=True)
class Report:
    count: int
    stages: tuple[StageResult, ...]
    floors: tuple[tuple[Floor, StageResult], ...]

    def seconds_of(self, names: Sequence[str]) -> float:
        return sum(result.seconds for result in self.stages if result.name in names)


def _bare_parse_and_validate(data: bytes) -> etree._Element:
    root = etree.fromstring(data)
    etree.QName(root)
    default_pack().schema_for(etree.QName(root).namespace).assertValid(root)
    return root


def _validated(root: etree._Element) -> etree._Element:
    validate(root)
    return root


_STAGES: list[Stage] = [
    Stage(name="build", run=build_message),
    Stage(name="parse", run=lambda data: parse_xml(data, DEFAULT_LIMITS)),
    Stage(name="validate", run=_validated),
    Stage(name="read", run=parse_message),
]
_FLOORS: list[Floor] = [
    Floor(name="lxml parse + validate", covers=("parse", "validate"), run=_bare_parse_and_validate),
]


def stages() -> list[Stage]:
    return list(_STAGES)


def floors() -> list[Floor]:
    return list(_FLOORS)


def add_stage(stage: Stage, *, after: str) -> None:
    """Insert a stage after the named one (its input is that stage's output)."""
    names = [existing.name for existing in _STAGES]
    if stage.name in names:
        return
    _STAGES.insert(names.index(after) + 1, stage)


def add_floor(floor: Floor) -> None:
    if all(existing.name != floor.name for existing in _FLOORS):
        _FLOORS.append(floor)


def sample_messages(count: int) -> list[Message]:
    """`count` messages cycling through every example type, each with its own identity."""
    examples = itertools.cycle(example_messages().values())
    return [
        dataclasses.replace(
            message,
            envelope=dataclasses.replace(message.envelope, message_id=uuid.uuid4()),
        )
        for message in itertools.islice(examples, count)
    ]


def _timed(
    name: str, run: Callable[[Any], Any], items: list[Any], timer: Timer
) -> tuple[StageResult, list[Any]]:
    start = timer()
    outputs = [run(item) for item in items]
    return StageResult(name=name, count=len(items), seconds=timer() - start), outputs


def measure(count: int, *, timer: Timer = time.perf_counter) -> Report:
    """Run every stage and floor over `count` sample messages."""
    if count < 1:
        raise ValueError("the count is at least 1")
    _run(sample_messages(min(count, WARM_UP)), timer)  # first calls compile and fill caches
    results, floor_results = _run(sample_messages(count), timer)
    return Report(count=count, stages=tuple(results), floors=tuple(floor_results))


def _run(
    messages: list[Message], timer: Timer
) -> tuple[list[StageResult], list[tuple[Floor, StageResult]]]:
    items: list[Any] = list(messages)
    inputs: dict[str, list[Any]] = {}
    results = []
    for stage in stages():
        inputs[stage.name] = items
        result, items = _timed(stage.name, stage.run, items, timer)
        results.append(result)
    floor_results = []
    for floor in floors():
        result, _ = _timed(floor.name, floor.run, inputs[floor.covers[0]], timer)
        floor_results.append((floor, result))
    return results, floor_results


def format_report(report: Report) -> str:
    lines = [f"{report.count} messages", f"{'stage':<28}{'messages/s':>12}{'seconds':>10}"]
    lines += [
        f"{result.name:<28}{result.per_second:>12,.0f}{result.seconds:>10.3f}"
        for result in report.stages
    ]
    for floor, result in report.floors:
        ours = report.seconds_of(floor.covers)
        share = 100 * result.seconds / ours if ours > 0 else float("inf")
        lines.append(
            f"floor: {floor.name} {result.per_second:,.0f}/s; gateway "
            f"{' + '.join(floor.covers)} {report.count / ours:,.0f}/s = {share:.0f} % of the floor"
        )
    return "\n".join(lines)
