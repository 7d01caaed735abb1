"""The gateway and the simulators as a tester reaches them: the gateway's HTTP API with one
token (submitter, operator and Dublin unit at once) and the simulators' control API.

Every call goes over the network to the running services; waits poll with `eventually`.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import aiohttp
from polling import eventually
from simkit import Both, capture

from gateway.broker.states import MessageState
from gateway.domain.eurodac import Operation, Regime
from gateway.domain.record import CanonicalRecord
from gateway.domain.serialization import encode
from gateway.messages.examples import example_record
from simulators.scenarios.records import person_seed

__all__ = ["AMMR_DAY", "DUBLIN3_DAY", "Wired", "applicant", "person", "record", "wired_api"]

WITHIN = 30.0


def person(name: str) -> int:
    """The synthetic person a test calls `name` (the same name, the same fingerprints)."""
    return person_seed(name, 0)


def record(
    who: str,
    reference: str,
    *,
    regime: Regime = Regime.EURODAC_2024,
    operation: Operation = Operation.ENROL,
    captured_on: date | None = None,
    capture_no: int = 0,
) -> CanonicalRecord:
    """A capture of person `who` sent under `reference` (its digit is the category)."""
    return capture(
        person=person(who),
        national_part=reference[3:],
        capture_no=capture_no,
        regime=regime,
        category=int(reference[2]),
        operation=operation,
        captured_on=captured_on or datetime.now(UTC).date(),
        member_state=reference[:2],
    )


AMMR_DAY = None  # an application registered today falls under 2024/1351
DUBLIN3_DAY = date(2026, 5, 4)  # one registered before 1 July 2026 under 604/2013


def applicant(registered: date | None) -> CanonicalRecord:
    """The example applicant, their application registered on `registered` (today: None)."""
    base = example_record(Regime.EURODAC_2024)
    assert base.application is not None
    day = registered or datetime.now(UTC).date()
    application = dataclasses.replace(
        base.application, made_on=day, registered_on=day, lodged_on=day
    )
    return CanonicalRecord(person=base.person, application=application)


@dataclass
class Wired:
    both: Both
    session: aiohttp.ClientSession

    # ----- the gateway's API ---------------------------------------------------------

    async def call(
        self, method: str, path: str, body: Any = None, *, ok: int = 200, **headers: str
    ) -> Any:
        headers = {"Authorization": f"Bearer {self.both.token}", **headers}
        url = f"{self.both.endpoints.api}{path}"
        async with self.session.request(method, url, json=body, headers=headers) as response:
            answer = await response.json(content_type=None)
            assert response.status == ok, (method, path, response.status, answer)
        return answer

    async def submit(self, sent: CanonicalRecord) -> str:
        """Submit one record; the id of its Eurodac message."""
        answer = await self.call(
            "POST",
            "/v1/submissions",
            encode(sent),
            ok=202,
            **{"Idempotency-Key": str(uuid.uuid4())},
        )
        [message_id] = answer["message_ids"]
        return str(message_id)

    async def answered(self, sent: CanonicalRecord) -> str:
        """Submit `sent` and wait for its answer (the message turns answered); its id."""
        message_id = await self.submit(sent)
        await self.message_reaches(message_id, MessageState.ANSWERED)
        return message_id

    async def message_reaches(self, message_id: str, state: MessageState) -> None:
        store = self.both.services.store

        async def reached() -> bool:
            stored = await store.get(message_id)
            return stored is not None and stored.state is state

        await eventually(reached, within=WITHIN)

    async def inbox(self) -> list[dict[str, Any]]:
        return list((await self.call("GET", "/v1/inbox?limit=1000"))["results"])

    async def result(self, kind: str, **data: Any) -> dict[str, Any]:
        """The inbox result of `kind` whose data hold `data`, once it is there."""
        found: list[dict[str, Any]] = []

        async def arrived() -> bool:
            found[:] = [
                result
                for result in await self.inbox()
                if result["kind"] == kind
                and all(result["data"].get(key) == value for key, value in data.items())
            ]
            return bool(found)

        await eventually(arrived, within=WITHIN)
        return found[-1]

    async def case(self, case_id: str) -> dict[str, Any]:
        return dict(await self.call("GET", f"/v1/cases/{case_id}"))

    async def case_reaches(self, case_id: str, state: str) -> dict[str, Any]:
        seen: dict[str, Any] = {}

        async def reached() -> bool:
            seen.update(await self.case(case_id))
            return seen["state"] == state

        await eventually(reached, within=WITHIN)
        return seen

    async def incoming_case(self, reference: str) -> dict[str, Any]:
        """The incoming case a peer's request under `reference` opened, once it is open."""
        found: list[dict[str, Any]] = []

        async def opened() -> bool:
            cases = (await self.call("GET", "/v1/cases?limit=1000"))["cases"]
            found[:] = [
                case
                for case in cases
                if case["direction"] == "incoming" and case["reference"] == reference
            ]
            return bool(found)

        await eventually(opened, within=WITHIN)
        [case] = found
        return await self.case(case["case_id"])

    async def open_case(
        self, kind: str, requested: str, registered: date | None, legal_basis: str
    ) -> dict[str, Any]:
        """Open an outgoing case from an operator's plan: its request goes out at once."""
        body = {
            "kind": kind,
            "requested_state": requested,
            "record": encode(applicant(registered)),
            "legal_basis": legal_basis,
            "submitter": "evibel",  # the token's own inbox gets the case's results
        }
        case: dict[str, Any] = await self.call("POST", "/v1/cases", body, ok=201)
        return case

    async def history(self, case_id: str) -> list[tuple[str, str, str]]:
        """The case's history as (event, state reached, detail)."""
        case = await self.case(case_id)
        return [(row["event"], row["to"], row["detail"]) for row in case["history"]]

    # ----- the simulators' control API -----------------------------------------------

    async def peer_request(
        self, peer: str, kind: str, reference: str, registered: date | None
    ) -> str:
        """Make `peer` send the gateway a request; its message id."""
        body = {
            "type": kind,
            "national_reference": reference,
            "record": encode(applicant(registered)),
        }
        made = await self.control("POST", f"/dublinet/{peer}/requests", body, ok=202)
        return str(made["message_id"])

    async def peer_message(self, peer: str, kind: str, reference: str, **details: Any) -> str:
        """Make `peer` send a message on the request it made under `reference`; its id."""
        body = {"type": kind, "national_reference": reference, **details}
        made = await self.control("POST", f"/dublinet/{peer}/messages", body, ok=202)
        return str(made["message_id"])

    async def acknowledged_by_gateway(self, message_id: str) -> None:
        """The peer's message was verified and acknowledged (signed) by the gateway."""
        sender = self.both.simulator.sender
        assert sender is not None

        async def acknowledged() -> bool:
            sent = await sender.outbox.get(message_id)
            return sent is not None and sent.state == "acknowledged"

        await eventually(acknowledged, within=WITHIN)

    async def policy(self, peer: str, policy: dict[str, Any]) -> None:
        await self.control("PUT", f"/dublinet/{peer}/policy", policy)

    async def control(self, method: str, path: str, body: Any = None, *, ok: int = 200) -> Any:
        url = f"{self.both.simulator.control_url}/control{path}"
        async with self.session.request(method, url, json=body) as response:
            answer = await response.json(content_type=None)
            assert response.status == ok, (method, path, response.status, answer)
        return answer

    async def processed(self, endpoint: str, message_id: str) -> dict[str, Any]:
        """What the simulated `endpoint` did with the gateway's message, once it did it."""
        return await self._done(endpoint, lambda row: row["message_id"] == message_id)

    async def handled(self, endpoint: str, message_type: str) -> dict[str, Any]:
        """What the simulated `endpoint` did with the one message of `message_type` the
        gateway sent it, once it did it."""
        return await self._done(endpoint, lambda row: row["message_type"] == message_type)

    async def _done(
        self, endpoint: str, wanted: Callable[[dict[str, Any]], bool]
    ) -> dict[str, Any]:
        rows: list[dict[str, Any]] = []

        async def done() -> bool:
            rows[:] = [
                row
                for row in await self.control("GET", f"/received?endpoint={endpoint}")
                if wanted(row) and row["state"] == "done"
            ]
            return bool(rows)

        await eventually(done, within=WITHIN)
        [row] = rows
        return row

    async def stored(self, reference: str) -> dict[str, Any] | None:
        """The Central System's data set `reference` (no personal data), if there is one."""
        rows = await self.control("GET", "/eurodac/records")
        return next((row for row in rows if row["reference"] == reference), None)

    async def seed(self, data_set: CanonicalRecord) -> None:
        """Store a data set in the Central System as its member state enrolled it."""
        await self.control("POST", "/eurodac/records", encode(data_set), ok=201)


@asynccontextmanager
async def wired_api(both: Both) -> AsyncIterator[Wired]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield Wired(both=both, session=session)
