"""An application for international protection and the national identifiers of its files."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from gateway.domain.frozen import frozen

__all__ = ["Application", "NationalIdentifiers", "Procedure"]


class Procedure(StrEnum):
    FIRST = "first"
    SUBSEQUENT = "subsequent"
    ACCELERATED = "accelerated"
    BORDER = "border"
    DUBLIN = "dublin"


@frozen
class NationalIdentifiers:
    """The numbers under which the national systems file the person.

    `io_file_number`: Immigration Office (Evibel); `cgrs_file_number`: CGRS
    (Actio); `national_number`: National Register or bis register.
    """

    io_file_number: str | None = None
    cgrs_file_number: str | None = None
    national_number: str | None = None


@frozen
class Application:
    """The application: made, then registered, then lodged, at a place, under a procedure.

    `at_border`: made at an external border crossing point or in a transit zone by a
    person who does not fulfil the entry conditions (2024/1358 Art 15(1)(b): the 72 hours
    then run from the taking of the biometric data, not from the registration).
    """

    identifiers: NationalIdentifiers
    made_on: date | None = None
    registered_on: date | None = None
    lodged_on: date | None = None
    place: str | None = None
    procedure: Procedure | None = None
    at_border: bool = False
