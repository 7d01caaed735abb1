"""Run a scenario against a live gateway and the simulators, and say what held.

Steps act through the gateway's API (`/v1/submissions`, `/v1/messages`,
`/v1/cases`: a token with the submitter and operator roles) and the simulators'
control API.
Each `expect` step polls until what it names holds or its time (`within`,
30 s by default) runs out, and passes or fails with the difference between
what was expected and what was found. A step that cannot be carried out
fails and ends the scenario.
"""

from __future__ import annotations

import asyncio
import difflib
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import field
from datetime import date
from typing import Any

import aiohttp

from gateway.domain.frozen import frozen
from gateway.domain.serialization import encode
from gateway.errors import GatewayError
from gateway.tracking.holidays import load_calendar
from gateway.tracking.periods import period_end
from simulators.scenarios.model import (
    EXPECTATIONS,
    Scenario,
    Step,
    new_run_id,
    relative_period,
    substitute,
)
from simulators.scenarios.records import build_record

__all__ = [
    "Endpoints",
    "Outcome",
    "ScenarioRunner",
    "Tally",
    "no_longer_possible",
    "passed",
    "play",
    "play_counted",
    "report",
]

DEFAULT_WITHIN = 30.0


@frozen
class Endpoints:
    api: str  # the gateway's API, e.g. http://127.0.0.1:8080
    token: str  # a gateway token with the submitter and operator roles
    control: str  # the simulators' control API, e.g. http://127.0.0.1:9080
    control_token: str | None = None


@frozen
class Outcome:
    step: Step
    passed: bool
    what: str
    expected: Mapping[str, Any] = field(default_factory=dict)
    actual: Mapping[str, Any] | None = None
    error: str | None = None


class _StepFailedError(Exception):
    """A step that is not an expectation could not be carried out."""


class ScenarioRunner:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        endpoints: Endpoints,
        *,
        run: str,
        today: date,
        poll_every: float = 0.2,
    ) -> None:
        self.session = session
        self.endpoints = endpoints
        self.run_id = run
        self.today = today
        self.poll_every = poll_every
        self.names: dict[str, dict[str, Any]] = {}  # `as` names: what the step returned

    async def run(self, scenario: Scenario) -> list[Outcome]:
        outcomes = []
        for step in scenario.steps:
            args = substitute(dict(step.args), self.run_id)
            try:
                if step.kind == "expect":
                    outcomes.append(await self._expect(step, args))
                    continue
                await getattr(self, f"_{step.kind}")(args)
            except (_StepFailedError, GatewayError, aiohttp.ClientError, TimeoutError) as error:
                message = getattr(error, "message", None) or str(error) or type(error).__name__
                outcomes.append(Outcome(step=step, passed=False, what=step.kind, error=message))
                break
        return outcomes

    # ----- steps ----------------------------------------------------------------------

    async def _seed(self, args: Mapping[str, Any]) -> None:
        record = build_record(args["record"], run=self.run_id, today=self.today)
        await self._control("POST", "/control/eurodac/records", encode(record), ok=(200, 201))

    async def _submit(self, args: Mapping[str, Any]) -> None:
        record = build_record(args["record"], run=self.run_id, today=self.today)
        headers = {
            "Idempotency-Key": f"scenario-{self.run_id}-{args['as']}",
            "Authorization": f"Bearer {self.endpoints.token}",
        }
        url = f"{self.endpoints.api}/v1/submissions"
        async with self.session.post(url, json=encode(record), headers=headers) as response:
            answer = await response.json(content_type=None)
            status = response.status
        if status not in {202, 422}:
            raise _StepFailedError(f"the gateway answered the submission with HTTP {status}")
        self.names[str(args["as"])] = {"status": status, "answer": answer}

    async def _mark(self, args: Mapping[str, Any]) -> None:
        reason = str(args.get("reason", "protection-granted"))
        path = f"/control/eurodac/records/{args['reference']}/mark"
        await self._control("POST", path, {"reason": reason})

    async def _policy(self, args: Mapping[str, Any]) -> None:
        await self._control("PUT", f"/control/dublinet/{args['peer']}/policy", args["policy"])

    async def _faults(self, args: Mapping[str, Any]) -> None:
        faults = args.get("faults") or {}
        path = f"/control/faults/{args['endpoint']}"
        await self._control("PUT" if faults else "DELETE", path, faults or None)

    async def _peer_request(self, args: Mapping[str, Any]) -> None:
        body: dict[str, Any] = {"type": args["type"]}
        if "record" in args:
            body["record"] = encode(build_record(args["record"], run=self.run_id, today=self.today))
        for key in ("national_reference", "eurodac_reference", "urgent", "urgency_reason",
                    "detained"):  # fmt: skip
            if key in args:
                body[key] = args[key]
        made = await self._control(
            "POST", f"/control/dublinet/{args['peer']}/requests", body, ok=(202,)
        )
        self.names[str(args["as"])] = {
            "message_id": made["message_id"],
            "peer": str(args["peer"]),
            "national_reference": made["national_reference"],
        }

    async def _peer_message(self, args: Mapping[str, Any]) -> None:
        request = self._named(str(args["request"]))
        if "national_reference" not in request:
            raise _StepFailedError(f"{args['request']!r} is not a peer's request")
        body = {key: value for key, value in args.items() if key not in {"request", "as"}}
        body["national_reference"] = request["national_reference"]
        path = f"/control/dublinet/{request['peer']}/messages"
        made = await self._control("POST", path, body, ok=(202,))
        if "as" in args:
            self.names[str(args["as"])] = {"message_id": made["message_id"]}

    async def _case_reply(self, args: Mapping[str, Any]) -> None:
        case_id = await self._case_id(str(args["case"]))
        body = {key: value for key, value in args.items() if key != "case"}
        await self._api("POST", f"/v1/cases/{case_id}/reply", body)

    async def _case_message(self, args: Mapping[str, Any]) -> None:
        case_id = await self._case_id(str(args["case"]))
        body = {key: value for key, value in args.items() if key != "case"}
        await self._api("POST", f"/v1/cases/{case_id}/messages", body)

    async def _case_event(self, args: Mapping[str, Any]) -> None:
        case_id = await self._case_id(str(args["case"]))
        body = {key: value for key, value in args.items() if key != "case"}
        await self._api("POST", f"/v1/cases/{case_id}/events", body)

    async def _case_id(self, name: str) -> str:
        """The case request `name` opened, waited for as long as an expectation waits."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DEFAULT_WITHIN
        while (case_id := await self._find_case(name)) is None:
            if loop.time() >= deadline:
                reference = self._named(name)["national_reference"]
                raise _StepFailedError(f"the gateway opened no case for {reference} in time")
            await asyncio.sleep(self.poll_every)
        return case_id

    async def _find_case(self, name: str) -> str | None:
        """The incoming case the peer's request `name` opened, if it is open yet."""
        named = self._named(name)
        if "case_id" not in named:
            if "national_reference" not in named:
                raise _StepFailedError(f"{name!r} is not a peer's request: it opened no case")
            listing = await self._api("GET", "/v1/cases?limit=1000", None)
            for case in listing["cases"]:
                if case["direction"] == "incoming" and (
                    case["reference"] == named["national_reference"]
                ):
                    named["case_id"] = case["case_id"]
        return named.get("case_id")

    async def _api(self, method: str, path: str, body: Any) -> Any:
        return await self._call(self.endpoints.api, self.endpoints.token, method, path, body)

    async def _control(
        self, method: str, path: str, body: Any, *, ok: tuple[int, ...] = (200,)
    ) -> Any:
        return await self._call(
            self.endpoints.control, self.endpoints.control_token, method, path, body, ok=ok
        )

    async def _call(
        self,
        base: str,
        token: str | None,
        method: str,
        path: str,
        body: Any,
        *,
        ok: tuple[int, ...] = (200,),
    ) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        url = f"{base}{path}"
        async with self.session.request(method, url, json=body, headers=headers) as response:
            answer = await response.json(content_type=None)
            if response.status not in ok:
                detail = answer.get("detail") if isinstance(answer, dict) else answer
                raise _StepFailedError(f"{method} {path}: HTTP {response.status}: {detail}")
        return answer

    # ----- expectations ---------------------------------------------------------------

    async def _expect(self, step: Step, args: Mapping[str, Any]) -> Outcome:
        [subject] = [key for key in args if key in EXPECTATIONS]
        name = str(args[subject])
        expected = {key: value for key, value in args.items() if key in EXPECTATIONS[subject]}
        what = f"expect {subject} {name}"
        look: Callable[[], Awaitable[dict[str, Any] | None]] = {
            "submission": lambda: self._submission(name),
            "message": lambda: self._message(name),
            "eurodac": lambda: self._eurodac(name),
            "delivered": lambda: self._delivered(name),
            "record": lambda: self._record(name),
            "case": lambda: self._case(name),
            "notice": lambda: self._notice(name),
        }[subject]
        within = float(args.get("within", DEFAULT_WITHIN))
        actual: dict[str, Any] | None = None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            actual = await look()
            if actual is not None and "deadline_date" in expected:
                expected["deadline_date"] = _last_day(args["deadline_date"], actual)
            if actual is not None and _holds(expected, actual):
                return Outcome(step=step, passed=True, what=what, expected=expected, actual=actual)
            if loop.time() >= deadline or _settled(subject, actual):
                shown = None if actual is None else {k: actual.get(k) for k in expected}
                return Outcome(step=step, passed=False, what=what, expected=expected, actual=shown)
            await asyncio.sleep(self.poll_every)

    def _named(self, name: str) -> dict[str, Any]:
        if name not in self.names:
            raise _StepFailedError(f"no earlier step is named {name!r}")
        return self.names[name]

    def _message_id(self, name: str) -> str:
        named = self._named(name)
        if "message_id" in named:
            return str(named["message_id"])
        ids = named["answer"].get("message_ids") or []
        if not ids:
            raise _StepFailedError(f"the submission {name!r} made no message")
        return str(ids[0])

    async def _submission(self, name: str) -> dict[str, Any]:
        named = self._named(name)
        problems = named["answer"].get("problems", []) if named["status"] == 422 else []
        return {
            "status": "accepted" if named["status"] == 202 else "rejected",
            "codes": sorted({problem["code"] for problem in problems}),
        }

    async def _message(self, name: str) -> dict[str, Any] | None:
        url = f"{self.endpoints.api}/v1/messages/{self._message_id(name)}"
        headers = {"Authorization": f"Bearer {self.endpoints.token}"}
        async with self.session.get(url, headers=headers) as response:
            if response.status != 200:
                return None
            answer = await response.json()
        return {"state": answer["state"]}

    async def _eurodac(self, name: str) -> dict[str, Any] | None:
        message_id = self._message_id(name)
        rows = await self._control("GET", "/control/received?endpoint=eurodac", None)
        for row in rows:
            if row["message_id"] == message_id and row["state"] == "done":
                outcome: dict[str, Any] = row["outcome"] or {}
                return outcome
        return None

    async def _delivered(self, name: str) -> dict[str, Any] | None:
        message_id = self._message_id(name)
        found = await self._control("GET", f"/control/outbox/{message_id}", None, ok=(200, 404))
        return {"state": found["state"]} if "state" in found else None

    async def _case(self, name: str) -> dict[str, Any] | None:
        case_id = await self._find_case(name)
        if case_id is None:
            return None
        case = await self._api("GET", f"/v1/cases/{case_id}", None)
        deadline = case["deadline"] or {}
        return {
            "state": case["state"],
            "history": [row["event"] for row in case["history"]],
            "deadline": deadline.get("step"),
            "deadline_date": deadline.get("date"),
            "deadline_basis": deadline.get("legal_basis"),
            "deadline_state": deadline.get("state"),
            "deadline_from": deadline.get("from"),
        }

    async def _notice(self, reference: str) -> dict[str, Any] | None:
        """The marking notice about our data set `reference`, from the submitter's inbox."""
        since = ""
        while True:
            query = f"?since={since}" if since else ""
            page = await self._api("GET", f"/v1/inbox{query}", None)
            for result in page["results"]:
                data = result.get("data") or {}
                if result["kind"] == "marking-notice" and data.get("reference") == reference:
                    return dict(data)
            if not page["results"] or page["next"] == since:
                return None
            since = str(page["next"])

    async def _record(self, reference: str) -> dict[str, Any]:
        rows = await self._control("GET", "/control/eurodac/records", None)
        for row in rows:
            if row["reference"] == reference:
                return {"stored": row["deleted_at"] is None, **row}
        return {"stored": False}


def _last_day(wanted: Any, case: Mapping[str, Any]) -> str | None:
    """The ISO last day an expectation names: its date, or its period counted from the day the
    case's running period started, under Reg 1182/71 with the acting state's holidays."""
    if isinstance(wanted, date):
        return wanted.isoformat()
    period = relative_period(str(wanted))
    if period is None or not case.get("deadline_from") or not case.get("deadline_state"):
        return str(wanted)  # nothing to count from: it cannot hold, the report says so
    start = date.fromisoformat(str(case["deadline_from"]))
    return period_end(start, period, load_calendar(str(case["deadline_state"]))).isoformat()


_FINAL_STATES = frozenset({"answered", "dead", "cancelled", "acknowledged"})


def _settled(subject: str, actual: Mapping[str, Any] | None) -> bool:
    """Whether what was found can no longer change, so waiting longer is useless."""
    if actual is None:
        return False
    if subject in {"submission", "eurodac"}:
        return True  # a submission's answer and a processed transaction's outcome stay
    state = actual.get("state")
    if subject == "delivered":
        return state in _FINAL_STATES
    return subject == "message" and state in _FINAL_STATES - {"acknowledged"}


_IN_ORDER = frozenset({"history"})  # lists whose order is what is expected; others are sets


def _holds(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> bool:
    return all(
        _same(value, actual.get(key), in_order=key in _IN_ORDER) for key, value in expected.items()
    )


def _same(expected: Any, actual: Any, *, in_order: bool) -> bool:
    if isinstance(expected, list) and isinstance(actual, list) and not in_order:
        return sorted(map(str, expected)) == sorted(map(str, actual))
    return bool(expected == actual)


async def play(
    scenarios: Sequence[Scenario],
    endpoints: Endpoints,
    *,
    today: date,
    show: Callable[[str], None],
) -> bool:
    """Run scenarios one after the other, each with a new run id; `show` gets each report.
    True when every one held. A scenario that can no longer happen `today` is not played."""
    return (await play_counted(scenarios, endpoints, today=today, show=show)).all_held


@frozen
class Tally:
    """How many scenarios held of those played, and how many could not be played."""

    held: int
    played: int
    not_played: int

    @property
    def all_held(self) -> bool:
        return self.held == self.played

    def __str__(self) -> str:
        skipped = f"; {self.not_played} not played (no longer possible)" if self.not_played else ""
        return f"{self.held} of {self.played} scenarios held{skipped}"


async def play_counted(
    scenarios: Sequence[Scenario],
    endpoints: Endpoints,
    *,
    today: date,
    show: Callable[[str], None],
) -> Tally:
    """`play`, counting the scenarios that held."""
    held = played = 0
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        for scenario in scenarios:
            if not scenario.can_happen_on(today):
                show(no_longer_possible(scenario))
                continue
            run = new_run_id()
            outcomes = await ScenarioRunner(session, endpoints, run=run, today=today).run(scenario)
            show(report(scenario, outcomes, run))
            played += 1
            held += passed(outcomes)
    return Tally(held=held, played=played, not_played=len(scenarios) - played)


def no_longer_possible(scenario: Scenario) -> str:
    """The report of a scenario not played because its situation can no longer happen."""
    assert scenario.can_happen_until is not None  # noqa: S101 - only asked of such a scenario
    last = scenario.can_happen_until
    return (
        f"Scenario: {scenario.name} ({scenario.source})\n"
        f"  NOT PLAYED  it can no longer happen after {last.day}: {last.because}"
    )


def passed(outcomes: list[Outcome]) -> bool:
    """Whether the scenario held: every step carried out, every expectation met."""
    return all(outcome.passed for outcome in outcomes)


def report(scenario: Scenario, outcomes: list[Outcome], run: str) -> str:
    """What held and what did not, with the difference for each failure."""
    lines = [f"Scenario: {scenario.name} ({scenario.source}), run {run}"]
    for outcome in outcomes:
        mark = "PASS" if outcome.passed else "FAIL"
        lines.append(f"  {mark}  step {outcome.step.number}: {outcome.what}")
        if outcome.error:
            lines.append(f"        {outcome.error}")
        elif not outcome.passed:
            lines.extend(f"        {line}" for line in _diff(outcome.expected, outcome.actual))
    expectations = [o for o in outcomes if o.step.kind == "expect"]
    passed = sum(o.passed for o in expectations)
    stopped = [o.step.number for o in outcomes if o.step.kind != "expect"]
    tail = f"; stopped at step {stopped[0]}" if stopped else ""
    lines.append(f"  {passed} of {len(expectations)} expectations passed{tail}")
    return "\n".join(lines)


def _diff(expected: Mapping[str, Any], actual: Mapping[str, Any] | None) -> list[str]:
    if actual is None:
        return ["- expected " + json.dumps(expected, sort_keys=True), "+ found nothing in time"]
    want = json.dumps(expected, indent=2, sort_keys=True).splitlines()
    got = json.dumps(actual, indent=2, sort_keys=True).splitlines()
    return [
        line.rstrip()
        for line in difflib.unified_diff(want, got, "expected", "actual", n=1, lineterm="")
    ]
