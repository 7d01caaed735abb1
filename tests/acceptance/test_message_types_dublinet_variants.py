"""The variants of a Dublin case between the real gateway and the simulated DubliNet peers:
our request says the person is detained (and asks an urgent reply) in the signed message, the
peer's acknowledgement starts the shorter reply limit, and an operator's events on the case
move its transfer limit, audited with who recorded them.

Periods run from days the gateway records as it goes (the receipt, the acceptance): each
expected date is the engine's for the case's own start, and the test names the article and
the period it expects instead of a calendar date.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from simkit import Both
from wired import DUBLIN3_DAY, applicant, wired_api

from gateway.broker.audit import verify_chain
from gateway.domain.dublin import DublinRegime
from gateway.domain.serialization import encode
from gateway.messages import DublinSubmission, read_message
from gateway.tracking import Extension, Facts, Step, compute_deadline, load_calendar

D3 = DublinRegime.DUBLIN3


def plan(**facts: Any) -> dict[str, Any]:
    """A take charge request to NL about an application of 4 May 2026 (Dublin III)."""
    return {
        "kind": "take_charge",
        "requested_state": "NL",
        "record": encode(applicant(DUBLIN3_DAY)),
        "legal_basis": "Art 13(1) Reg 604/2013 (simulated)",
        "submitter": "evibel",
        **facts,
    }


def engine(step: Step, shown: dict[str, Any], facts: Facts, state: str) -> date:
    """The engine's last day of `step` from the start the case shows, with `state`'s
    holidays."""
    return compute_deadline(
        step=step,
        start=date.fromisoformat(shown["from"]),
        regime=D3,
        calendar=load_calendar(state),
        facts=facts,
    ).date


async def test_post_cases_detained_gets_the_604_2013_art_28_3_two_week_reply_limit(
    wired: Both,
) -> None:
    """Reg 604/2013 Art 28(3): NL must answer a request about a detained person within two
    weeks of its receipt (not the two months of Art 22(1), nor the month of an urgent reply,
    Art 22(6)); the request tells NL so, and the urgency's reasons (Art 21(2))."""
    async with wired_api(wired) as api:
        await api.policy("NL", {"default": "silent"})
        body = plan(
            detained=True,
            detention_reason="significant risk of absconding (Art 28(2))",
            urgent=True,
            urgency_reason="a removal order was served",
        )
        case = await api.call("POST", "/v1/cases", body, ok=201)
        assert (case["request_detained"], case["detained"], case["urgent"]) == (True,) * 3
        assert case["detention_reason"] == "significant risk of absconding (Art 28(2))"
        acknowledged = await api.case_reaches(case["case_id"], "acknowledged")
        shown = acknowledged["deadline"]
        assert (shown["step"], shown["variant"], shown["legal_basis"]) == (
            "take-charge-reply",
            "detained",
            "Reg 604/2013 Art 28(3)",
        )
        assert (shown["state"], shown["calendar"], shown["effect_if_missed"]) == (
            "NL",
            "NL",
            "tacit-acceptance",
        )
        due = date.fromisoformat(shown["date"])
        assert due == engine(Step.TAKE_CHARGE_REPLY, shown, Facts(detained=True), "NL")
        start = date.fromisoformat(shown["from"])
        assert start + timedelta(weeks=2) <= due < start + timedelta(weeks=3)
        ordinary = engine(Step.TAKE_CHARGE_REPLY, shown, Facts(), "NL")
        assert due < ordinary

        stored = await wired.services.store.get(case["request_message_id"])
        assert stored is not None
        sent = read_message(wired.services.outbox.body_of(stored))
        assert isinstance(sent.content, DublinSubmission)
        request = sent.content.request
        assert (request.detained, request.urgent) == (True, True)
        assert request.urgency_reason == "a removal order was served"
        [opened] = [row for row in acknowledged["history"] if row["event"] == "opened"]
        assert "the person is detained" in opened["detail"]
        assert "urgent reply asked: a removal order was served" in opened["detail"]


async def test_604_2013_art_29_2_events_move_the_transfer_limit_and_are_audited(
    wired: Both,
) -> None:
    """A person detained when NL accepts is transferred within six weeks (Reg 604/2013 Art
    28(3)); absconding extends the transfer limit to eighteen months from the acceptance (Art
    29(2)); imprisonment after it leaves the longer limit; a release of a person no longer
    detained is refused. Each event is in the history and the audit trail with the operator
    who recorded it (the token's name, evibel)."""
    async with wired_api(wired) as api:
        await api.policy("NL", {"default": "accept"})
        case = await api.call("POST", "/v1/cases", plan(detained=True), ok=201)
        case_id = case["case_id"]
        accepted = await api.case_reaches(case_id, "accepted")
        shown = accepted["deadline"]
        assert (shown["step"], shown["variant"], shown["state"]) == ("transfer", "detained", "BE")
        assert shown["effect_if_missed"] == "detention-ends"
        assert date.fromisoformat(shown["date"]) == engine(
            Step.TRANSFER, shown, Facts(detained=True), "BE"
        )

        reason = "NL police report: the person left the reception centre"
        moved = await api.call(
            "POST", f"/v1/cases/{case_id}/events", {"event": "absconded", "reason": reason}
        )
        extended = moved["deadline"]
        assert (moved["state"], moved["extension"], moved["detained"]) == (
            "accepted",
            "absconding",
            False,
        )
        assert (extended["from"], extended["legal_basis"]) == (
            shown["from"],
            "Reg 604/2013 Art 29(2)",
        )
        assert date.fromisoformat(extended["date"]) == engine(
            Step.TRANSFER, shown, Facts(extension=Extension.ABSCONDING), "BE"
        )
        refused = await api.call(
            "POST", f"/v1/cases/{case_id}/events", {"event": "released"}, ok=400
        )
        assert refused["code"] == "GW-CASE-VARIANT"
        kept = await api.call("POST", f"/v1/cases/{case_id}/events", {"event": "imprisoned"})
        assert (kept["extension"], kept["deadline"]) == ("absconding", extended)

        history = (await api.case(case_id))["history"]
        rows = [(row["event"], row["to"], row["by"]) for row in history[-2:]]
        assert rows == [("absconded", "accepted", "evibel"), ("imprisoned", "accepted", "evibel")]
        assert history[-2]["detail"].startswith(reason)
        assert f"transfer time limit {extended['date']}" in history[-2]["detail"]
        assert "unchanged" in history[-1]["detail"]

        trail = await wired.services.store.audit_entries(limit=10_000)
        assert verify_chain(trail) is None
        audited = [(e.kind, e.actor) for e in trail if e.subject == case_id]
        assert audited[-2:] == [("case.absconded", "evibel"), ("case.imprisoned", "evibel")]
