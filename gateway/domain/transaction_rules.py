"""The Eurodac transaction of a record against the law's tables: every problem, with its
code, article and path (`gateway.domain.rules.check_record` gathers them)."""

from __future__ import annotations

from datetime import date

from gateway.domain.eurodac import EurodacTransaction, Operation, categories_for, implied_reason
from gateway.domain.eurodac_checks import (
    ActionFlaw,
    action_refusal,
    delay_problem,
    point_problem,
    rule_of,
    status_problem,
)
from gateway.domain.eurodac_law import (
    CATEGORIES,
    DeletionReason,
    MarkReason,
    Regime,
    Start,
)
from gateway.domain.problems import Problem
from gateway.domain.record import CanonicalRecord

__all__ = ["check_transaction"]

CATEGORY = "GW-VAL-CATEGORY"
REFERENCE = "GW-VAL-REFERENCE"
POINT = "GW-VAL-POINT"
NOT_RECORDED = "GW-VAL-NOT-RECORDED"
REASON = "GW-VAL-REASON"
DELAY = "GW-VAL-DELAY"
STATUS = "GW-VAL-STATUS"
NOT_IN_REGIME = "GW-VAL-NOT-IN-REGIME"
EVENT_REQUIRED = "GW-VAL-EVENT-REQUIRED"
_ACTION_CODES = {
    ActionFlaw.MARK_CATEGORY: "GW-VAL-MARK-CATEGORY",
    ActionFlaw.MARK_REASON: "GW-VAL-MARK-REASON",
    ActionFlaw.UNMARK_REASON: "GW-VAL-UNMARK-REASON",
    ActionFlaw.UNMARK_OTHER_MARK: "GW-VAL-UNMARK-REASON",
    ActionFlaw.ERASURE_CATEGORY: "GW-VAL-ERASURE-CATEGORY",
    ActionFlaw.ERASURE_REASON: "GW-VAL-ERASURE-REASON",
}
_ACTIONS = (Operation.MARK, Operation.UNMARK, Operation.DELETE)
_REASONS = frozenset(MarkReason) | frozenset(DeletionReason)
_EVENT_FIELDS = {Start.APPREHENSION: "apprehension", Start.DISEMBARKATION: "disembarkation"}


def check_transaction(
    record: CanonicalRecord, transaction: EurodacTransaction, *, day: date, today: date
) -> list[Problem]:
    """Every problem of the record's transaction, the data it must carry with it included."""
    problems = _check_transaction(transaction, day, today)
    if any(p.code == CATEGORY for p in problems):
        return problems
    return (
        problems
        + _check_regime_fields(record, transaction.regime)
        + _check_event_data(record, transaction)
        + _check_status(record, transaction)
    )


def _check_transaction(transaction: EurodacTransaction, day: date, today: date) -> list[Problem]:
    problems = []
    if transaction.category not in categories_for(transaction.regime, on=day):
        existing = ", ".join(str(d) for d in sorted(categories_for(transaction.regime, on=day)))
        problems.append(
            Problem(
                code=CATEGORY,
                message=(
                    f"category {transaction.category} does not exist under Regulation "
                    f"{transaction.regime} on {day} (categories: {existing})"
                ),
                path="transaction.category",
            )
        )
        return problems + _check_reference(transaction)
    problems += _check_point_and_storage(transaction)
    problems += _check_reason(transaction)
    delay = delay_problem(transaction, today=today)
    if delay is not None:
        problems.append(Problem(code=DELAY, message=delay, path="transaction.delay"))
    return problems + _check_reference(transaction)


def _check_point_and_storage(transaction: EurodacTransaction) -> list[Problem]:
    regime, digit = transaction.regime, transaction.category
    wrong_point = point_problem(regime, digit, transaction.point)
    if wrong_point is not None:
        return [Problem(code=POINT, message=wrong_point, path="transaction.point")]
    rule = rule_of(regime, digit, transaction.point)
    if transaction.operation is Operation.ENROL and not rule.stored:
        return [
            Problem(
                code=NOT_RECORDED,
                message=(
                    f"{rule.name} ({rule.article}): these data are compared only and never "
                    f"recorded ({rule.not_recorded_article}); send a search"
                ),
                path="transaction.operation",
            )
        ]
    return []


def _check_reason(transaction: EurodacTransaction) -> list[Problem]:
    reason = implied_reason(transaction)
    if transaction.operation not in _ACTIONS:
        if transaction.reason is None:
            return []
        message = f"a {transaction.operation.value} takes no reason (only mark, unmark, delete)"
        return [Problem(code=REASON, message=message, path="transaction.reason")]
    if reason not in _REASONS:
        allowed = ", ".join(sorted(_REASONS))
        message = f"{reason!r} is not a reason the gateway knows ({allowed})"
        return [Problem(code=REASON, message=message, path="transaction.reason")]
    refusal = action_refusal(
        transaction.regime, transaction.operation, transaction.category, str(reason)
    )
    if refusal is None:
        return []
    path = (
        "transaction.category"
        if refusal.flaw in (ActionFlaw.MARK_CATEGORY, ActionFlaw.ERASURE_CATEGORY)
        else "transaction.reason"
    )
    return [
        Problem(
            code=_ACTION_CODES[refusal.flaw],
            message=f"{refusal.sentence} (Regulation {transaction.regime} {refusal.article})",
            path=path,
        )
    ]


def _check_reference(transaction: EurodacTransaction) -> list[Problem]:
    problems = []
    if transaction.reference.category != transaction.category:
        problems.append(
            Problem(
                code=REFERENCE,
                message=(
                    f"the reference number's category digit ({transaction.reference.category}) "
                    f"is not the transaction's category ({transaction.category})"
                ),
                path="transaction.reference",
            )
        )
    return problems


def _check_regime_fields(record: CanonicalRecord, regime: Regime) -> list[Problem]:
    """603/2013 records no disembarkation, security flag, admission point or border flag."""
    if regime is not Regime.EURODAC_2013:
        return []
    present = [
        ("disembarkation", record.disembarkation is not None),
        ("security_flag", record.security_flag),
        ("transaction.point", record.transaction is not None and record.transaction.point),
        ("application.at_border", record.application is not None and record.application.at_border),
    ]
    return [
        Problem(
            code=NOT_IN_REGIME,
            message=f"Regulation 603/2013 records no {path.rsplit('.', 1)[-1].replace('_', ' ')} "
            "(Arts 11 and 15 list what it records)",
            path=path,
        )
        for path, given in present
        if given
    ]


def _check_event_data(record: CanonicalRecord, transaction: EurodacTransaction) -> list[Problem]:
    """The place and date of the apprehension or disembarkation are part of the data set."""
    if transaction.operation is not Operation.ENROL:
        return []
    rule = CATEGORIES[transaction.regime][transaction.category]
    field = _EVENT_FIELDS.get(rule.event_data) if rule.event_data else None
    if field is None or getattr(record, field) is not None:
        return []
    return [
        Problem(
            code=EVENT_REQUIRED,
            message=f"category {transaction.category} data include the place and date of "
            f"{rule.event_data.value if rule.event_data else ''} (Regulation "
            f"{transaction.regime} {rule.event_data_article})",
            path=field,
        )
    ]


def _check_status(record: CanonicalRecord, transaction: EurodacTransaction) -> list[Problem]:
    update = record.status
    if transaction.operation is not Operation.STATUS:
        if update is None:
            return []
        message = "only a status transaction adds a status update"
        return [Problem(code=STATUS, message=message, path="status")]
    if update is None:
        message = "a status transaction carries its update"
        return [Problem(code=STATUS, message=message, path="status")]
    found = status_problem(transaction.regime, update)
    if found is None:
        return []
    message, field = found
    return [Problem(code=STATUS, message=message, path=f"status.{field}")]
