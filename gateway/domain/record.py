"""The canonical record: what every national source is mapped to."""

from __future__ import annotations

from datetime import date

from gateway.domain.application import Application
from gateway.domain.biometrics import BiometricSet
from gateway.domain.eurodac import EurodacTransaction
from gateway.domain.eurodac_law import StatusKind
from gateway.domain.frozen import frozen
from gateway.domain.person import Person

__all__ = ["CanonicalRecord", "PlaceAndDate", "StatusUpdate"]


@frozen
class PlaceAndDate:
    """Where and when something happened (the member state is the one of the reference)."""

    on: date
    place: str | None = None


@frozen
class StatusUpdate:
    """What happened to the person after the data set was recorded (`STATUS_UPDATES`):
    `member_state` for the kinds that name one (the state responsible, of relocation)."""

    kind: StatusKind
    on: date
    member_state: str | None = None


@frozen
class CanonicalRecord:
    """One person, their application, their biometrics and the transaction asked for.

    `apprehension`: place and date of the apprehension (603/2013 Art 14(2)(b);
    2024/1358 Arts 22(2)(g), 23(2)(g)); `disembarkation`: place and date of the
    disembarkation after a search and rescue operation (2024/1358 Art 24(2)(g));
    `security_flag`: the person could pose a threat to internal security following the
    screening or a security check (2024/1358 Art 17(2)); each starts a time limit or
    travels with the data set as the regulation lists it. `status`: the update a
    `status` transaction adds to the recorded data set.
    """

    person: Person
    application: Application | None = None
    biometrics: BiometricSet | None = None
    transaction: EurodacTransaction | None = None
    apprehension: PlaceAndDate | None = None
    disembarkation: PlaceAndDate | None = None
    security_flag: bool = False
    status: StatusUpdate | None = None
