"""Dublin requests and replies between the real gateway and the simulated DubliNet peers, over
mutual TLS, under both regimes (604/2013 for applications registered before 1 July 2026,
2024/1351 from then on; a take back is a request under the first, a notification under the
second).

Our request (`POST /v1/cases`) is verified and acknowledged by the peer, which answers by its
policy; the answer moves our case. A peer's request (the simulators' control API) is verified
and acknowledged by the gateway and opens an incoming case; our reply
(`POST /v1/cases/{id}/reply`) reaches the peer.
"""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from simkit import Both
from wired import AMMR_DAY, DUBLIN3_DAY, wired_api

from gateway.pipeline.outgoing import IDS

pytestmark = pytest.mark.usefixtures("exercised")
exercises = pytest.mark.exercises

OURS = [
    # kind, registered, the request's type, the regime, the peer's answer
    ("take_charge", AMMR_DAY, "dublinet.take-charge-request", "2024/1351", "accept"),
    ("take_charge", DUBLIN3_DAY, "dublinet.take-charge-request", "604/2013", "reject"),
    ("take_back", DUBLIN3_DAY, "dublinet.take-back-request", "604/2013", "accept"),
    ("take_back", AMMR_DAY, "dublinet.take-back-notification", "2024/1351", "accept"),
]


@pytest.mark.parametrize(
    ("kind", "registered", "sent", "regime", "answer"),
    [
        pytest.param(*row, id=f"{row[2].split('.')[1]}-{row[3]}-{row[4]}", marks=exercises(row[2]))
        for row in OURS
    ],
)
@exercises("dublinet.reply", "dublinet.ack")
async def test_our_request_is_acknowledged_and_answered_by_the_peer(
    wired: Both, kind: str, registered: date | None, sent: str, regime: str, answer: str
) -> None:
    async with wired_api(wired) as api:
        await api.policy("NL", {"default": answer, "reasons": ["family-in-requesting-state"]})
        case = await api.open_case(kind, "NL", registered, "Art 21(1) / Art 39 (simulated)")
        assert (case["direction"], case["regime"], case["state"]) == (
            "outgoing",
            regime,
            "request_sent",
        )
        request_id = case["request_message_id"]
        stored = await wired.services.store.get(request_id)
        assert stored is not None
        assert (stored.message_type, stored.peer) == (sent, "NL:dublinet")

        done = await api.processed("NL", request_id)
        assert done["message_type"] == sent
        assert (done["outcome"]["action"], done["outcome"]["reply"]) == (answer, answer)
        moved = await api.case_reaches(case["case_id"], f"{answer}ed")
        assert [(row["event"], row["to"]) for row in moved["history"]][-1] == (
            f"{'acceptance' if answer == 'accept' else 'rejection'}",
            f"{answer}ed",
        )
        reply = await api.result("reply", case_id=case["case_id"])
        assert reply["data"]["outcome"] == answer
        if answer == "reject":
            assert reply["data"]["reason_codes"] == ["family-in-requesting-state"]


THEIRS = [
    # type, registered, the regime, our answer
    ("take-charge-request", AMMR_DAY, "2024/1351", "accept"),
    ("take-charge-request", DUBLIN3_DAY, "604/2013", "reject"),
    ("take-back-request", DUBLIN3_DAY, "604/2013", "accept"),
    ("take-back-notification", AMMR_DAY, "2024/1351", "accept"),
]


@pytest.mark.parametrize(
    ("kind", "registered", "regime", "answer"),
    [
        pytest.param(*row, id=f"{row[0]}-{row[2]}-{row[3]}", marks=exercises(f"dublinet.{row[0]}"))
        for row in THEIRS
    ],
)
@exercises("dublinet.reply", "dublinet.ack")
async def test_a_peers_request_opens_a_case_and_our_reply_reaches_the_peer(
    wired: Both, kind: str, registered: date | None, regime: str, answer: str
) -> None:
    async with wired_api(wired) as api:
        reference = f"FR-{kind}-{regime}"
        request_id = await api.peer_request("FR", f"dublinet.{kind}", reference, registered)
        await api.acknowledged_by_gateway(request_id)
        case = await api.incoming_case(reference)
        assert (case["other_state"], case["regime"], case["state"]) == (
            "FR",
            regime,
            "request_received",
        )
        assert case["request_message_id"] == request_id
        assert case["deadline"] is not None  # our reply is due
        opened = await api.result("case-change", case_id=case["case_id"], state="request_received")
        assert opened["data"]["other_state"] == "FR"  # the Dublin unit is told

        body: dict[str, object] = {"outcome": answer}
        if answer == "reject":  # a refusal states its basis and reasons (1560/2003 Art 5(1))
            body |= {
                "reason_codes": ["no-evidence"],
                "legal_basis": "Art 22(1) Regulation (EU) No 604/2013",
                "explanation": "No proof or circumstantial evidence points to France's request.",
            }
        await api.call("POST", f"/v1/cases/{case['case_id']}/reply", body)
        await api.case_reaches(case["case_id"], f"{answer}ed")
        reply_id = str(uuid.uuid5(IDS, f"reply:{case['case_id']}"))
        done = await api.processed("FR", reply_id)
        assert (done["message_type"], done["outcome"]) == (
            "dublinet.reply",
            {"recorded": "dublinet.reply"},
        )
