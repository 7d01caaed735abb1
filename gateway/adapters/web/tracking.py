"""Routes of tracking: hits for the experts, Dublin cases, deadlines, the submitters' inbox."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable
from typing import Any, TypeVar

from aiohttp import web

from gateway.adapters.web.auth import caller, requires
from gateway.adapters.web.bodies import json_object
from gateway.adapters.web.case_messages import follow_up_of
from gateway.adapters.web.configured import tracking_of
from gateway.adapters.web.idempotency import idempotency_key
from gateway.adapters.web.keys import SERVICES
from gateway.adapters.web.params import Choice, Flag, Number, Text, query
from gateway.broker.access import Permission
from gateway.domain import Problem
from gateway.domain.dublin import ReplyOutcome
from gateway.domain.eurodac import ReferenceNumber
from gateway.domain.member_states import is_member_state
from gateway.domain.serialization import decode_record
from gateway.errors import InputError
from gateway.pipeline.alerts import tracking_digest
from gateway.pipeline.casework.cases import MAX_REASON
from gateway.pipeline.casework.hits import Verdict
from gateway.pipeline.casework.views import case_view, history_view, hit_view
from gateway.pipeline.outgoing import IDS, CasePlan, RequestFacts
from gateway.tracking.cases import CaseEvent, CaseKind
from gateway.tracking.hits import HitStatus

__all__ = ["add_routes", "case_plan", "request_facts"]

T = TypeVar("T")
MAX_LIMIT = 1000
MAX_WITHIN_DAYS = 3660  # ten years ahead: farther than any time limit of the procedure
_STATUS = {"pending": HitStatus.AWAITING_VERIFICATION} | {s.value: s for s in HitStatus}
LIMIT = Number(name="limit", maximum=MAX_LIMIT, description="at most this many (default 100)")
HIT_STATE = Choice(
    name="state", choices=_STATUS, code="GW-HIT-STATE", description="pending: not verified yet"
)
OPEN_ONLY = Flag(name="open", code="GW-CASE-QUERY", description="only cases still open")
WITHIN = Number(
    name="within",
    maximum=MAX_WITHIN_DAYS,
    code="GW-DL-WITHIN",
    description="days ahead (default: the deadline_alert_days setting)",
)
SINCE_RESULT = Text(
    name="since", code="GW-RES-SINCE", description="the last result id seen (its `next`)"
)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/v1/hits", list_hits)
    app.router.add_get("/v1/hits/{hit_id}", show_hit)
    app.router.add_post("/v1/hits/{hit_id}/confirm", confirm_hit)
    app.router.add_post("/v1/hits/{hit_id}/reject", reject_hit)
    app.router.add_post("/v1/hits/{hit_id}/reported", hit_reported)
    app.router.add_get("/v1/cases", list_cases)
    app.router.add_post("/v1/cases", open_case)
    app.router.add_get("/v1/cases/{case_id}", show_case)
    app.router.add_post("/v1/cases/{case_id}/events", case_event)
    app.router.add_post("/v1/cases/{case_id}/reply", reply_to_case)
    app.router.add_post("/v1/cases/{case_id}/messages", send_on_case)
    app.router.add_get("/v1/deadlines", deadlines)
    app.router.add_get("/v1/inbox", inbox)


@requires(Permission.READ_TRACKING)
@query(HIT_STATE, LIMIT)
async def list_hits(request: web.Request) -> web.Response:
    status = HIT_STATE.read(request)
    limit = LIMIT.value(request, 100)
    found = await tracking_of(request).store.hits(status=status, limit=limit)
    return web.json_response({"hits": [hit_view(hit) for hit in found]})


@requires(Permission.READ_TRACKING)
async def show_hit(request: web.Request) -> web.Response:
    tracking = tracking_of(request)
    hit = await _known(tracking.store.hit(request.match_info["hit_id"]))
    view = hit_view(hit)
    if caller(request).may(Permission.READ_HIT_DATA):  # personal data: for the experts only
        view["data"] = tracking.hits.data(hit)
    return web.json_response(view)


@requires(Permission.ACT_ON_TRACKING)
async def confirm_hit(request: web.Request) -> web.Response:
    body = await json_object(request)
    open_case = body.get("open_case", True)
    if not isinstance(open_case, bool):
        raise InputError("GW-HIT-VERDICT", "open_case is true or false", "open_case")
    verdict = await tracking_of(request).hits.confirm(
        request.match_info["hit_id"], by=caller(request).name, open_case=open_case
    )
    return web.json_response(_verdict(verdict))


@requires(Permission.ACT_ON_TRACKING)
async def reject_hit(request: web.Request) -> web.Response:
    reason = (await json_object(request)).get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise InputError("GW-HIT-VERDICT", "a rejected hit needs a reason", "reason")
    verdict = await tracking_of(request).hits.reject(
        request.match_info["hit_id"], by=caller(request).name, reason=reason.strip()
    )
    return web.json_response(_verdict(verdict))


@requires(Permission.ACT_ON_TRACKING)
async def hit_reported(request: web.Request) -> web.Response:
    """The wrong hit was reported; its limit leaves the deadline digest."""
    hit = await tracking_of(request).hits.report_sent(
        request.match_info["hit_id"], by=caller(request).name
    )
    return web.json_response(hit_view(hit))


@requires(Permission.READ_TRACKING)
@query(OPEN_ONLY, LIMIT)
async def list_cases(request: web.Request) -> web.Response:
    open_only = OPEN_ONLY.value(request, False)
    limit = LIMIT.value(request, 100)
    found = await tracking_of(request).store.cases(open_only=open_only, limit=limit)
    return web.json_response({"cases": [case_view(case) for case in found]})


@requires(Permission.ACT_ON_TRACKING)
async def open_case(request: web.Request) -> web.Response:
    """Open an outgoing case: for a confirmed hit (`{"hit_id"}`) or from a plan (`{"kind",
    "requested_state", "record", "legal_basis", ...}`), either with `urgent`,
    `urgency_reason`, `detained` and `detention_reason`; an Idempotency-Key makes a plan's
    case once."""
    tracking = tracking_of(request)
    body = await json_object(request)
    if "hit_id" in body:
        hit_id = body["hit_id"]
        if not isinstance(hit_id, str) or not hit_id:
            raise InputError("GW-CASE-NO-PROPOSAL", "hit_id names a confirmed hit", "hit_id")
        problems: list[Problem] = []
        facts = request_facts(body, problems)
        if problems:
            raise InputError.from_problems(problems)
        case = await tracking.hits.open_case(hit_id, facts)
    else:
        key = idempotency_key(request)
        case_id = (
            str(uuid.uuid5(IDS, f"plan:{caller(request).name}:{key}")) if key else str(uuid.uuid4())
        )
        case = await tracking.requests.open_planned(case_plan(body, case_id=case_id))
    return web.json_response(
        case_view(case), status=201, headers={"Location": f"/v1/cases/{case.case_id}"}
    )


def case_plan(body: dict[str, Any], *, case_id: str) -> CasePlan:
    """A plan from the request body, or an `InputError` with every problem found."""
    problems: list[Problem] = []
    kinds = {kind.value: kind for kind in CaseKind}
    if not _is_one_of(body.get("kind"), kinds):
        problems.append(_problem(f"kind is one of {', '.join(kinds)}", "kind"))
    state = body.get("requested_state")
    if not isinstance(state, str) or not is_member_state(state):
        problems.append(_problem("requested_state is a member state's code", "requested_state"))
    basis = body.get("legal_basis")
    if not isinstance(basis, str) or not basis.strip():
        problems.append(
            _problem("legal_basis names the article the request rests on", "legal_basis")
        )
    facts = request_facts(body, problems)
    optional = {name: body.get(name) for name in ("eurodac_reference", "submitter")}
    problems += [
        _problem(f"{n} is text", n)
        for n, v in optional.items()
        if v is not None and not isinstance(v, str)
    ]
    eurodac = optional["eurodac_reference"]
    if isinstance(eurodac, str):
        try:
            ReferenceNumber.parse(eurodac)
        except ValueError as error:
            problems.append(_problem(str(error), "eurodac_reference"))
    decoded = decode_record(body.get("record"))
    problems += [
        Problem(code=p.code, message=p.message, path=f"record.{p.path}".rstrip("."))
        for p in decoded.problems
    ]
    if problems or decoded.value is None:
        raise InputError.from_problems(problems)
    return CasePlan(
        case_id=case_id,
        kind=kinds[body["kind"]],
        requested_state=str(state),
        record=decoded.value,
        legal_basis=str(basis).strip(),
        urgent=facts.urgent,
        urgency_reason=facts.urgency_reason,
        detained=facts.detained,
        detention_reason=facts.detention_reason,
        eurodac_reference=optional["eurodac_reference"],
        submitter=optional["submitter"],
    )


def request_facts(body: dict[str, Any], problems: list[Problem]) -> RequestFacts:
    """What the request will say of the person: `urgent` and `detained` (true or false) and
    their reasons. An urgent reply states why (Reg 604/2013 Art 21(2)); the grounds of a
    detention (Art 28(2), Reg 2024/1351 Art 44(2)) are optional and kept on the case. Each
    problem found is added to `problems`."""
    flags = {name: body.get(name, False) for name in ("urgent", "detained")}
    problems += [
        _problem(f"{n} is true or false", n) for n, v in flags.items() if not isinstance(v, bool)
    ]
    reasons: dict[str, str | None] = {}
    for name in ("urgency_reason", "detention_reason"):
        value = body.get(name)
        if value is not None and (
            not isinstance(value, str) or not 0 < len(value.strip()) <= MAX_REASON
        ):
            problems.append(_problem(f"{name} is 1 to {MAX_REASON} characters of text", name))
            value = None
        reasons[name] = value.strip() if isinstance(value, str) else None
    if flags["urgent"] is True and reasons["urgency_reason"] is None:
        problems.append(
            _problem(
                "an urgent reply is asked with its reasons (Reg 604/2013 Art 21(2))",
                "urgency_reason",
            )
        )
    return RequestFacts(
        urgent=flags["urgent"] is True,
        urgency_reason=reasons["urgency_reason"] if flags["urgent"] is True else None,
        detained=flags["detained"] is True,
        detention_reason=reasons["detention_reason"] if flags["detained"] is True else None,
    )


def _problem(message: str, path: str) -> Problem:
    return Problem(code="GW-CASE-PLAN", message=message, path=path)


def _is_one_of(value: object, words: dict[str, Any]) -> bool:
    """A word of `words` (a list or an object from JSON is none, and cannot be looked up)."""
    return isinstance(value, str) and value in words


@requires(Permission.READ_TRACKING)
async def show_case(request: web.Request) -> web.Response:
    tracking = tracking_of(request)
    case = await _known(tracking.store.case(request.match_info["case_id"]))
    history = await tracking.store.case_changes(case.case_id)
    return web.json_response(case_view(case) | {"history": history_view(history)})


@requires(Permission.ACT_ON_TRACKING)
async def case_event(request: web.Request) -> web.Response:
    """`{"event": "transfer_planned" | "transfer_done" | "withdrawal" | "detained" |
    "released" | "imprisoned" | "absconded", "reason"}`: recorded on the case (with who
    recorded it); a change of the person's situation moves the clock."""
    body = await json_object(request)
    name, reason = body.get("event"), body.get("reason")
    events = {event.value: event for event in CaseEvent}
    if not isinstance(name, str) or name not in events:
        raise InputError("GW-CASE-EVENT", "event names a case event", "event")
    if reason is not None and not isinstance(reason, str):
        raise InputError("GW-CASE-EVENT", "reason is text", "reason")
    case = await tracking_of(request).cases.act(
        request.match_info["case_id"],
        events[name],
        by=caller(request).name,
        reason=reason.strip() if reason is not None else None,
    )
    return web.json_response(case_view(case))


@requires(Permission.ACT_ON_TRACKING)
async def reply_to_case(request: web.Request) -> web.Response:
    """Our reply to an incoming request: `{"outcome": "accept"|"reject", "legal_basis",
    "reason_codes": [...], "explanation"}`; signed and sent to the requesting state."""
    body = await json_object(request)
    outcomes = {outcome.value: outcome for outcome in ReplyOutcome}
    codes = body.get("reason_codes", [])
    texts = {name: body.get(name) for name in ("legal_basis", "explanation")}
    if (
        not _is_one_of(body.get("outcome"), outcomes)
        or not isinstance(codes, list)
        or not all(isinstance(code, str) for code in codes)
        or not all(value is None or isinstance(value, str) for value in texts.values())
    ):
        raise InputError(
            "GW-CASE-REPLY",
            "a reply is an outcome (accept or reject), reason codes (texts), a legal basis "
            "and an explanation",
            "outcome",
        )
    case = await tracking_of(request).followups.reply(
        request.match_info["case_id"],
        outcome=outcomes[body["outcome"]],
        legal_basis=texts["legal_basis"],
        reason_codes=tuple(codes),
        explanation=texts["explanation"],
        by=caller(request).name,
    )
    return web.json_response(case_view(case))


@requires(Permission.ACT_ON_TRACKING)
async def send_on_case(request: web.Request) -> web.Response:
    """Send a message on a case besides its request and reply: `{"type":
    "reexamination-request", "reasons"}`, `{"type": "transfer-arrangement", "transfer_date",
    "arrival_place", "mode", "escorts", "remarks"}`, or a request of types 3 to 7 (`{"type":
    "info-request" | "dependent-persons-request" | "minor-family-request" |
    "pre-transfer-information" | "health-certificate", "legal_basis"}`); signed and sent to
    the case's other state. An Idempotency-Key makes it once."""
    follow_up = follow_up_of(await json_object(request))
    key = idempotency_key(request)
    case = await tracking_of(request).followups.send(
        request.match_info["case_id"], follow_up, by=caller(request).name, key=key
    )
    return web.json_response(case_view(case))


@requires(Permission.READ_TRACKING)
@query(WITHIN)
async def deadlines(request: web.Request) -> web.Response:
    tracking = tracking_of(request)
    within = WITHIN.value(request, request.app[SERVICES].settings.deadline_alert_days)
    return web.json_response((await tracking_digest(tracking, within=within)).as_dict())


@requires(Permission.SUBMIT)
@query(SINCE_RESULT, LIMIT)
async def inbox(request: web.Request) -> web.Response:
    """The caller's own results after `since` (a result id), oldest first."""
    store = tracking_of(request).store
    me = caller(request).name
    after = 0
    since = SINCE_RESULT.read(request)
    if since:
        seen = await store.result(since)
        if seen is None or seen.submitter != me:
            raise InputError("GW-RES-SINCE", f"no result {since} in your inbox", "since")
        after = seen.seq
    limit = LIMIT.value(request, 100)
    results = await store.results(submitter=me, after=after, limit=limit)
    return web.json_response(
        {
            "results": [json.loads(result.payload) for result in results],
            "next": results[-1].result_id if results else since,
        }
    )


async def _known(found: Awaitable[T | None]) -> T:
    value = await found
    if value is None:
        raise web.HTTPNotFound(text="no such hit or case")
    return value


def _verdict(verdict: Verdict) -> dict[str, Any]:
    return {"hit": hit_view(verdict.hit), "case": case_view(verdict.case) if verdict.case else None}
