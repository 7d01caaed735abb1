"""Scenario files: a story of steps and the outcomes it expects, read from YAML.

    name: An applicant registered in NL applies in Belgium
    description: ...
    regime: 2024/1358
    steps:
      - seed: {record: {person: 1, reference: "NL1${run}N1"}}
      - submit: {as: first, record: {person: 1, capture: 1, reference: "BE1${run}A1"}}
      - expect: {eurodac: first, result: hit, matches: ["NL1${run}N1"]}
      - expect: {message: first, state: answered}

A scenario about a situation that the law ends on a known day says so; after that
day it is reported as no longer possible instead of being played (and failing):

    can_happen_until:
      day: 2027-12-09
      because: Italy's 603/2013 category 2 data are erased 18 months after capture

A peer's request opens a case at the gateway; steps name it by the request:

      - peer_request: {as: asked, peer: NL, type: take-charge-request}
      - case_reply: {case: asked, outcome: reject}
      - peer_message: {request: asked, type: reexamination-request, reasons: "..."}
      - expect: {case: asked, state: reexamination_requested, history: [opened, rejection,
                 reexamination_request], deadline: reexamination-reply}
      - case_message: {case: asked, type: info-request, legal_basis: "Art 34"}

A peer's request may say the person is detained or an urgent reply is asked; an operator
records a change of the person's situation on the case; an expectation names the running
time limit's article, the state that must act and its last day (an ISO date, or `+N days`,
`weeks`, `months` or `years` counted from the day the running period started, ending under
Reg 1182/71 with the holidays of that state):

      - peer_request: {as: held, peer: NL, type: take-charge-request, detained: true}
      - expect: {case: held, deadline: take-charge-reply, deadline_date: "+2 weeks",
                 deadline_basis: "Reg 604/2013 Art 28(3)", deadline_state: BE}
      - case_event: {case: held, event: absconded, reason: "reported by NL"}

`${run}` stands for a short id of the run, so that a scenario runs again and
again against the same simulators without meeting its earlier data; synthetic
persons are namespaced by it too. Every structural mistake is refused with
the file and the step it is in.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Mapping
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from gateway.domain.frozen import frozen
from gateway.errors import ConfigError
from gateway.tracking.periods import Period, Unit

__all__ = [
    "EXPECTATIONS",
    "STEP_KINDS",
    "LastDay",
    "Scenario",
    "Step",
    "load_scenario",
    "new_run_id",
    "relative_period",
    "shipped_scenarios",
    "substitute",
]

BAD_SCENARIO = "GW-SIM-SCENARIO"

# The fields of `POST /v1/cases/{id}/messages` (the gateway checks which a type needs).
_CASE_MESSAGE_FIELDS = ("reasons", "transfer_date", "arrival_place", "mode", "escorts", "remarks",
                        "legal_basis")  # fmt: skip

# Each step kind and the keys it takes (the first set: required).
STEP_KINDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "seed": (frozenset({"record"}), frozenset()),
    "submit": (frozenset({"as", "record"}), frozenset()),
    "policy": (frozenset({"peer", "policy"}), frozenset()),
    "faults": (frozenset({"endpoint"}), frozenset({"faults"})),
    "peer_request": (
        frozenset({"as", "peer", "type"}),
        frozenset(
            {
                "record",
                "national_reference",
                "eurodac_reference",
                "urgent",
                "urgency_reason",
                "detained",
            }
        ),
    ),
    # the peer of the named `request` sends a message on it (the control API's fields)
    "peer_message": (
        frozenset({"request", "type"}),
        frozenset({"as", "reasons", "transfer_date", "arrival_place", "mode", "legal_basis"}),
    ),
    # the gateway's operator replies to the case a peer's request opened, or sends on it
    "case_reply": (
        frozenset({"case", "outcome"}),
        frozenset({"reason_codes", "explanation", "legal_basis"}),
    ),
    "case_message": (frozenset({"case", "type"}), frozenset(_CASE_MESSAGE_FIELDS)),
    # the operator records what happened to the person (POST /v1/cases/{id}/events)
    "case_event": (frozenset({"case", "event"}), frozenset({"reason"})),
    # the member state of origin of a stored data set marks it (the simulator's control API);
    # the Central System tells the states that had a hit with it
    "mark": (frozenset({"reference"}), frozenset({"reason"})),
    "expect": (frozenset(), frozenset({"within"})),
}

# What an `expect` step checks: its subject key, and the keys it compares.
EXPECTATIONS: dict[str, frozenset[str]] = {
    "submission": frozenset({"status", "codes"}),
    "message": frozenset({"state"}),
    "eurodac": frozenset({"result", "matches", "late", "code", "stored", "false_hit"}),
    "delivered": frozenset({"state"}),
    "record": frozenset({"stored", "marked", "late"}),
    # a marking notice the gateway received about our data set (a result in the inbox)
    "notice": frozenset({"marked", "marking_state", "reason", "legal_basis"}),
    # the case a peer's request opened: its state, the events of its history in order, the
    # step whose time limit runs (null: none), that limit's last day, article and acting state
    "case": frozenset(
        {"state", "history", "deadline", "deadline_date", "deadline_basis", "deadline_state"}
    ),
}

_RELATIVE = re.compile(r"^\+(\d{1,4}) (day|week|month|year)s?$")


@frozen
class Step:
    number: int  # 1-based, as a tester counts
    kind: str
    args: Mapping[str, Any]


@frozen
class LastDay:
    """The last day a scenario's situation can happen, and the rule that ends it."""

    day: date
    because: str


@frozen
class Scenario:
    name: str
    description: str
    source: str
    steps: tuple[Step, ...]
    can_happen_until: LastDay | None = None

    def can_happen_on(self, day: date) -> bool:
        return self.can_happen_until is None or day <= self.can_happen_until.day


def _refuse(source: str, where: str, why: str) -> ConfigError:
    return ConfigError(BAD_SCENARIO, why, f"{source}: {where}")


def load_scenario(path: Path) -> Scenario:
    """Read and check a scenario file."""
    source = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise _refuse(source, "file", f"cannot read the scenario: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise _refuse(source, "file", f"not valid YAML: {error}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("steps"), list):
        raise _refuse(source, "file", "a scenario is a mapping with a list of steps")
    unknown = set(data) - {"name", "description", "regime", "steps", "can_happen_until"}
    if unknown:
        raise _refuse(source, "file", f"unknown keys {sorted(unknown)}")
    steps = tuple(_step(source, number, item) for number, item in enumerate(data["steps"], 1))
    return Scenario(
        name=str(data.get("name", path.stem)),
        description=str(data.get("description", "")).strip(),
        source=source,
        steps=steps,
        can_happen_until=_last_day(source, data.get("can_happen_until")),
    )


def _last_day(source: str, value: object) -> LastDay | None:
    if value is None:
        return None
    if (
        not isinstance(value, Mapping)
        or set(value) != {"day", "because"}
        or type(value["day"]) is not date
        or not str(value["because"] or "").strip()
    ):
        raise _refuse(
            source,
            "can_happen_until",
            "can_happen_until is a mapping of a day (YYYY-MM-DD) and the rule ending it (because)",
        )
    return LastDay(day=value["day"], because=" ".join(str(value["because"]).split()))


def _step(source: str, number: int, item: object) -> Step:
    where = f"step {number}"
    if not isinstance(item, Mapping) or len(item) != 1:
        raise _refuse(source, where, "a step is a mapping of one kind to its arguments")
    [(kind, args)] = item.items()
    if kind not in STEP_KINDS:
        raise _refuse(source, where, f"no step kind {kind!r} (kinds: {', '.join(STEP_KINDS)})")
    if not isinstance(args, Mapping):
        raise _refuse(source, where, f"the arguments of {kind} are a mapping")
    required, optional = STEP_KINDS[kind]
    if kind == "expect":
        subjects = [key for key in args if key in EXPECTATIONS]
        if len(subjects) != 1:
            raise _refuse(source, where, f"an expect step names one of {', '.join(EXPECTATIONS)}")
        required, optional = frozenset(subjects), optional | EXPECTATIONS[subjects[0]]
    missing = required - set(args)
    extra = set(args) - required - optional
    if missing or extra:
        raise _refuse(
            source,
            where,
            f"{kind} needs {sorted(required)}, may have {sorted(optional)}; "
            f"missing {sorted(missing)}, unknown {sorted(extra)}",
        )
    if "deadline_date" in args and not _is_deadline_date(args["deadline_date"]):
        raise _refuse(
            source, where, "deadline_date is a date (YYYY-MM-DD) or +N days, weeks, months, years"
        )
    return Step(number=number, kind=kind, args=args)


def _is_deadline_date(value: object) -> bool:
    return type(value) is date or (isinstance(value, str) and relative_period(value) is not None)


def relative_period(text: str) -> Period | None:
    """The period `+N unit` names (`+2 weeks`), or None when `text` is not one."""
    match = _RELATIVE.match(text.strip())
    if match is None or int(match[1]) < 1:
        return None
    return Period(amount=int(match[1]), unit=Unit(f"{match[2]}s"))


def substitute(value: Any, run: str) -> Any:
    """`${run}` replaced by the run id in every string of `value`."""
    if isinstance(value, str):
        return value.replace("${run}", run)
    if isinstance(value, Mapping):
        return {key: substitute(item, run) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, run) for item in value]
    return value


def new_run_id() -> str:
    """Five capital letters or digits: short enough for the national part of a reference."""
    alphabet = string.ascii_uppercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(5))


def shipped_scenarios() -> list[Path]:
    """The scenario files shipped with the simulators."""
    folder = Path(str(resources.files("simulators.scenarios")))
    return sorted(folder.glob("*.yaml"))
