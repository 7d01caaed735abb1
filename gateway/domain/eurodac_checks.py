"""The Eurodac tables applied: ages, time limits, retention, what is compared, lawful acts.

Pure functions over `gateway.domain.eurodac_law`. The gateway's own checks
(`gateway.domain.rules`) and the simulated Central System (`simulators.eurodac.rules`)
both call them, each turning a refusal into its own code: one rule, two voices.
"""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from gateway.domain.dates import PartialDate, age_on
from gateway.domain.eurodac import EurodacTransaction, TransmissionDelay
from gateway.domain.eurodac_law import (
    ACTIONS,
    AGE_RULES,
    CATEGORIES,
    STATUS_UPDATES,
    ActionRule,
    CategoryRule,
    DelayGround,
    Doubt,
    Extension,
    Operation,
    Regime,
    Retention,
    Start,
)
from gateway.domain.frozen import frozen
from gateway.domain.member_states import is_member_state
from gateway.domain.record import CanonicalRecord, StatusUpdate

__all__ = [
    "ActionFlaw",
    "ActionRefusal",
    "Deadline",
    "Events",
    "action_refusal",
    "add_period",
    "deadline",
    "delay_problem",
    "events_of",
    "expires_on",
    "notifies",
    "point_problem",
    "rule_of",
    "status_problem",
    "too_young",
]


def rule_of(regime: Regime, digit: int, point: str | None = None) -> CategoryRule:
    """The rule of a category, with what its point changes (category 7: Art 18(1), 18(2)(a)...).

    `KeyError` when the regime has no such category; an unknown point is the category's rule.
    """
    rule = CATEGORIES[regime][digit]
    found = rule.point(point) if point is not None else None
    if found is None:
        return rule
    return replace(
        rule,
        name=found.name,
        article=found.article,
        retention=found.retention,
        not_recorded_article=found.not_recorded_article,
        compared_against=found.compared_against,
        compared_marked_only=found.compared_marked_only,
        compared_article=found.compared_article,
    )


def point_problem(regime: Regime, digit: int, point: str | None) -> str | None:
    """Why a transaction's point does not fit its category, or None."""
    rule = CATEGORIES[regime].get(digit)
    if rule is None:
        return None  # the category itself is refused elsewhere
    points = [p.point for p in rule.points]
    if point is None and points:
        return f"category {digit} ({rule.article}) needs its point: one of {', '.join(points)}"
    if point is not None and point not in points:
        allowed = f"one of {', '.join(points)}" if points else "none"
        return f"category {digit} has no point {point!r} under {regime} ({allowed})"
    return None


# ----- minimum age ------------------------------------------------------------------------


def too_young(regime: Regime, digit: int, birth: PartialDate, on: date) -> bool:
    """Whether the data of a person born `birth` may not be taken on `on`.

    Under 2024/1358 a child whose age is uncertain, with no proof, is treated as under six
    (Art 14(1)): the latest date a partial date of birth stands for decides. 603/2013 has no
    such rule: only a person certainly under 14 is refused (the earliest date decides).
    """
    rule = CATEGORIES[regime].get(digit)
    if rule is not None and not rule.age_limited:
        return False
    ages = AGE_RULES[regime]
    born = birth.latest() if ages.doubt is Doubt.PRESUME_UNDER else birth.earliest()
    return age_on(born, on) < ages.years


# ----- retention --------------------------------------------------------------------------


def add_period(day: date, *, years: int = 0, months: int = 0) -> date:
    """`day` plus whole years and months; the 29th to 31st fall back to the month's last day."""
    count = day.month - 1 + months + 12 * years
    year, month = day.year + count // 12, count % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def expires_on(
    regime: Regime,
    digit: int,
    *,
    captured_on: date,
    transmitted_on: date,
    point: str | None = None,
) -> date | None:
    """The first day a data set no longer exists, or None when it is never recorded.

    The period runs from the event its row names: the taking of the fingerprints under
    603/2013 (Arts 12(1), 16(1)), their transmission under 2024/1358 (Art 29).
    """
    retention: Retention | None = rule_of(regime, digit, point).retention
    if retention is None:
        return None
    start = transmitted_on if retention.start is Start.TRANSMISSION else captured_on
    return add_period(start, years=retention.years, months=retention.months)


# ----- the transmission time limit ---------------------------------------------------------


@frozen
class Events:
    """The days of the events a time limit may run from, as a record carries them."""

    captured_on: date | None = None
    lodged_on: date | None = None
    registered_on: date | None = None
    apprehended_on: date | None = None
    disembarked_on: date | None = None
    at_border: bool = False

    def day_of(self, start: Start) -> date | None:
        return {
            Start.CAPTURE: self.captured_on,
            Start.LODGING: self.lodged_on,
            Start.REGISTRATION: self.registered_on,
            Start.APPREHENSION: self.apprehended_on,
            Start.DISEMBARKATION: self.disembarked_on,
        }.get(start)


def events_of(record: CanonicalRecord) -> Events:
    application = record.application
    return Events(
        captured_on=record.biometrics.captured_on if record.biometrics else None,
        lodged_on=application.lodged_on if application else None,
        registered_on=application.registered_on if application else None,
        apprehended_on=record.apprehension.on if record.apprehension else None,
        disembarked_on=record.disembarkation.on if record.disembarkation else None,
        at_border=application.at_border if application else False,
    )


@frozen
class Deadline:
    """The last moment data may reach the central system, and the law behind it."""

    at: datetime
    start: Start
    start_day: date
    article: str
    extension: Extension | None = None
    stand_in: bool = False  # the start event's day was missing: the capture day stood in

    def describe(self) -> str:
        said = f"{self.article}: from {self.start.value} on {self.start_day}"
        if self.stand_in:
            said += " (the day the data were taken, as the record does not give it)"
        if self.extension is not None:
            said += f", extended ({self.extension.ground.value}, {self.extension.article})"
        return f"{said}, until {self.at.isoformat()}"


def _end_of(day: date) -> datetime:
    """Only the date of an event travels: a limit counts from the end of its day (UTC), so
    a transmission found late was late whatever the hour of the event."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


def deadline(
    regime: Regime, digit: int, events: Events, delay: TransmissionDelay | None = None
) -> Deadline | None:
    """When the data of a category must reach the central system, or None without a limit.

    Where the record lacks the start event's day, the day the biometric data were taken
    stands in (they are taken upon the event, never before it, so no transmission is found
    late that was not). A delay applies its extension: the ordinary limit plus 48 hours for
    a technical failure, or 48 hours from the end of the health grounds or the retake,
    whichever ends later (the derogation gives more time, never less).
    """
    rule = CATEGORIES[regime].get(digit)
    if rule is None or rule.time_limit is None:
        return None
    limit = rule.time_limit
    start, article = limit.start, limit.article
    if events.at_border and limit.border_start is not None:
        start, article = limit.border_start, limit.border_article
    day, stand_in = events.day_of(start), False
    if day is None:
        day, stand_in = events.captured_on, True
    if day is None:
        return None
    at = _end_of(day) + timedelta(hours=limit.hours)
    found = Deadline(at=at, start=start, start_day=day, article=article, stand_in=stand_in)
    extension = limit.extension(delay.ground) if delay is not None else None
    if extension is None or delay is None:
        return found
    if extension.after_ground:
        since = delay.since or (events.captured_on if delay.ground is DelayGround.RETAKEN else None)
        if since is None:
            return found
        at = max(at, _end_of(since) + timedelta(hours=extension.hours))
    else:
        at += timedelta(hours=extension.hours)
    return replace(found, at=at, extension=extension)


def delay_problem(  # noqa: PLR0911 - one return per flaw, in the order they are checked
    transaction: EurodacTransaction, *, today: date
) -> str | None:
    """Why a transaction's delay is not one the law allows for its category, or None."""
    delay = transaction.delay
    if delay is None:
        return None
    rule = CATEGORIES[transaction.regime].get(transaction.category)
    if rule is None:
        return None
    limit = rule.time_limit
    if limit is None:
        return (
            f"category {transaction.category} data have no time limit under "
            f"{transaction.regime} to extend"
        )
    extension = limit.extension(delay.ground)
    if extension is None:
        grounds = ", ".join(e.ground.value for e in limit.extensions) or "none"
        return f"{limit.article} allows no {delay.ground.value} extension (grounds: {grounds})"
    if delay.ground is DelayGround.HEALTH and delay.since is None:
        return f"a health delay names the day the health grounds ceased ({extension.article})"
    if delay.since is not None and delay.since > today:
        return f"the delay's day {delay.since} is after today ({today})"
    return None


def notifies(regime: Regime, operation: Operation, digit: int, reason: str) -> bool:
    """Whether the central system tells the other states that had a hit of this act."""
    return any(
        rule.notifies
        for rule in ACTIONS[regime]
        if rule.operation is operation and rule.reason == reason and digit in rule.categories
    )


# ----- status updates ---------------------------------------------------------------------


def status_problem(regime: Regime, update: StatusUpdate) -> tuple[str, str] | None:
    """Why the regulation provides for no such update: (sentence, the field at fault)."""
    rules = {rule.kind: rule for rule in STATUS_UPDATES[regime]}
    rule = rules.get(update.kind)
    if rule is None:
        known = ", ".join(f"{r.kind.value} ({r.article})" for r in rules.values())
        return f"Regulation {regime} has no {update.kind.value} update ({known})", "kind"
    named = update.member_state is not None and is_member_state(update.member_state)
    if rule.names_state and not named:
        return f"a {update.kind.value} update names a member state ({rule.article})", (
            "member_state"
        )
    if not rule.names_state and update.member_state is not None:
        return f"a {update.kind.value} update names no member state ({rule.article})", (
            "member_state"
        )
    return None


# ----- marking, unmarking, advance erasure --------------------------------------------------


class ActionFlaw(StrEnum):
    MARK_CATEGORY = "mark-category"
    MARK_REASON = "mark-reason"
    UNMARK_REASON = "unmark-reason"
    UNMARK_OTHER_MARK = "unmark-other-mark"
    ERASURE_CATEGORY = "erasure-category"
    ERASURE_REASON = "erasure-reason"


@frozen
class ActionRefusal:
    flaw: ActionFlaw
    sentence: str
    article: str


def action_refusal(
    regime: Regime,
    operation: Operation,
    digit: int,
    reason: str,
    *,
    mark: str | None = None,
) -> ActionRefusal | None:
    """Why the law does not allow this mark, unmark or erasure, or None when it does.

    `mark`: the reason the stored data set is marked for, when the caller knows it (the
    central system): an unmark lifts only the mark its row names.
    """
    rules = tuple(rule for rule in ACTIONS[regime] if rule.operation is operation)
    fitting = [r for r in rules if r.reason == reason and digit in r.categories]
    if operation is Operation.MARK:
        return _mark_refusal(regime, rules, digit, reason, fitting=bool(fitting))
    if operation is Operation.UNMARK:
        return _unmark_refusal(regime, rules, digit, reason, fitting=fitting, mark=mark)
    if operation is Operation.DELETE:
        return _erasure_refusal(regime, rules, digit, reason, fitting=bool(fitting))
    return None


def _mark_refusal(
    regime: Regime, rules: tuple[ActionRule, ...], digit: int, reason: str, *, fitting: bool
) -> ActionRefusal | None:
    markable = frozenset[int]().union(*(r.categories for r in rules))
    if digit not in markable:
        return ActionRefusal(
            flaw=ActionFlaw.MARK_CATEGORY,
            sentence=(
                f"under {regime} only data of categories {sorted(markable)} are marked, "
                f"not category {digit}"
            ),
            article=", ".join(sorted({r.article for r in rules})),
        )
    if fitting:
        return None
    return _reason_refusal(ActionFlaw.MARK_REASON, regime, rules, digit, reason, act="mark")


def _unmark_refusal(
    regime: Regime,
    rules: tuple[ActionRule, ...],
    digit: int,
    reason: str,
    *,
    fitting: list[ActionRule],
    mark: str | None,
) -> ActionRefusal | None:
    if not fitting:
        return _reason_refusal(ActionFlaw.UNMARK_REASON, regime, rules, digit, reason, act="unmark")
    rule = fitting[0]
    if mark is None or rule.requires_mark in (None, mark):
        return None
    return ActionRefusal(
        flaw=ActionFlaw.UNMARK_OTHER_MARK,
        sentence=f"{reason} lifts a mark for {rule.requires_mark}; these data are marked "
        f"for {mark}",
        article=rule.article,
    )


def _erasure_refusal(
    regime: Regime, rules: tuple[ActionRule, ...], digit: int, reason: str, *, fitting: bool
) -> ActionRefusal | None:
    if not rule_of(regime, digit).stored:
        return ActionRefusal(
            flaw=ActionFlaw.ERASURE_CATEGORY,
            sentence=f"category {digit} data are never recorded under {regime}: nothing to erase",
            article=CATEGORIES[regime][digit].not_recorded_article,
        )
    if fitting:
        return None
    return _reason_refusal(
        ActionFlaw.ERASURE_REASON, regime, rules, digit, reason, act="erase in advance"
    )


def _reason_refusal(
    flaw: ActionFlaw,
    regime: Regime,
    rules: tuple[ActionRule, ...],
    digit: int,
    reason: str,
    *,
    act: str,
) -> ActionRefusal:
    other = [r for r in ACTIONS[regime] if r.reason == reason and digit in r.categories]
    hint = f"; it is a ground to {other[0].operation.value} ({other[0].article})" if other else ""
    grounds = [f"{r.reason} ({r.article})" for r in rules if digit in r.categories]
    articles = sorted({r.article for r in rules if digit in r.categories}) or sorted(
        {r.article for r in rules}
    )
    return ActionRefusal(
        flaw=flaw,
        sentence=(
            f"{reason} is no ground to {act} category {digit} data under {regime}{hint}; "
            f"grounds: {', '.join(grounds) or 'none'}"
        ),
        article=", ".join(articles),
    )
