"""The law's tables and the functions applying them: one test per rule, named by its article."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.domain.dates import PartialDate, age_on
from gateway.domain.eurodac import TransmissionDelay
from gateway.domain.eurodac_checks import (
    ActionFlaw,
    Events,
    action_refusal,
    add_period,
    deadline,
    expires_on,
    point_problem,
    rule_of,
    too_young,
)
from gateway.domain.eurodac_law import (
    CATEGORIES,
    DelayGround,
    DeletionReason,
    MarkReason,
    Operation,
    Regime,
    Start,
)

OLD, NEW = Regime.EURODAC_2013, Regime.EURODAC_2024
DAYS = st.dates(min_value=date(2015, 1, 1), max_value=date(2045, 12, 31))


def test_the_category_table_cites_the_articles_of_2024_1358() -> None:
    """Art 33 designated authorities, Art 34 Europol, Art 18 admission, Art 20 national
    resettlement, Art 24 search and rescue, Art 26 temporary protection."""
    articles = {digit: rule.article for digit, rule in CATEGORIES[NEW].items()}
    assert articles[4] == "Art 33(1)"
    assert articles[5] == "Art 34(1)"
    assert articles[7] == "Art 18"
    assert articles[8] == "Art 20(1)"
    assert articles[9] == "Art 24(1)"
    assert articles[0] == "Art 26(1)"


# ----- recorded or compared only; retention (603/2013 Arts 12, 16; 2024/1358 Art 29) -----


@pytest.mark.parametrize(
    ("point", "recorded", "years", "article"),
    [
        ("18(1)", False, None, "Art 29(2)"),
        ("18(2)(a)", True, 5, "Art 29(3)"),
        ("18(2)(b)", True, 3, "Art 29(4)"),
        ("18(2)(c)", True, 3, "Art 29(4)"),
    ],
)
def test_resettlement_data_per_point_of_article_18(
    point: str, recorded: bool, years: int | None, article: str
) -> None:
    """2024/1358 Art 29(2) to (4): Art 18(1) data are not recorded; 18(2)(a) five years,
    18(2)(b) and (c) three years."""
    rule = rule_of(NEW, 7, point)
    assert rule.stored is recorded
    if rule.retention is None:
        assert rule.not_recorded_article == article
    else:
        assert (rule.retention.years, rule.retention.article) == (years, article)


def test_national_resettlement_is_kept_five_years_under_article_29_5() -> None:
    """2024/1358 Art 20 data: five years from transmission (Art 29(5))."""
    retention = rule_of(NEW, 8).retention
    assert retention is not None
    assert (retention.years, retention.start, retention.article) == (
        5,
        Start.TRANSMISSION,
        "Art 29(5)",
    )


def test_category_7_needs_the_point_of_article_18() -> None:
    assert point_problem(NEW, 7, None) is not None
    assert point_problem(NEW, 7, "18(3)") is not None
    assert point_problem(NEW, 7, "18(2)(b)") is None
    assert point_problem(NEW, 1, "18(1)") is not None  # only category 7 has points
    assert point_problem(NEW, 1, None) is None


@given(taken=DAYS, lag=st.integers(0, 30), digit=st.sampled_from([1, 2, 3, 8, 9, 0]))
def test_2024_1358_retention_runs_from_the_transmission(taken: date, lag: int, digit: int) -> None:
    """2024/1358 Art 29: 'from the date on which the biometric data were transmitted'."""
    sent = taken + timedelta(days=lag)
    retention = rule_of(NEW, digit).retention
    assert retention is not None
    end = expires_on(NEW, digit, captured_on=taken, transmitted_on=sent)
    assert end == add_period(sent, years=retention.years, months=retention.months)
    assert end is not None
    assert end > sent


@given(taken=DAYS, lag=st.integers(0, 30), digit=st.sampled_from([1, 2]))
def test_603_2013_retention_runs_from_the_taking_of_the_fingerprints(
    taken: date, lag: int, digit: int
) -> None:
    """603/2013 Art 12(1) ten years, Art 16(1) eighteen months, from the taking."""
    end = expires_on(OLD, digit, captured_on=taken, transmitted_on=taken + timedelta(days=lag))
    months = {1: 120, 2: 18}[digit]
    assert end == add_period(taken, months=months)


@given(day=DAYS, years=st.integers(0, 12), months=st.integers(0, 24))
def test_a_period_in_months_lands_on_the_same_date_or_the_months_last_day(
    day: date, years: int, months: int
) -> None:
    end = add_period(day, years=years, months=months)
    assert (end.year - day.year) * 12 + end.month - day.month == 12 * years + months
    assert end.day == day.day or (end.day < day.day and (end + timedelta(days=1)).day == 1)


# ----- minimum age and the doubt rule (2024/1358 Art 14(1)) -------------------------------


def test_a_child_born_in_2020_captured_on_15_september_2026_is_treated_as_under_six() -> None:
    """2024/1358 Art 14(1): uncertain whether under six, no proof: treated as under six."""
    assert too_young(NEW, 1, PartialDate(year=2020), date(2026, 9, 15))
    assert not too_young(NEW, 1, PartialDate(year=2020, month=3, day=1), date(2026, 9, 15))


def test_law_enforcement_searches_have_no_minimum_age() -> None:
    """2024/1358 Arts 33 and 34 set conditions, no age."""
    assert not too_young(NEW, 4, PartialDate(year=2024), date(2026, 9, 15))


@st.composite
def _births(draw: st.DrawFn) -> PartialDate:
    year = draw(st.integers(2005, 2026))
    month = draw(st.none() | st.integers(1, 12))
    if month is None:
        return PartialDate(year=year)
    day = draw(st.none() | st.integers(1, 28))
    return PartialDate(year=year, month=month, day=day)


@given(birth=_births(), on=st.dates(min_value=date(2026, 1, 1), max_value=date(2032, 12, 31)))
def test_the_doubt_rule_of_each_regime(birth: PartialDate, on: date) -> None:
    """2024/1358 Art 14(1): refused when any date the birth may stand for is under six;
    603/2013 (no such rule): refused when every such date is under fourteen."""
    candidates = [birth.earliest(), birth.latest()]
    assert too_young(NEW, 1, birth, on) == any(age_on(b, on) < 6 for b in candidates)
    assert too_young(OLD, 1, birth, on) == all(age_on(b, on) < 14 for b in candidates)


# ----- the transmission time limit ---------------------------------------------------------


def _end(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)


@pytest.mark.parametrize(
    ("regime", "digit", "events", "start", "hours"),
    [
        (OLD, 1, Events(lodged_on=date(2026, 3, 2), captured_on=date(2026, 3, 4)),
         Start.LODGING, 72),  # 603/2013 Art 9(1)
        (OLD, 2, Events(apprehended_on=date(2026, 3, 2), captured_on=date(2026, 3, 4)),
         Start.APPREHENSION, 72),  # 603/2013 Art 14(2)
        (NEW, 1, Events(registered_on=date(2026, 9, 15), captured_on=date(2026, 9, 16)),
         Start.REGISTRATION, 72),  # 2024/1358 Art 15(1)(a)
        (NEW, 1, Events(registered_on=date(2026, 9, 15), captured_on=date(2026, 9, 16),
                        at_border=True), Start.CAPTURE, 72),  # Art 15(1)(b)
        (NEW, 9, Events(disembarked_on=date(2026, 9, 15), captured_on=date(2026, 9, 16)),
         Start.DISEMBARKATION, 72),  # Art 24(2)
        (NEW, 0, Events(registered_on=date(2029, 7, 1), captured_on=date(2029, 7, 2)),
         Start.REGISTRATION, 240),  # Art 26(2): 10 days
    ],
)  # fmt: skip
def test_the_limit_runs_from_the_event_the_article_names(
    regime: Regime, digit: int, events: Events, start: Start, hours: int
) -> None:
    found = deadline(regime, digit, events)
    assert found is not None
    assert found.start is start
    assert found.stand_in is False
    assert found.at == _end(found.start_day) + timedelta(hours=hours)


def test_without_the_event_the_day_of_capture_stands_in() -> None:
    found = deadline(NEW, 2, Events(captured_on=date(2026, 9, 15)))
    assert found is not None
    assert (found.start, found.start_day, found.stand_in) == (
        Start.APPREHENSION,
        date(2026, 9, 15),
        True,
    )


def test_searches_and_illegal_stay_under_603_2013_have_no_limit() -> None:
    assert deadline(OLD, 3, Events(captured_on=date(2026, 3, 2))) is None
    assert deadline(NEW, 4, Events(captured_on=date(2026, 9, 2))) is None


@given(registered=DAYS, late_by=st.integers(-200, 200))
def test_a_technical_failure_adds_48_hours(registered: date, late_by: int) -> None:
    """2024/1358 Art 15(2), 603/2013 Art 9(2): serious technical problems, at most 48 hours
    more. A transmission `late_by` hours after the ordinary limit is in time with the
    extension exactly when it is at most 48 hours late."""
    events = Events(registered_on=registered, captured_on=registered)
    ordinary = deadline(NEW, 1, events)
    extended = deadline(NEW, 1, events, TransmissionDelay(ground=DelayGround.TECHNICAL))
    assert ordinary is not None
    assert extended is not None
    sent = ordinary.at + timedelta(hours=late_by)
    assert (sent <= extended.at) == (late_by <= 48)
    assert (sent <= ordinary.at) == (late_by <= 0)


@given(
    lodged=DAYS,
    after=st.integers(0, 60),
    ground=st.sampled_from([DelayGround.HEALTH, DelayGround.RETAKEN]),
)
def test_health_and_retake_give_48_hours_from_their_own_day(
    lodged: date, after: int, ground: DelayGround
) -> None:
    """603/2013 Art 9(1) second subparagraph (retaken) and Art 9(2) (health): no later than
    48 hours after the prints were retaken or the health grounds ceased."""
    since = lodged + timedelta(days=after)
    found = deadline(
        OLD,
        1,
        Events(lodged_on=lodged, captured_on=since),
        TransmissionDelay(ground=ground, since=since),
    )
    assert found is not None
    assert found.at == max(_end(lodged) + timedelta(hours=72), _end(since) + timedelta(hours=48))


def test_a_retake_without_a_day_counts_from_the_day_the_new_prints_were_taken() -> None:
    found = deadline(
        NEW,
        1,
        Events(registered_on=date(2026, 9, 1), captured_on=date(2026, 9, 20)),
        TransmissionDelay(ground=DelayGround.RETAKEN),
    )
    assert found is not None
    assert found.at == _end(date(2026, 9, 20)) + timedelta(hours=48)


# ----- marking, unmarking, advance erasure --------------------------------------------------


@pytest.mark.parametrize(
    ("regime", "operation", "digit", "reason", "flaw", "article"),
    [
        # 603/2013 Art 18(1): data of category 1 on protection granted
        (OLD, Operation.MARK, 2, MarkReason.PROTECTION_GRANTED, ActionFlaw.MARK_CATEGORY,
         "Art 18(1)"),
        # Art 18(3): protection withdrawn is a ground to unmark, not to mark
        (OLD, Operation.MARK, 1, MarkReason.PROTECTION_WITHDRAWN, ActionFlaw.MARK_REASON,
         "Art 18(1)"),
        (OLD, Operation.UNMARK, 1, MarkReason.PROTECTION_GRANTED, ActionFlaw.UNMARK_REASON,
         "Art 18(3)"),
        # Art 13(1): category 1 erased in advance on citizenship only
        (OLD, Operation.DELETE, 1, DeletionReason.LEFT_TERRITORY, ActionFlaw.ERASURE_REASON,
         "Art 13(1)"),
        (OLD, Operation.DELETE, 1, DeletionReason.RESIDENCE_DOCUMENT,
         ActionFlaw.ERASURE_REASON, "Art 13(1)"),
        # Art 17: category 3 is never recorded
        (OLD, Operation.DELETE, 3, DeletionReason.CITIZENSHIP_ACQUIRED,
         ActionFlaw.ERASURE_CATEGORY, "Art 17(1)"),
        # 2024/1358 Art 31(4): residence document marks categories 2, 3, 9 only
        (NEW, Operation.MARK, 1, MarkReason.RESIDENCE_DOCUMENT, ActionFlaw.MARK_REASON,
         "Art 31(1)"),
        (NEW, Operation.MARK, 8, MarkReason.PROTECTION_GRANTED, ActionFlaw.MARK_CATEGORY,
         "Art 31(1), Art 31(4)"),
        (NEW, Operation.DELETE, 2, DeletionReason.LEFT_TERRITORY, ActionFlaw.ERASURE_REASON,
         "Art 30(1)"),
    ],
)  # fmt: skip
def test_acts_the_law_does_not_allow_are_refused_with_their_article(
    regime: Regime, operation: Operation, digit: int, reason: str, flaw: ActionFlaw, article: str
) -> None:
    refusal = action_refusal(regime, operation, digit, reason)
    assert refusal is not None
    assert refusal.flaw is flaw
    assert refusal.article == article


@pytest.mark.parametrize(
    ("regime", "operation", "digit", "reason"),
    [
        (OLD, Operation.MARK, 1, MarkReason.PROTECTION_GRANTED),  # 603/2013 Art 18(1)
        (OLD, Operation.UNMARK, 1, MarkReason.PROTECTION_WITHDRAWN),  # Art 18(3)
        (OLD, Operation.DELETE, 1, DeletionReason.CITIZENSHIP_ACQUIRED),  # Art 13(1)
        (OLD, Operation.DELETE, 2, DeletionReason.RESIDENCE_DOCUMENT),  # Art 16(2)(a)
        (OLD, Operation.DELETE, 2, DeletionReason.LEFT_TERRITORY),  # Art 16(2)(b)
        (NEW, Operation.MARK, 1, MarkReason.PROTECTION_GRANTED),  # 2024/1358 Art 31(1)
        (NEW, Operation.MARK, 9, MarkReason.RESIDENCE_DOCUMENT),  # Art 31(4)
        (NEW, Operation.DELETE, 8, DeletionReason.CITIZENSHIP_ACQUIRED),  # Art 30(1)
    ],
)
def test_lawful_acts_are_allowed(
    regime: Regime, operation: Operation, digit: int, reason: str
) -> None:
    assert action_refusal(regime, operation, digit, reason) is None


def test_an_unmark_lifts_only_the_mark_its_article_names() -> None:
    """2024/1358 Art 31(3): withdrawal of protection lifts a protection mark."""
    lifted = action_refusal(
        NEW, Operation.UNMARK, 2, MarkReason.RESIDENCE_DOCUMENT_WITHDRAWN, mark="residence-document"
    )
    assert lifted is None
    other = action_refusal(
        NEW, Operation.UNMARK, 1, MarkReason.PROTECTION_WITHDRAWN, mark="residence-document"
    )
    assert other is not None
    assert other.flaw is ActionFlaw.UNMARK_OTHER_MARK
