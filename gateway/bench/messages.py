"""Throughput of the message pipeline, stage by stage, and of a bare-library floor.

The pipeline is a list of stages, each turning every item of the previous
stage into the next: build (Message -> element), validate, serialize
(-> bytes) on the way out; parse, validate inbound, read (-> Message) on the
way in. Each stage is timed over the whole batch and reported in messages
per second. A floor is the same work done with the bare libraries (lxml
alone for parse and validate); the report says how close the gateway comes.

Signing and verification (`gateway.bench.signing`) are inserted with
`add_stage` and their floor with `add_floor`; `measure` takes the lists.

Hot paths timed: `gateway.messages.build_element`, `gateway.validation.validate`,
`gateway.messages.serialize`, `gateway.validation.parse_xml` (hardened) and
`gateway.messages.parse_message`.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from lxml import etree

from gateway.domain.frozen import frozen
from gateway.messages import Message, build_element, parse_message, serialize
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


@frozen
class Stage:
    """One step of the pipeline: `run` turns one item of the previous stage into the next."""

    name: str
    run: Callable[[Any], Any]


@frozen
class Floor:
    """The bare-library way to do what the gateway's `covers` stages do, from their input."""

    name: str
    covers: tuple[str, ...]
    run: Callable[[Any], Any]


@frozen
class StageResult:
    name: str
    count: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else float("inf")


@frozen
class Report:
    count: int
    stages: tuple[StageResult, ...]
    floors: tuple[tuple[Floor, StageResult], ...]

    def seconds_of(self, names: Sequence[str]) -> float:
        return sum(result.seconds for result in self.stages if result.name in names)


def _bare_parse_and_validate(data: bytes) -> etree._Element:
    root = etree.fromstring(data)
    default_pack().schema_for(etree.QName(root).namespace).assertValid(root)
    return root


def _validated(root: etree._Element) -> etree._Element:
    validate(root)
    return root


def stages() -> list[Stage]:
    """The unsigned pipeline, out and back in."""
    return [
        Stage(name="build", run=build_element),
        Stage(name="validate", run=_validated),
        Stage(name="serialize", run=serialize),
        Stage(name="parse", run=lambda data: parse_xml(data, DEFAULT_LIMITS)),
        Stage(name="validate inbound", run=_validated),
        Stage(name="read", run=parse_message),
    ]


def floors() -> list[Floor]:
    return [
        Floor(
            name="lxml parse + validate",
            covers=("parse", "validate inbound"),
            run=_bare_parse_and_validate,
        )
    ]


def add_stage(pipeline: list[Stage], stage: Stage, *, after: str) -> None:
    """Insert a stage after the named one (its input is that stage's output)."""
    names = [existing.name for existing in pipeline]
    pipeline.insert(names.index(after) + 1, stage)


def add_floor(floor_list: list[Floor], floor: Floor) -> None:
    floor_list.append(floor)


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


def measure(
    count: int,
    *,
    pipeline: Sequence[Stage] | None = None,
    floor_list: Sequence[Floor] | None = None,
    timer: Timer = time.perf_counter,
) -> Report:
    """Run every stage and floor over `count` sample messages."""
    if count < 1:
        raise ValueError("the count is at least 1")
    pipeline = stages() if pipeline is None else pipeline
    floor_list = floors() if floor_list is None else floor_list
    # a first small run compiles and fills caches, so that it is not what is measured
    _run(sample_messages(min(count, WARM_UP)), pipeline, floor_list, timer)
    results, floor_results = _run(sample_messages(count), pipeline, floor_list, timer)
    return Report(count=count, stages=tuple(results), floors=tuple(floor_results))


def _run(
    messages: list[Message], pipeline: Sequence[Stage], floor_list: Sequence[Floor], timer: Timer
) -> tuple[list[StageResult], list[tuple[Floor, StageResult]]]:
    items: list[Any] = list(messages)
    inputs: dict[str, list[Any]] = {}
    results = []
    for stage in pipeline:
        inputs[stage.name] = items
        result, items = _timed(stage.name, stage.run, items, timer)
        results.append(result)
    floor_results = []
    for floor in floor_list:
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
