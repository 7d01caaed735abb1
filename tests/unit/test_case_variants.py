"""A case's clock in every variant, as the deadline engine computes it: the request's facts
(hit, urgent, detained) fix the reply limit, the person's situation (detained, imprisoned,
absconded, released) moves the transfer limit. Pure: no store, no clock, no I/O.

Events fall on Wednesdays (4 March 2026 under Reg 604/2013, 2 September 2026 under Reg
2024/1351), as in the engine's own tests; the Belgian calendar counts where Belgium acts.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from stored_cases import stored_case

from gateway.domain.dublin import DublinRegime
from gateway.errors import InputError
from gateway.tracking import Facts, Step, compute_deadline, load_calendar
from gateway.tracking.cases import CaseEvent, CaseKind, CaseState, Direction, apply_event
from gateway.tracking.records import StoredCase, from_document, to_document
from gateway.tracking.rules import Effect, Extension
from gateway.tracking.schedule import (
    as_dublin_case,
    deadline_of,
    next_clock,
    passed_event,
    with_clock,
    with_situation,
)

D3, AMMR = DublinRegime.DUBLIN3, DublinRegime.AMMR
D3_DAY, AMMR_DAY = date(2026, 3, 4), date(2026, 9, 2)
T0 = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
OWN = "BE"

INCOMING = stored_case("c-in", Direction.INCOMING, CaseState.REQUEST_RECEIVED, at=T0,
                       reference="NL-1")  # fmt: skip
ACCEPTED_OURS = replace(INCOMING, case_id="c-out", direction=Direction.OUTGOING,
                        state=CaseState.ACCEPTED)  # fmt: skip


def clocked(case: StoredCase, start: date) -> StoredCase:
    return with_clock(case, start, own_state=OWN, calendar_of=load_calendar)


def after(case: StoredCase, event: CaseEvent, on: date) -> StoredCase:
    """The case after `event` recorded on `on`, as the tracking service moves it."""
    moved = apply_event(as_dublin_case(case), event)
    changed = with_situation(case, event, on=on)
    return next_clock(
        case, replace(changed, state=moved.state), on, own_state=OWN, calendar_of=load_calendar
    )


def engine(regime: DublinRegime, step: Step, start: date, facts: Facts, state: str = OWN) -> date:
    return compute_deadline(
        step=step, start=start, regime=regime, calendar=load_calendar(state), facts=facts
    ).date


# -- the reply limit: fixed by the request --------------------------------------------------


def test_604_2013_art_28_3_detained_take_charge_reply_is_two_weeks_and_silence_accepts() -> None:
    """Reg 604/2013 Art 28(3): a request about a detained person is answered within two
    weeks of its receipt (4 → 18 March 2026); silence then is acceptance."""
    case = clocked(replace(INCOMING, request_detained=True, detained=True), D3_DAY)
    assert (case.deadline, case.deadline_variant) == (date(2026, 3, 18), "detained")
    assert case.deadline_basis == "Reg 604/2013 Art 28(3)"
    assert case.deadline_effect == Effect.TACIT_ACCEPTANCE.value
    assert case.deadline == engine(D3, Step.TAKE_CHARGE_REPLY, D3_DAY, Facts(detained=True))
    assert passed_event(case) is CaseEvent.REPLY_DEADLINE_PASSED
    silent = after(case, CaseEvent.REPLY_DEADLINE_PASSED, date(2026, 3, 19))
    assert silent.state is CaseState.TACITLY_ACCEPTED
    plain = clocked(INCOMING, D3_DAY)
    assert plain.deadline == date(2026, 5, 4)  # two months (Art 22(1)): the variant matters


def test_604_2013_art_22_6_urgent_take_charge_reply_is_one_month() -> None:
    """Reg 604/2013 Art 22(6) and 22(7): urgent, one month at the most (4 March → 4 April
    2026, Saturday; Easter Monday 6 April: Tuesday 7 April 2026), then tacit acceptance."""
    case = clocked(replace(INCOMING, urgent=True, urgency_reason="removal order"), D3_DAY)
    assert (case.deadline, case.deadline_variant) == (date(2026, 4, 7), "urgent")
    assert case.deadline_basis == "Reg 604/2013 Art 22(6) and 22(7)"
    assert case.deadline_effect == Effect.TACIT_ACCEPTANCE.value


def test_2024_1351_art_45_2_detained_take_charge_reply_is_one_week() -> None:
    """Reg 2024/1351 Art 45(2): one week of the receipt (2 → 9 September 2026)."""
    case = clocked(replace(INCOMING, regime=AMMR, request_detained=True, detained=True), AMMR_DAY)
    assert (case.deadline, case.deadline_basis) == (date(2026, 9, 9), "Reg 2024/1351 Art 45(2)")
    assert case.deadline_effect == Effect.TACIT_ACCEPTANCE.value


def test_2024_1351_art_40_urgency_does_not_shorten_an_ammr_reply() -> None:
    """Reg 2024/1351 Art 40 has no urgent procedure: one month (2 September → 2 October)."""
    case = clocked(replace(INCOMING, regime=AMMR, urgent=True, urgency_reason="x"), AMMR_DAY)
    assert (case.deadline, case.deadline_variant) == (date(2026, 10, 2), "base")


def test_604_2013_art_25_1_hit_based_take_back_reply_is_two_weeks() -> None:
    """Reg 604/2013 Art 25(1): two weeks when the request rests on Eurodac data (→ 18 March
    2026)."""
    case = clocked(replace(INCOMING, kind=CaseKind.TAKE_BACK, hit_based=True), D3_DAY)
    assert (case.deadline_step, case.deadline, case.deadline_variant) == (
        "take-back-reply",
        date(2026, 3, 18),
        "hit",
    )


def test_604_2013_art_28_3_a_detention_after_the_request_leaves_its_reply_limit() -> None:
    """Reg 604/2013 Art 28(3): the two weeks follow from a request made for a detained
    person; a detention recorded later leaves the two months running (4 March → 4 May
    2026), and a release does not lengthen the two weeks of a detained request."""
    plain = clocked(INCOMING, D3_DAY)
    detained = after(plain, CaseEvent.DETAINED, date(2026, 3, 10))
    assert (detained.detained, detained.deadline, detained.state) == (
        True,
        date(2026, 5, 4),
        CaseState.REQUEST_RECEIVED,
    )
    asked = clocked(replace(INCOMING, request_detained=True, detained=True), D3_DAY)
    released = after(asked, CaseEvent.RELEASED, date(2026, 3, 10))
    assert (released.detained, released.deadline) == (False, date(2026, 3, 18))


def test_the_state_that_must_act_and_its_calendar_are_on_the_case() -> None:
    """Reg 1182/71 Art 3(4) with the acting state's holidays: we reply to NL's request
    (Belgium's calendar); NL replies to ours (the Netherlands')."""
    ours = clocked(INCOMING, D3_DAY)
    assert (ours.deadline_state, ours.deadline_calendar) == ("BE", "BE")
    theirs = clocked(replace(INCOMING, direction=Direction.OUTGOING,
                             state=CaseState.ACKNOWLEDGED), D3_DAY)  # fmt: skip
    assert (theirs.deadline_state, theirs.deadline_calendar) == ("NL", "NL")
    assert theirs.deadline == engine(D3, Step.TAKE_CHARGE_REPLY, D3_DAY, Facts(), "NL")


# -- the transfer limit: the person's situation -----------------------------------------


@pytest.mark.parametrize(
    ("regime", "start", "event", "extended", "basis"),
    [
        pytest.param(D3, D3_DAY, CaseEvent.IMPRISONED, date(2027, 3, 4), "Reg 604/2013 Art 29(2)",
                     id="604/2013 Art 29(2) imprisonment: 1 year"),
        pytest.param(D3, D3_DAY, CaseEvent.ABSCONDED, date(2027, 9, 6), "Reg 604/2013 Art 29(2)",
                     id="604/2013 Art 29(2) absconding: 18 months"),
        pytest.param(AMMR, AMMR_DAY, CaseEvent.IMPRISONED, date(2027, 9, 2),
                     "Reg 2024/1351 Art 46(2)", id="2024/1351 Art 46(2) imprisonment: 1 year"),
        pytest.param(AMMR, AMMR_DAY, CaseEvent.ABSCONDED, date(2029, 9, 3),
                     "Reg 2024/1351 Art 46(2)", id="2024/1351 Art 46(2) absconding: 3 years"),
    ],
)  # fmt: skip
def test_transfer_extended_from_the_acceptance(
    regime: DublinRegime, start: date, event: CaseEvent, extended: date, basis: str
) -> None:
    """The six months run from the acceptance (4 March 2026 → 4 September 2026; 2 September
    2026 → 2 March 2027); an extension recorded two months later extends that same period:
    1 year (4 March 2027, 2 September 2027), 18 months (4 September 2027 is a Saturday:
    6 September), 3 years (2 September 2029 is a Sunday: 3 September 2029)."""
    accepted = clocked(replace(ACCEPTED_OURS, regime=regime), start)
    assert accepted.deadline == engine(regime, Step.TRANSFER, start, Facts())
    assert accepted.deadline_variant == "base"
    moved = after(accepted, event, date(start.year, start.month + 2, 1))
    assert (moved.state, moved.deadline_from, moved.deadline) == (accepted.state, start, extended)
    assert (moved.deadline_basis, moved.deadline_effect) == (basis, "responsibility-shifts-to-"
                                                             "requesting-state")  # fmt: skip
    extension = Extension.IMPRISONMENT if event is CaseEvent.IMPRISONED else Extension.ABSCONDING
    assert (moved.extension, moved.deadline_variant) == (extension, extension.value)
    assert moved.deadline == engine(regime, Step.TRANSFER, start, Facts(extension=extension))
    assert deadline_of(moved, own_state=OWN, calendar_of=load_calendar).date == extended  # type: ignore[union-attr]


def test_604_2013_art_29_2_an_extension_never_shortens_the_limit() -> None:
    """Absconding (18 months: 6 September 2027) stays when imprisonment is recorded after it;
    absconding after imprisonment lengthens the year to 18 months."""
    accepted = clocked(ACCEPTED_OURS, D3_DAY)
    absconded = after(accepted, CaseEvent.ABSCONDED, date(2026, 4, 1))
    imprisoned = after(absconded, CaseEvent.IMPRISONED, date(2026, 6, 1))
    assert (imprisoned.extension, imprisoned.deadline) == (Extension.ABSCONDING, date(2027, 9, 6))
    first_prison = after(accepted, CaseEvent.IMPRISONED, date(2026, 4, 1))
    then_gone = after(first_prison, CaseEvent.ABSCONDED, date(2026, 6, 1))
    assert (then_gone.extension, then_gone.deadline) == (Extension.ABSCONDING, date(2027, 9, 6))


def test_1560_2003_art_9_2_an_extension_after_the_limit_ended_is_refused() -> None:
    """Reg 1560/2003 Art 9(2): the responsible state is told before the six months end
    (4 September 2026); recorded on 7 September 2026, absconding extends nothing."""
    accepted = clocked(ACCEPTED_OURS, D3_DAY)
    on_the_last_day = after(accepted, CaseEvent.ABSCONDED, date(2026, 9, 4))
    assert on_the_last_day.deadline == date(2027, 9, 6)
    with pytest.raises(InputError) as raised:
        after(accepted, CaseEvent.ABSCONDED, date(2026, 9, 7))
    assert raised.value.code == "GW-CASE-VARIANT"
    assert "1560/2003 Art 9(2)" in raised.value.message


def test_an_extension_is_recorded_only_while_the_transfer_limit_runs() -> None:
    """Reg 604/2013 Art 29(2) extends the transfer period, not a reply period."""
    with pytest.raises(InputError) as raised:
        after(clocked(INCOMING, D3_DAY), CaseEvent.ABSCONDED, date(2026, 3, 10))
    assert raised.value.code == "GW-CASE-TRANSITION"


def test_604_2013_art_28_3_detained_transfer_six_weeks_then_the_ordinary_limit() -> None:
    """Reg 604/2013 Art 28(3): a person detained at the acceptance is transferred within six
    weeks (4 March → 15 April 2026); when they pass, detention ends and the six months of
    Art 29 run on from the acceptance (4 September 2026). Missing the six weeks moves no
    responsibility."""
    accepted = clocked(replace(ACCEPTED_OURS, detained=True, detention_reason="risk"), D3_DAY)
    assert (accepted.deadline, accepted.deadline_variant) == (date(2026, 4, 15), "detained")
    assert accepted.deadline_effect == Effect.DETENTION_ENDS.value
    assert passed_event(accepted) is CaseEvent.DETENTION_LIMIT_PASSED
    ended = after(accepted, CaseEvent.DETENTION_LIMIT_PASSED, date(2026, 4, 16))
    assert (ended.state, ended.detained, ended.detention_reason) == (CaseState.ACCEPTED, False,
                                                                     None)  # fmt: skip
    assert (ended.deadline, ended.deadline_from) == (date(2026, 9, 4), D3_DAY)
    assert ended.deadline_basis == "Reg 604/2013 Art 29(1) and 29(2)"
    assert passed_event(ended) is CaseEvent.TRANSFER_DEADLINE_PASSED


def test_604_2013_art_28_3_release_gives_the_ordinary_transfer_limit_back() -> None:
    """Reg 604/2013 Art 28(3): released on 1 April 2026, the six months from 4 March run
    (4 September 2026); detained again on 1 May, the six weeks from the acceptance do not
    come back (CJEU C-60/16 Khir Amayry: a detention that starts after the acceptance)."""
    accepted = clocked(replace(ACCEPTED_OURS, detained=True), D3_DAY)
    released = after(accepted, CaseEvent.RELEASED, date(2026, 4, 1))
    assert (released.detained, released.deadline) == (False, date(2026, 9, 4))
    again = after(released, CaseEvent.DETAINED, date(2026, 5, 1))
    assert (again.detained, again.deadline, again.deadline_variant) == (
        True,
        date(2026, 9, 4),
        "base",
    )
    planned = after(replace(accepted), CaseEvent.TRANSFER_PLANNED, date(2026, 3, 20))
    assert (planned.deadline, planned.deadline_variant) == (date(2026, 4, 15), "detained")


def test_2024_1351_art_45_3_unverified_detained_transfer_runs_the_ordinary_limit() -> None:
    """Reg 2024/1351 Art 45(3): the engine holds no verified period for a detained transfer
    yet; the six months of Art 46(1) bind a detained person too (2 September 2026 → 2 March
    2027), so they run rather than no limit at all."""
    accepted = clocked(replace(ACCEPTED_OURS, regime=AMMR, detained=True), AMMR_DAY)
    assert (accepted.deadline, accepted.deadline_variant) == (date(2027, 3, 2), "base")
    assert accepted.deadline_basis == "Reg 2024/1351 Art 46(1) and 46(2)"


@pytest.mark.parametrize(
    ("case", "event", "why"),
    [
        (replace(ACCEPTED_OURS, detained=True), CaseEvent.DETAINED, "detained already"),
        (ACCEPTED_OURS, CaseEvent.RELEASED, "not detained"),
        (replace(ACCEPTED_OURS, extension=Extension.ABSCONDING), CaseEvent.ABSCONDED,
         "recorded already"),
    ],
)  # fmt: skip
def test_a_change_that_says_nothing_new_is_refused(
    case: StoredCase, event: CaseEvent, why: str
) -> None:
    with pytest.raises(InputError) as raised:
        with_situation(case, event, on=D3_DAY)
    assert (raised.value.code, raised.value.path) == ("GW-CASE-VARIANT", "event")
    assert why in raised.value.message


NEW_FIELDS = (
    *("urgent", "urgency_reason", "request_detained", "detained", "detention_reason"),
    *("extension", "deadline_variant", "deadline_state", "deadline_calendar"),
)


def test_a_case_stored_before_the_variants_existed_reads_with_their_defaults() -> None:
    document = json.loads(to_document(clocked(INCOMING, D3_DAY)))
    for name in NEW_FIELDS:
        del document[name]
    old = from_document(StoredCase, json.dumps(document))
    assert (old.urgent, old.detained, old.request_detained, old.extension) == (
        False,
        False,
        False,
        None,
    )
    varied = clocked(replace(ACCEPTED_OURS, extension=Extension.ABSCONDING, detained=True),
                     D3_DAY)  # fmt: skip
    assert from_document(StoredCase, to_document(varied)) == varied
