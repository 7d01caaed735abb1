"""Domain rules a canonical record must satisfy, as one pure function.

`check_record` returns every problem it finds, each with a stable code and
the path of the field at fault, so that a submitter can fix a record in one
go. The Eurodac rules come from the law's tables (`gateway.domain.eurodac_law`,
applied by `gateway.domain.eurodac_checks`); a partial date of birth is read as
the regime says (2024/1358 Art 14(1): a doubtful child is under six).
`regime_of` is the one answer to "which Eurodac regulation": the mappings, these
checks and the simulated Central System all ask it.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise

from gateway.domain.application import Application
from gateway.domain.biometrics import BiometricSet
from gateway.domain.countries import is_nationality_code
from gateway.domain.dates import age_on
from gateway.domain.eurodac import (
    EurodacTransaction,
    Operation,
    Regime,
    minimum_age,
    regime_on,
)
from gateway.domain.eurodac_checks import rule_of, too_young
from gateway.domain.eurodac_law import AGE_RULES, CATEGORIES, REGIME_RULE, Doubt
from gateway.domain.national_number import parse_national_number
from gateway.domain.person import Person
from gateway.domain.problems import Problem
from gateway.domain.record import CanonicalRecord
from gateway.domain.transaction_rules import check_transaction

__all__ = ["check_record", "reference_day", "regime_of", "taken_on"]

NATIONAL_NUMBER = "GW-VAL-NATIONAL-NUMBER"
COUNTRY_CODE = "GW-VAL-COUNTRY-CODE"
MINIMUM_AGE = "GW-VAL-MINIMUM-AGE"
BIRTH_AFTER_EVENT = "GW-VAL-BIRTH-AFTER-EVENT"
DATE_ORDER = "GW-VAL-DATE-ORDER"
FINGER_TWICE = "GW-VAL-FINGER-TWICE"
QUALITY = "GW-VAL-QUALITY"
FACE_REQUIRED = "GW-VAL-FACE-REQUIRED"
REGIME = "GW-VAL-REGIME"


def taken_on(record: CanonicalRecord) -> date | None:
    """The day the record's biometric data were taken: the capture; without biometric data,
    the registration of the application (the data are taken upon it); None when neither is
    known."""
    if record.biometrics is not None:
        return record.biometrics.captured_on
    if record.application is not None:
        return record.application.registered_on
    return None


def reference_day(record: CanonicalRecord, today: date) -> date:
    """The day the record's data were taken (`taken_on`), else today."""
    return taken_on(record) or today


def regime_of(record: CanonicalRecord, today: date) -> Regime:
    """The Eurodac regulation a record's data set falls under: the one in force on the day its
    data were taken (`REGIME_RULE`, `taken_on`; today when the record does not say). Every
    transaction about that data set (enrolment, search, correction, marking, erasure) is
    made under it."""
    return regime_on(reference_day(record, today))


def check_record(record: CanonicalRecord, *, today: date) -> list[Problem]:
    """Every domain problem of a record, in field order."""
    day = reference_day(record, today)
    transaction = record.transaction
    regime = transaction.regime if transaction else regime_on(day)
    category = transaction.category if transaction else 1
    problems = _check_person(record.person, regime, category, day)
    if record.application is not None:
        problems += _check_application(record.application)
    if record.biometrics is not None:
        problems += _check_biometrics(record, record.biometrics, regime)
    if transaction is not None:
        problems += check_transaction(record, transaction, day=day, today=today)
        if taken_on(record) is not None and transaction.regime is not regime_of(record, today):
            problems.append(_regime_problem(record, transaction, today))
    return problems


def _regime_problem(
    record: CanonicalRecord, transaction: EurodacTransaction, today: date
) -> Problem:
    day, decided = reference_day(record, today), regime_of(record, today)
    return Problem(
        code=REGIME,
        message=(
            f"data taken on {day} fall under Regulation {decided}, not {transaction.regime}: "
            f"the regime is decided by {REGIME_RULE.decided_by} ({REGIME_RULE.article})"
        ),
        path="transaction.regime",
    )


def _check_person(person: Person, regime: Regime, category: int, day: date) -> list[Problem]:
    problems = []
    if person.birth_date is not None:
        if person.birth_date.earliest() > day:
            problems.append(
                Problem(
                    code=BIRTH_AFTER_EVENT,
                    message=f"the date of birth is after the day the data were taken ({day})",
                    path="person.birth_date",
                )
            )
        elif too_young(regime, category, person.birth_date, day):
            problems.append(_age_problem(person, regime, day))
    if person.birth_country is not None:
        problems += _country(person.birth_country, "person.birth_country")
    for i, code in enumerate(person.nationalities):
        problems += _country(code, f"person.nationalities[{i}]")
    for i, document in enumerate(person.documents):
        problems += _country(document.issuing_country, f"person.documents[{i}].issuing_country")
        if (
            document.valid_from is not None
            and document.valid_until is not None
            and document.valid_until < document.valid_from
        ):
            problems.append(
                Problem(
                    code=DATE_ORDER,
                    message="the document expires before it becomes valid",
                    path=f"person.documents[{i}].valid_until",
                )
            )
    return problems


def _age_problem(person: Person, regime: Regime, day: date) -> Problem:
    ages = AGE_RULES[regime]
    birth = person.birth_date
    assert birth is not None  # noqa: S101 - only called with a date of birth
    if ages.doubt is Doubt.PRESUME_UNDER and age_on(birth.earliest(), day) >= ages.years:
        message = (
            f"the date of birth {birth} leaves it uncertain whether the person is under "
            f"{ages.years} on {day}; without proof of age the person is treated as under "
            f"{ages.years} (Regulation {regime} {ages.doubt_article})"
        )
    else:
        message = (
            f"the person is under {minimum_age(regime)} on {day}, the minimum age under "
            f"Regulation {regime} ({ages.article})"
        )
    return Problem(code=MINIMUM_AGE, message=message, path="person.birth_date")


def _country(code: str, path: str) -> list[Problem]:
    if is_nationality_code(code):
        return []
    return [
        Problem(
            code=COUNTRY_CODE,
            message=f"{code!r} is not an ISO 3166-1 alpha-3 code (nor XXA, XXB, XXC or XXX)",
            path=path,
        )
    ]


def _check_application(application: Application) -> list[Problem]:
    problems = []
    number = application.identifiers.national_number
    if number is not None:
        try:
            parse_national_number(number)
        except ValueError as error:
            problems.append(
                Problem(
                    code=NATIONAL_NUMBER,
                    message=f"not a valid Belgian national number: {error}",
                    path="application.identifiers.national_number",
                )
            )
    steps = [
        ("made_on", application.made_on),
        ("registered_on", application.registered_on),
        ("lodged_on", application.lodged_on),
    ]
    known = [(name, day) for name, day in steps if day is not None]
    for (earlier_name, earlier), (later_name, later) in pairwise(known):
        if later < earlier:
            problems.append(
                Problem(
                    code=DATE_ORDER,
                    message=f"{later_name} ({later}) is before {earlier_name} ({earlier})",
                    path=f"application.{later_name}",
                )
            )
    return problems


def _check_biometrics(
    record: CanonicalRecord, biometrics: BiometricSet, regime: Regime
) -> list[Problem]:
    problems = []
    seen = set()
    for i, finger in enumerate(biometrics.fingerprints):
        path = f"biometrics.fingerprints[{i}]"
        if finger.position in seen:
            problems.append(
                Problem(
                    code=FINGER_TWICE,
                    message=f"finger position {int(finger.position)} is given more than once",
                    path=f"{path}.position",
                )
            )
        seen.add(finger.position)
        if not 0 <= finger.quality <= 100:
            problems.append(
                Problem(
                    code=QUALITY,
                    message="an NFIQ 2 quality score is between 0 and 100",
                    path=f"{path}.quality",
                )
            )
    if _records_a_data_set(record) and regime is Regime.EURODAC_2024 and biometrics.face is None:
        problems.append(
            Problem(
                code=FACE_REQUIRED,
                message="under Regulation 2024/1358 a recorded data set carries a facial image "
                "(Art 17(1)(b))",
                path="biometrics.face",
            )
        )
    return problems


def _records_a_data_set(record: CanonicalRecord) -> bool:
    """An enrolment of data the regulation records (not one refused as compared only)."""
    transaction = record.transaction
    if transaction is None or transaction.operation is not Operation.ENROL:
        return False
    rules = CATEGORIES[transaction.regime]
    if transaction.category not in rules:
        return True
    return rule_of(transaction.regime, transaction.category, transaction.point).stored
