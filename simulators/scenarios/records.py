"""The records a scenario speaks of: a few keys, made into canonical records.

    person: 7              synthetic person (its fingerprints and face), required
    capture: 1             which capture of that person (another capture: another session)
    reference: BE1${run}A1 the Eurodac reference number (its digit is the category)
    regime: 2024/1358      or 603/2013 (default: the regime of the day of capture)
    operation: enrol       or search
    captured: today-5d     the day of capture: today, today-Nd, or YYYY-MM-DD
    registered: today      the day the application was registered (DubliNet requests)
    birth: today-3y        date of birth: YYYY[-MM[-DD]], or today-Ny (that year)
    delay: technical-failure  a lawful reason the data are sent late (or health, retaken)
    delay_since: today-1d  the day health grounds ceased or the prints were retaken

The person's other data are those of the example applicant of
`gateway.messages.examples`; persons are numbered per run, so a number means
the same person within one run only.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from gateway.domain.dates import PartialDate
from gateway.domain.eurodac import (
    EurodacTransaction,
    Operation,
    ReferenceNumber,
    Regime,
    TransmissionDelay,
    regime_on,
)
from gateway.domain.eurodac_law import DelayGround
from gateway.domain.record import CanonicalRecord
from gateway.errors import InputError
from gateway.messages.examples import example_record
from gateway.synthetic.biometrics import biometric_set

__all__ = ["build_record", "person_seed", "relative_date"]

BAD_RECORD = "GW-SIM-SCENARIO"
_RELATIVE = re.compile(r"^today(?:-(\d+)([dy]))?$")
_KEYS = {"person", "capture", "reference", "regime", "operation", "captured", "registered",
         "birth", "delay", "delay_since"}  # fmt: skip


def person_seed(run: str, person: int) -> int:
    """The synthetic person seed of person `person` in run `run`."""
    digest = hashlib.sha256(f"{run}:{person}".encode()).digest()
    return int.from_bytes(digest[:4], "big") >> 1


def relative_date(text: str, today: date) -> date:
    """`today`, `today-5d`, `today-3y` (the same day that many years before) or an ISO date."""
    match = _RELATIVE.match(text.strip())
    if match is None:
        return date.fromisoformat(text)
    amount, unit = int(match[1] or 0), match[2]
    if unit == "y":
        try:
            return today.replace(year=today.year - amount)
        except ValueError:  # 29 February in a year without one
            return today.replace(year=today.year - amount, day=28)
    return today - timedelta(days=amount)


def build_record(spec: object, *, run: str, today: date) -> CanonicalRecord:
    """A canonical record from a scenario's record keys (an `InputError` naming a bad key)."""
    if not isinstance(spec, Mapping) or "person" not in spec:
        raise InputError(BAD_RECORD, "a record is a mapping with at least a person", "record")
    unknown = set(spec) - _KEYS
    if unknown:
        raise InputError(BAD_RECORD, f"unknown record keys {sorted(unknown)}", "record")
    try:
        return _build(spec, run, today)
    except (ValueError, TypeError) as error:
        raise InputError(BAD_RECORD, f"the record cannot be made: {error}", "record") from None


def _delay(spec: Mapping[str, Any], today: date) -> TransmissionDelay | None:
    if "delay" not in spec:
        return None
    since = spec.get("delay_since")
    return TransmissionDelay(
        ground=DelayGround(str(spec["delay"])),
        since=None if since is None else relative_date(str(since), today),
    )


def _build(spec: Mapping[str, Any], run: str, today: date) -> CanonicalRecord:
    captured = relative_date(str(spec.get("captured", "today")), today)
    regime = Regime(str(spec["regime"])) if "regime" in spec else regime_on(captured)
    operation = Operation(str(spec.get("operation", Operation.ENROL)))
    base = example_record(regime, operation)
    person = base.person
    if "birth" in spec:
        birth = str(spec["birth"])
        born = (
            PartialDate(year=relative_date(birth, today).year)
            if birth.startswith("today")
            else PartialDate.parse(birth)
        )
        person = dataclasses.replace(person, birth_date=born)
    registered = relative_date(str(spec.get("registered", captured.isoformat())), today)
    assert base.application is not None  # noqa: S101 - the example applicant has one
    application = dataclasses.replace(
        base.application, made_on=registered, registered_on=registered, lodged_on=registered
    )
    seed = person_seed(run, int(spec["person"]))
    biometrics = biometric_set(seed, int(spec.get("capture", 0)), regime, captured_on=captured)
    transaction = None
    if "reference" in spec:
        reference = ReferenceNumber.parse(str(spec["reference"]))
        transaction = EurodacTransaction(
            operation=operation,
            regime=regime,
            category=reference.category,
            reference=reference,
            delay=_delay(spec, today),
        )
    return CanonicalRecord(
        person=person, application=application, biometrics=biometrics, transaction=transaction
    )
