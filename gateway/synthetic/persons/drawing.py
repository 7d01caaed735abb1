"""Synthetic applicants: one deterministic person per (seed, index), as the sources know them.

A person is drawn from their own seed (`person_seed(seed, index)`), so the
same seed gives the same people whatever the count, and every export of one
person (Evibel, Actio, Waiting Register, and later Printrak) agrees.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta

from gateway.domain.dates import PartialDate
from gateway.domain.eurodac import regime_on
from gateway.domain.frozen import frozen
from gateway.domain.national_number import NumberKind, make_national_number
from gateway.mapping.transliteration import transliterate
from gateway.synthetic.persons.names import ORIGINS, Origin

__all__ = ["SyntheticPerson", "make_person", "person_seed"]

_FIRST_REGISTRATION = date(2025, 1, 6)
_REGISTRATION_DAYS = 640  # up to early October 2026
_PLACES = ("PK", "PK", "PK", "PK", "PC", "WTC", "BRU", "CGV")
_PROCEDURES = ("EERSTE",) * 6 + ("VOLGEND", "VERSNELD", "GRENS", "DUBLIN")
_DOCUMENTS = ("PAS", "PAS", "PAS", "ID", "RD")


@frozen
class SyntheticPerson:
    """Everything the exports say about one synthetic applicant."""

    index: int
    seed: int  # the person seed: biometric generators derive fingers and face from it
    origin: Origin
    sex: str  # M or F
    family: str  # Latin, as typed (empty: the officer typed only the original)
    given: str
    family_original: str
    given_original: str
    birth: PartialDate
    birth_place: str
    national_number: str | None
    number_kind: NumberKind | None
    io_number: str
    cgrs_number: str | None
    document: tuple[str, str, date] | None  # (type code, number, valid until)
    made_on: date
    registered_on: date
    lodged_on: date | None
    place: str
    procedure: str
    decision: str | None  # VS, SB, WEIG or None (pending)

    @property
    def eurodac_reference(self) -> str:
        return f"BE1{self.io_number:0>15}"

    @property
    def eurodac_regime(self) -> str:
        return regime_on(self.registered_on).value


def person_seed(seed: int, index: int) -> int:
    """A stable 64-bit seed for person `index` of a run (not Python's salted hash)."""
    digest = hashlib.blake2b(f"{seed}:{index}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def make_person(seed: int, index: int) -> SyntheticPerson:
    """Person `index` of the run with seed `seed`."""
    own = person_seed(seed, index)
    rng = random.Random(own)  # noqa: S311 - synthetic data, not cryptography
    origin = rng.choices(ORIGINS, weights=[o.weight for o in ORIGINS])[0]
    sex = rng.choice("MF")
    family_latin, family_original = rng.choice(origin.families)
    given_latin, given_original = rng.choice(origin.males if sex == "M" else origin.females)
    registered = _FIRST_REGISTRATION + timedelta(days=rng.randrange(_REGISTRATION_DAYS))
    birth = _birth(rng, registered)
    number, kind = _national_number(rng, birth, sex)
    lodged = registered + timedelta(days=rng.randrange(1, 30)) if rng.random() < 0.8 else None
    return SyntheticPerson(
        index=index,
        seed=own,
        origin=origin,
        sex=sex,
        family=_latin(rng, family_latin, family_original).upper(),
        given=_latin(rng, given_latin, given_original),
        family_original=family_original,
        given_original=given_original,
        birth=birth,
        birth_place=rng.choice(origin.places),
        national_number=number,
        number_kind=kind,
        io_number=str(9_000_000 + rng.randrange(1_000_000)),
        cgrs_number=f"{lodged.year % 100:02d}/{rng.randrange(100_000):05d}" if lodged else None,
        document=_document(rng, origin, registered),
        made_on=registered - timedelta(days=rng.randrange(0, 4)),
        registered_on=registered,
        lodged_on=lodged,
        place=rng.choice(_PLACES),
        procedure=rng.choice(_PROCEDURES),
        decision=rng.choice((None, None, "VS", "SB", "WEIG", "WEIG")) if lodged else None,
    )


def _latin(rng: random.Random, latin: str, original: str) -> str:
    """The Latin form an officer types: the usual spelling, or ICAO's, or none at all (5%)."""
    if rng.random() < 0.05 and not original.isascii():
        return ""
    return latin or transliterate(original)


def _birth(rng: random.Random, registered: date) -> PartialDate:
    """Aged 14 to 70 on registration; 15% without a known day, 6% with only the year."""
    born = registered - timedelta(days=rng.randrange(14 * 366 + 1, 70 * 365))
    roll = rng.random()
    if roll < 0.06:
        return PartialDate(year=born.year)
    if roll < 0.21:
        return PartialDate(year=born.year, month=born.month)
    return PartialDate.of(born)


def _national_number(
    rng: random.Random, birth: PartialDate, sex: str
) -> tuple[str | None, NumberKind | None]:
    """65% a National Register number, 15% bis (sex known), 5% bis (sex unknown), 15% none."""
    roll = rng.random()
    if roll < 0.15:
        return None, None
    if roll < 0.80:
        kind = NumberKind.NATIONAL_REGISTER
    elif roll < 0.95:
        kind = NumberKind.BIS_SEX_KNOWN
    else:
        kind = NumberKind.BIS_SEX_UNKNOWN
    serial = rng.randrange(1, 499) * 2 - (sex == "M")  # odd for men, even for women
    return make_national_number(birth, serial, kind), kind


def _document(rng: random.Random, origin: Origin, registered: date) -> tuple[str, str, date] | None:
    if rng.random() < 0.45:
        return None  # many applicants arrive without documents
    number = f"{rng.choice('ABCDEFGHJKLNPRSTX')}{rng.randrange(10**7, 10**8)}"
    return rng.choice(_DOCUMENTS), number, registered + timedelta(days=rng.randrange(-400, 3000))
