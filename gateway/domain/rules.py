"""Domain rules a canonical record must satisfy, as one pure function.

`check_record` returns every problem it finds, each with a stable code and
the path of the field at fault, so that a submitter can fix a record in one
go. What cannot be known (a partial date of birth) is judged in the
record's favour: a person is too young only when they are certainly too young.
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
    categories_for,
    minimum_age,
    regime_on,
)
from gateway.domain.national_number import parse_national_number
from gateway.domain.person import Person
from gateway.domain.problems import Problem
from gateway.domain.record import CanonicalRecord

__all__ = ["check_record", "reference_day"]

NATIONAL_NUMBER = "GW-VAL-NATIONAL-NUMBER"
COUNTRY_CODE = "GW-VAL-COUNTRY-CODE"
MINIMUM_AGE = "GW-VAL-MINIMUM-AGE"
BIRTH_AFTER_EVENT = "GW-VAL-BIRTH-AFTER-EVENT"
DATE_ORDER = "GW-VAL-DATE-ORDER"
CATEGORY = "GW-VAL-CATEGORY"
REFERENCE = "GW-VAL-REFERENCE"
FINGER_TWICE = "GW-VAL-FINGER-TWICE"
QUALITY = "GW-VAL-QUALITY"
FACE_REQUIRED = "GW-VAL-FACE-REQUIRED"


def reference_day(record: CanonicalRecord, today: date) -> date:
    """The day the record's data were taken: capture, else registration, else today."""
    if record.biometrics is not None:
        return record.biometrics.captured_on
    if record.application is not None and record.application.registered_on is not None:
        return record.application.registered_on
    return today


def check_record(record: CanonicalRecord, *, today: date) -> list[Problem]:
    """Every domain problem of a record, in field order."""
    day = reference_day(record, today)
    regime = record.transaction.regime if record.transaction else regime_on(day)
    problems = _check_person(record.person, regime, day)
    if record.application is not None:
        problems += _check_application(record.application)
    if record.biometrics is not None:
        problems += _check_biometrics(record, record.biometrics, regime)
    if record.transaction is not None:
        problems += _check_transaction(record.transaction, day)
    return problems


def _check_person(person: Person, regime: Regime, day: date) -> list[Problem]:
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
        elif age_on(person.birth_date.earliest(), day) < minimum_age(regime):
            problems.append(
                Problem(
                    code=MINIMUM_AGE,
                    message=(
                        f"the person is under {minimum_age(regime)} on {day}, the minimum age "
                        f"under Regulation {regime}"
                    ),
                    path="person.birth_date",
                )
            )
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
    enrolment = record.transaction is not None and record.transaction.operation is Operation.ENROL
    if enrolment and regime is Regime.EURODAC_2024 and biometrics.face is None:
        problems.append(
            Problem(
                code=FACE_REQUIRED,
                message="under Regulation 2024/1358 an enrolment carries a facial image",
                path="biometrics.face",
            )
        )
    return problems


def _check_transaction(transaction: EurodacTransaction, day: date) -> list[Problem]:
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
