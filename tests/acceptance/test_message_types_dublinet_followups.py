"""Messages on a Dublin case besides its request and reply, both ways, between the real
gateway and the simulated DubliNet peers over mutual TLS: re-examination requests and
replies, transfer arrangements, pre-transfer information, health certificates and the
information requests of types 3 to 5.

Ours go out with `POST /v1/cases/{id}/messages` (a re-examination reply with
`POST /v1/cases/{id}/reply` once one was asked for); a peer's with the simulators' control
API (`POST /control/dublinet/{state}/messages`, on a request it made). The gateway matches a
peer's message to its case by conversation: it moves the case or is written in its history;
one that fits no case is recorded, with the reason, for the Dublin unit.
"""

from __future__ import annotations

import pytest
from simkit import Both
from wired import AMMR_DAY, DUBLIN3_DAY, wired_api

pytestmark = pytest.mark.usefixtures("exercised")
exercises = pytest.mark.exercises


# A case's round from the request to the transfer, with a re-examination on the way.
ASKED_AGAIN_THEN_TRANSFERRED = (
    "dublinet.take-charge-request",
    "dublinet.reply",
    "dublinet.reexamination-request",
    "dublinet.reexamination-reply",
    "dublinet.transfer-arrangement",
    "dublinet.pre-transfer-information",
    "dublinet.health-certificate",
    "dublinet.ack",
)

REFUSAL = {
    "outcome": "reject",
    "legal_basis": "Art 22(1) Regulation (EU) No 604/2013",
    "explanation": "No proof or circumstantial evidence points to Belgium.",
}


@exercises(*ASKED_AGAIN_THEN_TRANSFERRED)
async def test_a_peer_asks_again_after_our_rejection_then_arranges_the_transfer(
    wired: Both,
) -> None:
    async with wired_api(wired) as api:
        request_id = await api.peer_request("FR", "take-charge-request", "FR-TC-7", DUBLIN3_DAY)
        case = await api.incoming_case("FR-TC-7")
        assert case["request_message_id"] == request_id
        case_id = case["case_id"]
        await api.call("POST", f"/v1/cases/{case_id}/reply", REFUSAL)
        await api.case_reaches(case_id, "rejected")

        asked = await api.peer_message("FR", "reexamination-request", "FR-TC-7")
        await api.acknowledged_by_gateway(asked)
        moved = await api.case_reaches(case_id, "reexamination_requested")
        # Under 604/2013 our re-examination reply is due within 2 weeks (1560/2003 Art 5(2)).
        assert moved["deadline"]["step"] == "reexamination-reply"
        assert moved["deadline"]["legal_basis"].endswith("Art 5(2)")
        await api.call("POST", f"/v1/cases/{case_id}/reply", {"outcome": "accept"})
        await api.case_reaches(case_id, "accepted")
        answer = await api.handled("FR", "dublinet.reexamination-reply")
        assert answer["outcome"] == {"recorded": "dublinet.reexamination-reply"}

        arranged = await api.peer_message(
            "FR", "transfer-arrangement", "FR-TC-7", transfer_date="2027-01-12", mode="escorted"
        )
        await api.case_reaches(case_id, "transfer_planned")
        told = await api.result("case-change", case_id=case_id, message_id=arranged)
        assert (told["data"]["transfer_date"], told["data"]["mode"]) == ("2027-01-12", "escorted")

        for kind in ("pre-transfer-information", "health-certificate"):
            sent = await api.peer_message("FR", kind, "FR-TC-7")
            await api.acknowledged_by_gateway(sent)
            await api.result("case-change", case_id=case_id, message_id=sent)
        history = await api.history(case_id)
        assert [(event, state) for event, state, _ in history] == [
            ("opened", "request_received"),
            ("rejection", "rejected"),
            ("reexamination_request", "reexamination_requested"),
            ("acceptance", "accepted"),
            ("transfer_planned", "transfer_planned"),
            ("message", "transfer_planned"),
            ("message", "transfer_planned"),
        ]
        assert "dublinet.health-certificate from FR" in history[-1][2]


@exercises(*ASKED_AGAIN_THEN_TRANSFERRED, "dublinet.info-request")
async def test_we_ask_again_after_a_rejection_then_arrange_the_transfer(wired: Both) -> None:
    async with wired_api(wired) as api:
        await api.policy("NL", {"default": "reject", "reexamination": "accept"})
        case = await api.open_case("take_charge", "NL", AMMR_DAY, "Art 25 Reg 2024/1351")
        case_id = case["case_id"]
        await api.case_reaches(case_id, "rejected")

        body = {"type": "reexamination-request", "reasons": "The minor's aunt lives in NL."}
        moved = await api.call("POST", f"/v1/cases/{case_id}/messages", body)
        assert moved["state"] == "reexamination_requested"
        await api.case_reaches(case_id, "accepted")  # the peer re-examined and accepted
        asked = await api.handled("NL", "dublinet.reexamination-request")
        assert asked["outcome"]["reply"] == "accept"

        transfer = {
            "type": "transfer-arrangement",
            "transfer_date": "2027-01-20",
            "arrival_place": "Amsterdam Schiphol",
            "mode": "voluntary",
        }
        moved = await api.call("POST", f"/v1/cases/{case_id}/messages", transfer)
        assert moved["state"] == "transfer_planned"
        for kind in ("pre-transfer-information", "health-certificate", "info-request"):
            body = {"type": kind, "legal_basis": "Arts 31-34 Regulation (EU) No 604/2013"}
            await api.call("POST", f"/v1/cases/{case_id}/messages", body)
        for kind in ("transfer-arrangement", "pre-transfer-information", "health-certificate"):
            done = await api.handled("NL", f"dublinet.{kind}")
            assert done["outcome"] == {"recorded": f"dublinet.{kind}"}
        # The information request is answered by the peer's policy (here: a rejection); the
        # answer is written in the case's history and moves nothing.
        info = await api.handled("NL", "dublinet.info-request")
        assert info["outcome"]["reply"] == "reject"
        await api.result("case-change", case_id=case_id, message_type="dublinet.reply")
        case = await api.case(case_id)
        assert case["state"] == "transfer_planned"
        # The peer's acknowledgement may come after its rejection: its row is left out here.
        events = [event for event, _, _ in await api.history(case_id)]
        assert [event for event in events if event != "acknowledgement"] == [
            "opened",
            "rejection",
            "reexamination_request",
            "acceptance",
            "transfer_planned",
            *["message"] * 4,  # pre-transfer data, health data, information and its answer
        ]


@exercises(
    "dublinet.take-charge-request",
    "dublinet.info-request",
    "dublinet.dependent-persons-request",
    "dublinet.minor-family-request",
    "dublinet.transfer-arrangement",
    "dublinet.ack",
)
async def test_information_on_a_case_is_kept_on_it_and_a_message_on_none_is_unmatched(
    wired: Both,
) -> None:
    async with wired_api(wired) as api:
        await api.peer_request("NL", "take-charge-request", "NL-TC-3", DUBLIN3_DAY)
        case = await api.incoming_case("NL-TC-3")
        case_id = case["case_id"]
        kinds = ("info-request", "dependent-persons-request", "minor-family-request")
        for kind in kinds:
            sent = await api.peer_message("NL", kind, "NL-TC-3")
            told = await api.result("case-change", case_id=case_id, message_id=sent)
            assert told["data"]["message_type"] == f"dublinet.{kind}"
        history = await api.history(case_id)
        assert [(event, state) for event, state, _ in history] == [
            ("opened", "request_received"),
            *[("message", "request_received")] * 3,
        ]

        # An information request outside any case, and a transfer arranged before the case
        # was accepted: acknowledged, and recorded as unmatched with the reason.
        alone = await api.peer_request("NL", "info-request", "NL-INFO-1", DUBLIN3_DAY)
        await api.acknowledged_by_gateway(alone)
        unmatched = await api.result("unmatched-message", message_id=alone)
        assert unmatched["data"]["code"] == "GW-CASE-UNMATCHED"
        assert "follows no request" in unmatched["data"]["reason"]
        early = await api.peer_message(
            "NL", "transfer-arrangement", "NL-TC-3", transfer_date="2027-02-01"
        )
        unmatched = await api.result("unmatched-message", message_id=early)
        assert "request_received" in unmatched["data"]["reason"]
        assert (await api.case(case_id))["state"] == "request_received"


@exercises("dublinet.take-charge-request", "dublinet.ack")
async def test_a_message_a_case_cannot_take_is_refused_with_its_code(wired: Both) -> None:
    async with wired_api(wired) as api:
        await api.policy("NL", {"default": "silent"})
        case = await api.open_case("take_charge", "NL", AMMR_DAY, "Art 39 Reg 2024/1351")
        await api.case_reaches(case["case_id"], "acknowledged")  # and NL stays silent
        path = f"/v1/cases/{case['case_id']}/messages"
        refusals = {
            "nothing asked": ({}, 400, "GW-CASE-MESSAGE"),
            "no reasons": ({"type": "reexamination-request"}, 400, "GW-CASE-MESSAGE"),
            "not rejected yet": (
                {"type": "reexamination-request", "reasons": "new evidence"},
                400,
                "GW-CASE-TRANSITION",
            ),
            "not accepted yet": (
                {"type": "transfer-arrangement", "transfer_date": "2027-01-05",
                 "arrival_place": "Schiphol"},
                400,
                "GW-CASE-TRANSITION",
            ),
            "bad date": (
                {"type": "transfer-arrangement", "transfer_date": "soon", "arrival_place": "X"},
                400,
                "GW-CASE-MESSAGE",
            ),
        }  # fmt: skip
        for name, (body, status, code) in refusals.items():
            problem = await api.call("POST", path, body, ok=status)
            assert problem["code"] == code, name
        unknown = await api.call(
            "POST", "/v1/cases/no-such-case/messages", {"type": "info-request",
            "legal_basis": "Art 34"}, ok=400
        )  # fmt: skip
        assert unknown["code"] == "GW-CASE-UNKNOWN"
        assert (await api.case(case["case_id"]))["state"] == "acknowledged"
