"""A person as the national systems know them: names, sex, birth, nationalities, documents."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from gateway.domain.dates import PartialDate
from gateway.domain.frozen import frozen

__all__ = ["Document", "DocumentType", "Name", "Person", "Sex"]


class Sex(StrEnum):
    """Sex as recorded in travel documents (ICAO Doc 9303): X when unspecified."""

    MALE = "M"
    FEMALE = "F"
    UNSPECIFIED = "X"


class DocumentType(StrEnum):
    PASSPORT = "passport"
    IDENTITY_CARD = "identity-card"
    RESIDENCE_PERMIT = "residence-permit"
    TRAVEL_DOCUMENT = "travel-document"
    OTHER = "other"


@frozen
class Name:
    """A name in Latin characters, with its original spelling when that differs.

    `script` is the ISO 15924 code of the original (`Arab`, `Cyrl`, ...).
    """

    family: str
    given: str = ""
    family_original: str | None = None
    given_original: str | None = None
    script: str | None = None


@frozen
class Document:
    """An identity or travel document; the issuer is an ISO 3166 alpha-3 code."""

    type: DocumentType
    number: str
    issuing_country: str
    valid_from: date | None = None
    valid_until: date | None = None


@frozen
class Person:
    """Who the record is about. Nationalities are ISO 3166 alpha-3 codes."""

    name: Name
    aliases: tuple[Name, ...] = ()
    sex: Sex = Sex.UNSPECIFIED
    birth_date: PartialDate | None = None
    birth_place: str | None = None
    birth_country: str | None = None
    nationalities: tuple[str, ...] = ()
    documents: tuple[Document, ...] = ()
