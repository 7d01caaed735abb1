"""`eugw cases send` as an operator runs it beside a serving gateway: a process of its own on
the same database signs and queues the message, and the gateway delivers it to the peer."""

from __future__ import annotations

import json
from pathlib import Path

from eugw_process import eugw
from simkit import Both
from wired import AMMR_DAY, wired_api


async def test_an_operator_asks_for_re_examination_from_the_command_line(
    wired: Both, tmp_path: Path
) -> None:
    data_dir = wired.services.settings.data_dir
    async with wired_api(wired) as api:
        await api.policy("NL", {"default": "reject", "reexamination": "accept"})
        case = await api.open_case("take_charge", "NL", AMMR_DAY, "Art 25 Reg 2024/1351")
        case_id = case["case_id"]
        await api.case_reaches(case_id, "rejected")

        fields = tmp_path / "reasons.json"
        fields.write_text(json.dumps({"reasons": "The minor's aunt lives in NL."}))
        send = ("cases", "send", case_id, "--type", "reexamination-request", "--file", str(fields))
        status, out, err = await eugw(*send, "--idempotency-key", "op-1", data_dir=data_dir)
        assert status == 0, err
        assert json.loads(out)["state"] == "reexamination_requested"
        await api.case_reaches(case_id, "accepted")  # NL re-examined and accepted
        asked = await api.handled("NL", "dublinet.reexamination-request")
        assert asked["outcome"]["reply"] == "accept"

        status, _, err = await eugw(*send, "--idempotency-key", "op-1", data_dir=data_dir)
        assert status == 0, err  # the same key: nothing sent again
        status, _, err = await eugw(*send, "--idempotency-key", "op-2", data_dir=data_dir)
        assert status == 1  # a new one: an accepted case is not re-examined
        assert err.startswith("GW-CASE-TRANSITION: ")
        events = [event for event, _, _ in await api.history(case_id)]
        assert events.count("reexamination_request") == 1
        received = await api.control("GET", "/received?endpoint=NL")
        assert [row["message_type"] for row in received].count(
            "dublinet.reexamination-request"
        ) == 1
