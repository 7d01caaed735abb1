"""The deadline engine: every step of both regimes, each row citing the article it checks.

Events are chosen on Wednesdays (4 March 2026 for Dublin III, 2 September
2026 for the AMMR); the expected dates were counted by hand under Regulation
1182/71 with the Belgian calendar (Easter Monday 2026 is 6 April).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.domain.dublin import DublinRegime
from gateway.errors import InputError
from gateway.tracking.deadlines import check_regime, compute_deadline
from gateway.tracking.holidays import load_calendar
from gateway.tracking.periods import nominal_end
from gateway.tracking.rules import RULES, Effect, Extension, Facts, Step, Variant, steps_of

BE = load_calendar("BE")
D3, AMMR = DublinRegime.DUBLIN3, DublinRegime.AMMR
D3_EVENT, AMMR_EVENT = date(2026, 3, 4), date(2026, 9, 2)

HIT = Facts(hit=True)
URGENT = Facts(urgent=True)
DETAINED = Facts(detained=True)
PLAIN = Facts()
IMPRISONED = Facts(extension=Extension.IMPRISONMENT)
ABSCONDED = Facts(extension=Extension.ABSCONDING)
NO_APPLICATION = Facts(no_application=True)  # Reg 604/2013 Art 24: staying irregularly
NO_APPLICATION_HIT = Facts(no_application=True, hit=True)
S, E = Step, Effect


def row(
    regime: DublinRegime, step: Step, facts: Facts, due: date, basis: str, effect: Effect
) -> object:
    return pytest.param(regime, step, facts, due, basis, effect, id=f"{basis} {step.value}")


TABLE = [
    # Regulation (EU) No 604/2013 and Regulation (EC) No 1560/2003
    row(D3, S.TAKE_CHARGE_REQUEST, PLAIN, date(2026, 6, 4), "Reg 604/2013 Art 21(1)",
        E.TIME_BARRED),
    row(D3, S.TAKE_CHARGE_REQUEST, HIT, date(2026, 5, 4),
        "Reg 604/2013 Art 21(1) second subparagraph", E.TIME_BARRED),
    row(D3, S.TAKE_CHARGE_REQUEST, DETAINED, date(2026, 4, 7), "Reg 604/2013 Art 28(3)",
        E.DETENTION_ENDS),
    row(D3, S.TAKE_CHARGE_REPLY, PLAIN, date(2026, 5, 4), "Reg 604/2013 Art 22(1) and 22(7)",
        E.TACIT_ACCEPTANCE),
    row(D3, S.TAKE_CHARGE_REPLY, URGENT, date(2026, 4, 7), "Reg 604/2013 Art 22(6) and 22(7)",
        E.TACIT_ACCEPTANCE),
    row(D3, S.TAKE_CHARGE_REPLY, DETAINED, date(2026, 3, 18), "Reg 604/2013 Art 28(3)",
        E.TACIT_ACCEPTANCE),
    row(D3, S.TAKE_BACK_REQUEST, PLAIN, date(2026, 6, 4),
        "Reg 604/2013 Art 23(2) second subparagraph and 23(3)", E.TIME_BARRED),
    row(D3, S.TAKE_BACK_REQUEST, HIT, date(2026, 5, 4),
        "Reg 604/2013 Art 23(2) first subparagraph and 23(3)", E.TIME_BARRED),
    row(D3, S.TAKE_BACK_REQUEST, DETAINED, date(2026, 4, 7), "Reg 604/2013 Art 28(3)",
        E.DETENTION_ENDS),
    # Art 24(2): a person staying without a residence document who made no new application
    row(D3, S.TAKE_BACK_REQUEST, NO_APPLICATION_HIT, date(2026, 5, 4),
        "Reg 604/2013 Art 24(2) first subparagraph", E.NEW_APPLICATION_OR_RETURN),
    row(D3, S.TAKE_BACK_REQUEST, NO_APPLICATION, date(2026, 6, 4),
        "Reg 604/2013 Art 24(2) second subparagraph", E.NEW_APPLICATION_OR_RETURN),
    row(D3, S.TAKE_BACK_REPLY, PLAIN, date(2026, 4, 7), "Reg 604/2013 Art 25(1) and 25(2)",
        E.TACIT_ACCEPTANCE),
    row(D3, S.TAKE_BACK_REPLY, HIT, date(2026, 3, 18), "Reg 604/2013 Art 25(1) and 25(2)",
        E.TACIT_ACCEPTANCE),
    row(D3, S.TAKE_BACK_REPLY, DETAINED, date(2026, 3, 18), "Reg 604/2013 Art 28(3)",
        E.TACIT_ACCEPTANCE),
    row(D3, S.INFO_REQUEST_REPLY, PLAIN, date(2026, 4, 8), "Reg 604/2013 Art 34(5)", E.NONE),
    row(D3, S.REEXAMINATION_REQUEST, PLAIN, date(2026, 3, 25), "Reg 1560/2003 Art 5(2)",
        E.NEGATIVE_REPLY_STANDS),
    row(D3, S.REEXAMINATION_REPLY, PLAIN, date(2026, 3, 18), "Reg 1560/2003 Art 5(2)",
        E.REEXAMINATION_CLOSED),
    row(D3, S.TRANSFER, PLAIN, date(2026, 9, 4), "Reg 604/2013 Art 29(1) and 29(2)",
        E.RESPONSIBILITY_SHIFTS),
    row(D3, S.TRANSFER, IMPRISONED, date(2027, 3, 4), "Reg 604/2013 Art 29(2)",
        E.RESPONSIBILITY_SHIFTS),
    row(D3, S.TRANSFER, ABSCONDED, date(2027, 9, 6), "Reg 604/2013 Art 29(2)",
        E.RESPONSIBILITY_SHIFTS),
    row(D3, S.TRANSFER, DETAINED, date(2026, 4, 15), "Reg 604/2013 Art 28(3)",
        E.DETENTION_ENDS),
    # Regulation (EU) 2024/1351
    row(AMMR, S.TAKE_CHARGE_REQUEST, PLAIN, date(2026, 11, 2), "Reg 2024/1351 Art 39(1)",
        E.TIME_BARRED),
    row(AMMR, S.TAKE_CHARGE_REQUEST, HIT, date(2026, 10, 2),
        "Reg 2024/1351 Art 39(1) second subparagraph", E.TIME_BARRED),
    row(AMMR, S.TAKE_CHARGE_REQUEST, DETAINED, date(2026, 9, 16), "Reg 2024/1351 Art 45(1)",
        E.DETENTION_ENDS),
    row(AMMR, S.TAKE_CHARGE_REPLY, PLAIN, date(2026, 10, 2), "Reg 2024/1351 Art 40(1)",
        E.TACIT_ACCEPTANCE),
    row(AMMR, S.TAKE_CHARGE_REPLY, HIT, date(2026, 9, 16), "Reg 2024/1351 Art 40(2)",
        E.TACIT_ACCEPTANCE),
    row(AMMR, S.TAKE_CHARGE_REPLY, DETAINED, date(2026, 9, 9), "Reg 2024/1351 Art 45(2)",
        E.TACIT_ACCEPTANCE),
    row(AMMR, S.TAKE_BACK_NOTIFICATION, PLAIN, date(2026, 9, 16), "Reg 2024/1351 Art 41(1)",
        E.NONE),
    row(AMMR, S.TAKE_BACK_NOTIFICATION, DETAINED, date(2026, 9, 16), "Reg 2024/1351 Art 45(1)",
        E.DETENTION_ENDS),
    row(AMMR, S.TAKE_BACK_CONFIRMATION, PLAIN, date(2026, 9, 16),
        "Reg 2024/1351 Art 41(3) and 41(4)", E.RECEIPT_CONFIRMED),
    row(AMMR, S.INFO_REQUEST_REPLY, PLAIN, date(2026, 9, 23), "Reg 2024/1351 Art 51", E.NONE),
    row(AMMR, S.TRANSFER, PLAIN, date(2027, 3, 2), "Reg 2024/1351 Art 46(1) and 46(2)",
        E.RESPONSIBILITY_SHIFTS),
    row(AMMR, S.TRANSFER, IMPRISONED, date(2027, 9, 2), "Reg 2024/1351 Art 46(2)",
        E.RESPONSIBILITY_SHIFTS),
    row(AMMR, S.TRANSFER, ABSCONDED, date(2029, 9, 3), "Reg 2024/1351 Art 46(2)",
        E.RESPONSIBILITY_SHIFTS),
]  # fmt: skip

REFUSED = [
    pytest.param(D3, S.TAKE_BACK_NOTIFICATION, PLAIN, "GW-DL-NO-SUCH-STEP",
                 id="Reg 604/2013 has no take back notification (Art 23-25: request)"),
    pytest.param(D3, S.TAKE_BACK_CONFIRMATION, PLAIN, "GW-DL-NO-SUCH-STEP",
                 id="Reg 604/2013 has no confirmation of receipt (Art 25: reply)"),
    pytest.param(AMMR, S.TAKE_BACK_REQUEST, PLAIN, "GW-DL-NO-SUCH-STEP",
                 id="Reg 2024/1351 Art 41 replaces the take back request"),
    pytest.param(AMMR, S.TAKE_BACK_REPLY, PLAIN, "GW-DL-NO-SUCH-STEP",
                 id="Reg 2024/1351 Art 41 replaces the take back reply"),
    pytest.param(AMMR, S.REEXAMINATION_REQUEST, PLAIN, "GW-DL-NOT-LAID-DOWN",
                 id="Reg 2024/1351 re-examination request: implementing act"),
    pytest.param(AMMR, S.REEXAMINATION_REPLY, PLAIN, "GW-DL-NOT-LAID-DOWN",
                 id="Reg 2024/1351 re-examination reply: implementing act"),
    pytest.param(AMMR, S.TRANSFER, DETAINED, "GW-DL-UNVERIFIED",
                 id="Reg 2024/1351 Art 45(3) detained transfer: period not verified"),
    pytest.param(D3, S.TAKE_CHARGE_REPLY, IMPRISONED, "GW-DL-NO-SUCH-VARIANT",
                 id="Reg 604/2013 Art 29(2) extends only the transfer"),
    pytest.param(AMMR, S.TAKE_CHARGE_REQUEST, ABSCONDED, "GW-DL-NO-SUCH-VARIANT",
                 id="Reg 2024/1351 Art 46(2) extends only the transfer"),
]  # fmt: skip


@pytest.mark.parametrize(("regime", "step", "facts", "due", "basis", "effect"), TABLE)
def test_every_step(
    regime: DublinRegime, step: Step, facts: Facts, due: date, basis: str, effect: Effect
) -> None:
    start = D3_EVENT if regime is D3 else AMMR_EVENT
    deadline = compute_deadline(step=step, start=start, regime=regime, calendar=BE, facts=facts)
    assert deadline.date == due
    assert deadline.legal_basis == basis
    assert deadline.effect is effect
    assert deadline.effect_if_missed == effect.sentence
    assert (deadline.step, deadline.regime, deadline.start) == (step, regime, start)


@pytest.mark.parametrize(("regime", "step", "facts", "code"), REFUSED)
def test_steps_a_regime_does_not_have(
    regime: DublinRegime, step: Step, facts: Facts, code: str
) -> None:
    with pytest.raises(InputError) as raised:
        compute_deadline(step=step, start=D3_EVENT, regime=regime, calendar=BE, facts=facts)
    assert raised.value.code == code
    assert step.value in raised.value.message


def test_the_tables_cover_every_step_of_both_regimes() -> None:
    checked = {(p.values[0], p.values[1]) for p in TABLE + REFUSED}
    assert checked == {(regime, step) for regime in DublinRegime for step in Step}
    assert steps_of(D3) == tuple(s for s in Step if s.value.split("-")[-1] not in
                                 {"notification", "confirmation"})  # fmt: skip


def test_every_row_of_the_rule_table_is_tested() -> None:
    tested = {(p.values[0], p.values[1], _variant(p.values[2])) for p in TABLE + REFUSED}
    rows = [(rule.regime, rule.step, rule.variant) for rule in RULES]
    assert len(rows) == len(set(rows)), "a row is given twice"
    assert set(rows) <= tested


def _variant(facts: Facts) -> Variant:
    if facts.extension is not None:
        return Variant(facts.extension.value)
    if facts.no_application:
        return Variant.NO_APPLICATION_HIT if facts.hit else Variant.NO_APPLICATION
    if facts.detained:
        return Variant.DETAINED
    if facts.urgent:
        return Variant.URGENT
    return Variant.HIT if facts.hit else Variant.BASE


def test_a_fact_that_does_not_change_the_period_is_ignored() -> None:
    """Reg 604/2013 Art 22(1): a hit does not shorten the take charge reply."""
    with_hit = compute_deadline(
        step=S.TAKE_CHARGE_REPLY, start=D3_EVENT, regime=D3, calendar=BE, facts=HIT
    )
    assert with_hit.variant is Variant.BASE
    assert with_hit.date == date(2026, 5, 4)


def test_detention_comes_before_a_hit() -> None:
    """Reg 604/2013 Art 28(3) derogates from Art 23(2): one month, not two."""
    both = Facts(hit=True, detained=True)
    deadline = compute_deadline(
        step=S.TAKE_BACK_REQUEST, start=D3_EVENT, regime=D3, calendar=BE, facts=both
    )
    assert deadline.variant is Variant.DETAINED


def test_604_2013_art_24_take_back_without_a_new_application_counts_from_the_hit() -> None:
    """Reg 604/2013 Art 24(2): a person found staying without a residence document, who made
    no new application here, is asked back within 2 months of the hit of a search under Art
    17 of Reg 603/2013 (4 March 2026 → 4 May 2026), or within 3 months of the day the
    requesting state became aware, on other evidence (→ 4 June 2026). No application was
    lodged here: the detention limit of Art 28(3), counted from a lodging, does not apply,
    and missing the limit shifts no responsibility (Art 24(3))."""
    on_hit = compute_deadline(
        step=S.TAKE_BACK_REQUEST, start=D3_EVENT, regime=D3, calendar=BE,
        facts=Facts(no_application=True, hit=True, detained=True),
    )  # fmt: skip
    assert (on_hit.variant, on_hit.date) == (Variant.NO_APPLICATION_HIT, date(2026, 5, 4))
    assert on_hit.counted_from == "the receipt of the Eurodac hit"
    assert on_hit.effect is E.NEW_APPLICATION_OR_RETURN
    assert "responsibility" in on_hit.effect_if_missed
    assert "new application" in on_hit.effect_if_missed
    assert "2008/115/EC" in on_hit.effect_if_missed
    on_evidence = compute_deadline(
        step=S.TAKE_BACK_REQUEST, start=D3_EVENT, regime=D3, calendar=BE, facts=NO_APPLICATION
    )
    assert (on_evidence.variant, on_evidence.date) == (Variant.NO_APPLICATION, date(2026, 6, 4))
    assert on_evidence.counted_from.startswith("the day the requesting state became aware")
    # Its reply is the ordinary take back reply (Art 25): one month, two weeks on a hit.
    reply = compute_deadline(
        step=S.TAKE_BACK_REPLY, start=D3_EVENT, regime=D3, calendar=BE, facts=NO_APPLICATION_HIT
    )
    assert (reply.variant, reply.legal_basis) == (Variant.HIT, "Reg 604/2013 Art 25(1) and 25(2)")


def test_the_calendar_of_the_acting_state_decides() -> None:
    """Reg 1182/71 Art 3(4): 21 July is a holiday in Belgium, not in the Netherlands."""
    start = date(2026, 7, 7)  # + 2 weeks = Tuesday 21 July 2026
    deadlines = {
        code: compute_deadline(
            step=S.TAKE_BACK_CONFIRMATION, start=start, regime=AMMR,
            calendar=load_calendar(code),
        ).date
        for code in ("BE", "NL")
    }  # fmt: skip
    assert deadlines == {"BE": date(2026, 7, 22), "NL": date(2026, 7, 21)}


def test_the_regime_must_fit_the_registration() -> None:
    """Reg 2024/1351 Art 84: applications registered from 1 July 2026."""
    check_regime(D3, date(2026, 6, 30))
    check_regime(AMMR, date(2026, 7, 1))
    with pytest.raises(InputError) as raised:
        check_regime(D3, date(2026, 7, 1))
    assert raised.value.code == "GW-DL-REGIME-MISMATCH"


VALID = [(rule.regime, rule.step, rule.variant) for rule in RULES if rule.period is not None]


def _facts(variant: Variant) -> Facts:
    if variant in {Variant.IMPRISONMENT, Variant.ABSCONDING}:
        return Facts(extension=Extension(variant.value))
    return Facts(
        no_application=variant in {Variant.NO_APPLICATION, Variant.NO_APPLICATION_HIT},
        hit=variant in {Variant.HIT, Variant.NO_APPLICATION_HIT},
        urgent=variant is Variant.URGENT,
        detained=variant is Variant.DETAINED,
    )


@given(
    key=st.sampled_from(VALID),
    start=st.dates(date(2024, 1, 1), date(2035, 12, 31)),
    gap=st.integers(1, 120),
    calendar=st.sampled_from(["BE", "NL", "FR", "DE"]),
)
def test_deadlines_are_working_days_not_early_and_monotone(
    key: tuple[DublinRegime, Step, Variant], start: date, gap: int, calendar: str
) -> None:
    regime, step, variant = key
    holidays = load_calendar(calendar)
    facts = _facts(variant)
    first = compute_deadline(step=step, start=start, regime=regime, calendar=holidays, facts=facts)
    later = compute_deadline(
        step=step, start=start + timedelta(days=gap), regime=regime, calendar=holidays, facts=facts
    )
    assert first.variant is variant
    assert holidays.is_working_day(first.date)
    assert first.date >= first.nominal_date == nominal_end(start, first.period)
    assert later.date >= first.date


def test_every_row_cites_an_article_or_the_implementing_act() -> None:
    for rule in RULES:
        if rule.period is None:
            assert rule.note, rule
        else:
            assert re.fullmatch(r"Reg \d{3,4}/\d{4} Art \d+.*", rule.legal_basis), rule
