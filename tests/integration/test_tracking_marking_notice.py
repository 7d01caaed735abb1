"""A marking notice from the Central System becomes a result for the system that submitted our
data set (603/2013 Art 18(1); 2024/1358 Art 31(1)), on the in-memory stores."""

from __future__ import annotations

import json
from datetime import date

from tracking_desk import Desk, enrolled, message_from

from gateway.broker.records import Receipt
from gateway.domain.eurodac import ReferenceNumber
from gateway.domain.replies import EurodacMarkingNotice
from gateway.messages import Message
from gateway.pipeline.wire import CENTRAL_SYSTEM


def _notice(reference: str) -> Message:
    notice = EurodacMarkingNotice(
        reference=ReferenceNumber.parse(reference),
        marked=ReferenceNumber.parse("NL1NL2026A1"),
        reason="protection-granted",
        marked_on=date(2026, 11, 29),
    )
    return message_from(CENTRAL_SYSTEM, "eurodac.marking-notice", notice)


async def test_the_submitter_of_our_data_set_is_told_what_the_law_asks(desk: Desk) -> None:
    """2024/1358 Art 31(1): the states whose data had a hit with the marked data mark theirs."""
    stored = await enrolled(desk)
    assert stored.reference is not None
    message = _notice(stored.reference)
    await desk.tracking.arrivals.on_message(message, Receipt(new=True, correlated=None))
    [result] = await desk.tracking.store.results(submitter="evibel")
    payload = json.loads(result.payload)
    assert payload["kind"] == "marking-notice"
    assert payload["data"] == {
        "reference": stored.reference,
        "marked": "NL1NL2026A1",
        "marking_state": "NL",
        "reason": "protection-granted",
        "marked_on": "2026-11-29",
        "legal_basis": "Reg 2024/1358 Art 31(1)",
        "to_do": f"mark the corresponding data set {stored.reference} (eurodac.mark)",
        "message_id": str(message.envelope.message_id),
    }
    again = Receipt(new=True, correlated=None)
    await desk.tracking.arrivals.on_message(message, again)  # the same notice again: one result
    assert len(await desk.tracking.store.results(submitter="evibel")) == 1


async def test_a_notice_about_data_set_nobody_submitted_goes_to_the_dublin_unit(
    desk: Desk,
) -> None:
    await desk.tracking.arrivals.on_message(
        _notice("BE1UNKNOWN1"), Receipt(new=True, correlated=None)
    )
    [result] = await desk.tracking.store.results(submitter="dublin-unit")
    assert json.loads(result.payload)["data"]["reference"] == "BE1UNKNOWN1"
