"""Round trips: build, validate against the XSD, read back; what was sent is what is read."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from message_strategies import (
    acknowledgements,
    envelopes,
    eurodac_records,
    eurodac_status_updates,
    hits,
    marking_notices,
    replies,
    submissions,
    transfers,
)

from gateway.domain.dublin import DublinRegime, RequestType, dublin_regime_for
from gateway.domain.eurodac import Operation, Regime
from gateway.messages import Content, DublinSubmission, Message, build_message, read_message
from gateway.messages import transmitted as carried

ROUND_TRIP = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def round_trip(draw: st.DrawFn, name: str, regime: Any, content: Content) -> None:
    message = Message(envelope=draw(envelopes(name, regime)), content=content)
    sent = carried(message)
    assert read_message(build_message(message)) == sent
    assert carried(sent) == sent  # what is read back is sent again unchanged


@pytest.mark.parametrize("regime", list(Regime))
@pytest.mark.parametrize(
    ("name", "operation"),
    [
        ("eurodac.enrolment", Operation.ENROL),
        ("eurodac.search", Operation.SEARCH),
        ("eurodac.correct", Operation.CORRECT),
    ],
)
@ROUND_TRIP
@given(data=st.data())
def test_eurodac_captures(
    name: str, operation: Operation, regime: Regime, data: st.DataObject
) -> None:
    record = data.draw(eurodac_records(regime, operation))
    round_trip(data.draw, name, regime, record)


@pytest.mark.parametrize("regime", list(Regime))
@ROUND_TRIP
@given(data=st.data())
def test_eurodac_status_updates(regime: Regime, data: st.DataObject) -> None:
    """603/2013 Art 10; 2024/1358 Arts 16, 17(2): an update of a recorded data set."""
    round_trip(data.draw, "eurodac.status", regime, data.draw(eurodac_status_updates(regime)))


@pytest.mark.parametrize("regime", list(Regime))
@ROUND_TRIP
@given(data=st.data())
def test_eurodac_marking_notices(regime: Regime, data: st.DataObject) -> None:
    """603/2013 Art 18(1); 2024/1358 Art 31(1)."""
    round_trip(data.draw, "eurodac.marking-notice", regime, data.draw(marking_notices(regime)))


@pytest.mark.parametrize("regime", list(Regime))
@ROUND_TRIP
@given(data=st.data())
def test_eurodac_hits(regime: Regime, data: st.DataObject) -> None:
    round_trip(data.draw, "eurodac.hit", regime, data.draw(hits(regime)))


@ROUND_TRIP
@given(data=st.data())
def test_take_charge_requests(data: st.DataObject) -> None:
    submission: DublinSubmission = data.draw(submissions(RequestType.TAKE_CHARGE))
    assert submission.record.application is not None
    registered = submission.record.application.registered_on
    assert registered is not None
    regime = dublin_regime_for(registered)
    round_trip(data.draw, "dublinet.take-charge-request", regime, submission)


@pytest.mark.parametrize("regime", list(DublinRegime))
@ROUND_TRIP
@given(data=st.data())
def test_dublin_replies_transfers_and_acks(regime: DublinRegime, data: st.DataObject) -> None:
    round_trip(data.draw, "dublinet.reply", regime, data.draw(replies))
    round_trip(data.draw, "dublinet.transfer-arrangement", regime, data.draw(transfers))
    round_trip(data.draw, "dublinet.ack", regime, data.draw(acknowledgements))
