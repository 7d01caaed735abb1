"""The testers' control API: plain HTTP on 127.0.0.1 (or anywhere, with a bearer token).

GET    /control/faults                      every endpoint's faults
PUT    /control/faults/{endpoint}           set them (JSON object of faults)
DELETE /control/faults[/{endpoint}]         clear them
GET    /control/received[?endpoint=NL]      what the simulators received and did
GET    /control/outbox                      queued replies per route and state
GET    /control/eurodac/records             the Central System's data sets (no personal data)
POST   /control/eurodac/records             store a data set as its member state enrolled it
POST   /control/eurodac/records/{ref}/delete  erase it in advance ({"reason": ...})
POST   /control/eurodac/records/{ref}/mark  its member state marks it ({"reason": ...}):
                                            states that had a hit with it are told
GET    /control/eurodac/notifications       notifications of linked data erased
GET    /control/eurodac/marking-notices     notices of markings to states that had a hit
GET    /control/dublinet/{state}/policy     a peer's answering policy
PUT    /control/dublinet/{state}/policy     set it
POST   /control/dublinet/{state}/requests   make the peer send a request to the gateway
POST   /control/dublinet/{state}/messages   make it send a message on a request it made
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiohttp import web
from aiohttp.typedefs import Middleware

from gateway.domain.eurodac import ReferenceNumber, Regime
from gateway.domain.record import CanonicalRecord
from gateway.domain.serialization import decode_record
from gateway.errors import GatewayError, InputError
from gateway.messages import Envelope
from gateway.messages.examples import example_record
from simulators.common.clock import Clock
from simulators.common.faults import FaultBoard, Faults
from simulators.common.sending import ReplySender
from simulators.common.server import Endpoint, problem
from simulators.common.state import SimDb
from simulators.dublinet.peer import DublinetPeer
from simulators.dublinet.policy import Policy
from simulators.eurodac import rules, store
from simulators.eurodac.central import CentralSystem

__all__ = ["Simulated", "control_app"]

BAD_CONTROL = "GW-SIM-CONTROL"
UNAUTHORISED = "GW-SIM-UNAUTHORISED"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Simulated(Protocol):
    """What the control API reads and changes of the running simulators (`runner.Simulator`)."""

    clock: Clock
    faults: FaultBoard
    db: SimDb | None
    sender: ReplySender | None
    central: CentralSystem | None
    peers: dict[str, DublinetPeer]

    @property
    def endpoints(self) -> dict[str, Endpoint]: ...


def control_app(simulator: Simulated, *, token: str | None) -> web.Application:
    """The control API of `simulator`; with `token`, every call must carry it as a bearer."""
    app = web.Application(middlewares=[_guard(token)])
    routes = _Routes(simulator)
    app.router.add_get("/control/faults", routes.faults)
    app.router.add_put("/control/faults/{endpoint}", routes.set_faults)
    app.router.add_delete("/control/faults", routes.clear_faults)
    app.router.add_delete("/control/faults/{endpoint}", routes.clear_faults)
    app.router.add_get("/control/received", routes.received)
    app.router.add_get("/control/outbox", routes.outbox)
    app.router.add_get("/control/outbox/{message_id}", routes.outbox_message)
    app.router.add_get("/control/eurodac/records", routes.records)
    app.router.add_post("/control/eurodac/records", routes.seed)
    app.router.add_post("/control/eurodac/records/{reference}/delete", routes.delete)
    app.router.add_post("/control/eurodac/records/{reference}/mark", routes.mark)
    app.router.add_get("/control/eurodac/notifications", routes.notifications)
    app.router.add_get("/control/eurodac/marking-notices", routes.marking_notices)
    app.router.add_get("/control/dublinet/{state}/policy", routes.policy)
    app.router.add_put("/control/dublinet/{state}/policy", routes.set_policy)
    app.router.add_post("/control/dublinet/{state}/requests", routes.originate)
    app.router.add_post("/control/dublinet/{state}/messages", routes.follow_up)
    return app


def _guard(token: str | None) -> Middleware:
    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if token is not None:
            given = request.headers.get("Authorization", "").removeprefix("Bearer ")
            if not hmac.compare_digest(given.encode(), token.encode()):
                return problem(401, UNAUTHORISED, "the control API needs its bearer token")
        try:
            return await handler(request)
        except GatewayError as error:
            return problem(400, error.code, str(error))

    return guard


async def _json(request: web.Request) -> Any:
    try:
        return await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InputError(BAD_CONTROL, "the body is not JSON", "/") from None


class _Routes:
    def __init__(self, simulator: Simulated) -> None:
        self.sim = simulator

    @property
    def db(self) -> SimDb:
        if self.sim.db is None:
            raise GatewayError(BAD_CONTROL, "the simulators are not running")
        return self.sim.db

    @property
    def sender(self) -> ReplySender:
        if self.sim.sender is None:
            raise GatewayError(BAD_CONTROL, "the simulators are not running")
        return self.sim.sender

    async def faults(self, _: web.Request) -> web.Response:
        board = self.sim.faults.snapshot()
        return web.json_response({name: faults.to_json() for name, faults in board.items()})

    async def set_faults(self, request: web.Request) -> web.Response:
        endpoint = request.match_info["endpoint"]
        if endpoint != "*" and endpoint not in self.sim.endpoints:
            known = ", ".join(sorted(self.sim.endpoints))
            raise InputError(BAD_CONTROL, f"no endpoint {endpoint!r} (endpoints: {known}, *)")
        faults = Faults.from_json(await _json(request))
        self.sim.faults.set(endpoint, faults)
        return web.json_response({endpoint: faults.to_json()})

    async def clear_faults(self, request: web.Request) -> web.Response:
        endpoint = request.match_info.get("endpoint")
        if endpoint is None:
            self.sim.faults.clear()
        else:
            self.sim.faults.set(endpoint, Faults())
        return web.json_response({"cleared": endpoint or "all"})

    async def received(self, request: web.Request) -> web.Response:
        return web.json_response(await self.db.received(request.query.get("endpoint")))

    async def outbox(self, _: web.Request) -> web.Response:
        counts = await self.sender.outbox.counts()
        return web.json_response(
            [{"route": route, "state": state, "count": n} for (route, state), n in counts.items()]
        )

    async def outbox_message(self, request: web.Request) -> web.Response:
        message = await self.sender.outbox.get(request.match_info["message_id"])
        if message is None:
            return problem(404, BAD_CONTROL, "no such message in the outbox")
        return web.json_response(
            {
                "message_id": message.message_id,
                "route": message.route,
                "type": message.message_type,
                "state": message.state,
                "attempts": message.attempts,
                "last_error": message.last_error,
            }
        )

    async def records(self, _: web.Request) -> web.Response:
        return web.json_response(await self.db.run(store.listing))

    async def notifications(self, _: web.Request) -> web.Response:
        return web.json_response(await self.db.run(store.notifications))

    async def marking_notices(self, _: web.Request) -> web.Response:
        return web.json_response(await self.db.run(store.mark_notices))

    async def mark(self, request: web.Request) -> web.Response:
        """The member state of origin marks its data set, as the law allows (docs/law.md); the
        Central System tells the states that had a hit with it (603/2013 Art 18(1); 2024/1358
        Art 31(1)): the gateway's state by an `eurodac.marking-notice`, the others recorded."""
        central = self.sim.central
        if central is None:
            return problem(404, BAD_CONTROL, "no Eurodac Central System is simulated")
        reference = request.match_info["reference"]
        body = await _json(request) if request.can_read_body else {}
        reason = str(body.get("reason", "protection-granted")) if isinstance(body, dict) else ""
        found = await central.mark_for_its_state(reference, reason, self.sim.clock.now())
        if isinstance(found, rules.Refusal):
            raise InputError(BAD_CONTROL, f"{found.code.value}: {found.description}", "reference")
        await self.sender.send(list(found.outgoing))
        return web.json_response(
            {
                "marked": reference,
                "notified": list(found.states),
                "message_ids": [str(o.envelope.message_id) for o in found.outgoing],
            }
        )

    async def seed(self, request: web.Request) -> web.Response:
        """Store a data set as if its member state had enrolled it (no reply is sent)."""
        record = _record(await _json(request))
        transaction, biometrics = record.transaction, record.biometrics
        if transaction is None or biometrics is None:
            raise InputError(BAD_CONTROL, "a data set needs a transaction and biometrics", "/")
        # a seeded data set counts as transmitted the day its data were taken
        expires = rules.expires_on(
            transaction.regime,
            transaction.category,
            captured_on=biometrics.captured_on,
            transmitted_on=biometrics.captured_on,
            point=transaction.point,
        )
        if expires is None:
            raise InputError(BAD_CONTROL, f"category {transaction.category} is not stored", "/")
        now = self.sim.clock.now()
        stored = await self.db.run(
            lambda conn: store.insert(conn, record, expires=expires, stored_at=now, late=False)
        )
        return web.json_response(
            {"reference": str(transaction.reference), "stored": stored},
            status=201 if stored else 200,
        )

    async def delete(self, request: web.Request) -> web.Response:
        """Another member state erases its data set in advance; linked states are notified."""
        reference = request.match_info["reference"]
        body = await _json(request) if request.can_read_body else {}
        reason = str(body.get("reason", "citizenship-acquired"))
        now = self.sim.clock.now()
        notices = await self.db.run(
            lambda conn: store.delete(conn, reference, reason=reason, at=now)
        )
        return web.json_response(
            {"deleted": reference, "notified": [n.member_state for n in notices]}
        )

    def _peer(self, request: web.Request) -> DublinetPeer:
        state = request.match_info["state"]
        peer = self.sim.peers.get(state)
        if peer is None:
            raise InputError(BAD_CONTROL, f"no simulated DubliNet peer {state}", "state")
        return peer

    async def policy(self, request: web.Request) -> web.Response:
        return web.json_response(self._peer(request).policy.to_json())

    async def set_policy(self, request: web.Request) -> web.Response:
        peer = self._peer(request)
        await peer.set_policy(Policy.from_json(await _json(request)))
        return web.json_response(peer.policy.to_json())

    async def originate(self, request: web.Request) -> web.Response:
        """`{"type": "take-charge-request", "national_reference": "NL-...", "record": {...}}`;
        without a record, the example applicant is sent. `urgent` (with `urgency_reason`)
        and `detained` (true or false) say what the request says of the person."""
        peer = self._peer(request)
        body = await _json(request)
        if not isinstance(body, dict) or "type" not in body:
            raise InputError(BAD_CONTROL, "give the request's type", "type")
        now = self.sim.clock.now()
        record = (
            _record(body["record"])
            if "record" in body
            else CanonicalRecord(
                person=example_record(Regime.EURODAC_2024).person,
                application=example_record(Regime.EURODAC_2024).application,
            )
        )
        eurodac = body.get("eurodac_reference")
        reference = str(body.get("national_reference", f"{peer.name}-SIM-{now:%Y%m%d%H%M%S}"))
        flags = {name: body.get(name, False) for name in ("urgent", "detained")}
        for name, flag in flags.items():
            if not isinstance(flag, bool):
                raise InputError(BAD_CONTROL, f"{name} is true or false", name)
        reason = body.get("urgency_reason")
        if reason is not None and not isinstance(reason, str):
            raise InputError(BAD_CONTROL, "urgency_reason is text", "urgency_reason")
        envelope = await peer.originate(
            kind=str(body["type"]),
            record=record,
            national_reference=reference,
            now=now,
            eurodac_reference=None if eurodac is None else _reference(eurodac),
            legal_basis_text=body.get("legal_basis"),
            urgent=flags["urgent"],
            urgency_reason=reason,
            detained=flags["detained"],
        )
        return _sent(envelope, reference)

    async def follow_up(self, request: web.Request) -> web.Response:
        """`{"type": "transfer-arrangement", "national_reference": "NL-...", "transfer_date":
        "2026-12-01", ...}`: a message on the request the peer made under that reference
        (details: `reasons`, `transfer_date`, `arrival_place`, `mode`, `legal_basis`)."""
        peer = self._peer(request)
        body = await _json(request)
        if not isinstance(body, dict) or not {"type", "national_reference"} <= set(body):
            raise InputError(
                BAD_CONTROL, "give the message's type and the request's national_reference", "/"
            )
        reference = str(body["national_reference"])
        envelope = await peer.follow_up(
            kind=str(body["type"]),
            national_reference=reference,
            details=body,
            now=self.sim.clock.now(),
        )
        return _sent(envelope, reference)


def _sent(envelope: Envelope, reference: str) -> web.Response:
    """What a peer sent (queued for delivery), as the control API tells it."""
    return web.json_response(
        {
            "message_id": str(envelope.message_id),
            "conversation_id": str(envelope.conversation_id),
            "message_type": envelope.message_type,
            "regime": envelope.regime.value,
            "national_reference": reference,
        },
        status=202,
    )


def _record(data: object) -> CanonicalRecord:
    decoded = decode_record(data)
    if decoded.value is None:
        raise InputError.from_problems(decoded.problems)
    return decoded.value


def _reference(text: object) -> ReferenceNumber:
    try:
        return ReferenceNumber.parse(str(text))
    except ValueError as error:
        raise InputError(BAD_CONTROL, str(error), "eurodac_reference") from None
