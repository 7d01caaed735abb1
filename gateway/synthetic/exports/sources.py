"""A synthetic person as each national source exports them, clean or deliberately broken.

Rows follow the sample formats documented in `mappings/*.md`. Every source
draws its own dirt from the person's seed, so files agree on the person and
differ the way real exports do (dots in numbers, Dutch or French codes,
case). A broken row carries exactly one fault that the mapping must reject.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from gateway.domain.dates import PartialDate
from gateway.domain.national_number import check_digits
from gateway.mapping.transliteration import transliterate
from gateway.synthetic.persons import SyntheticPerson

__all__ = ["actio_row", "evibel_csv_row", "evibel_row", "waiting_register_row"]

Row = dict[str, Any]


def _rng(person: SyntheticPerson, source: str) -> random.Random:
    return random.Random(f"{person.seed}:{source}")  # noqa: S311 - synthetic data


def evibel_row(person: SyntheticPerson, *, broken: bool = False) -> Row:
    """The Evibel JSON object of a person (`mappings/evibel.md`)."""
    rng = _rng(person, "evibel")
    row: Row = {
        "ov_nummer": person.io_number,
        "naam": person.family if rng.random() < 0.9 else person.family.lower(),
        "voornamen": person.given,
        "naam_origineel": "" if person.family_original.isascii() else person.family_original,
        "voornamen_origineel": "" if person.given_original.isascii() else person.given_original,
        "geslacht": {"M": "M", "F": rng.choice("VF")}[person.sex],
        "geboortedatum": _dd_mm_yyyy(person.birth, rng),
        "geboorteplaats": person.birth_place,
        "geboorteland": person.origin.alpha2,
        "nationaliteiten": [person.origin.alpha2],
        "aanvraag": {
            "gedaan_op": person.made_on.strftime("%d/%m/%Y"),
            "geregistreerd_op": person.registered_on.strftime("%d/%m/%Y"),
            "ingediend_op": person.lodged_on.strftime("%d/%m/%Y") if person.lodged_on else "",
            "plaats": person.place,
            "procedure": person.procedure,
        },
    }
    if person.national_number:
        row["rijksregisternummer"] = _written(person.national_number, rng)
    if person.document:
        kind, number, until = person.document
        row["document"] = {
            "type": kind,
            "nummer": number if rng.random() < 0.8 else number.lower(),
            "land": person.origin.alpha2,
            "geldig_tot": until.strftime("%d/%m/%Y"),
        }
    if rng.random() < 0.7:
        row["eurodac"] = {
            "regime": person.eurodac_regime,
            "categorie": 1,
            "referentie": person.eurodac_reference,
        }
    if broken:
        _break(row, rng, _EVIBEL_FAULTS)
    return row


def evibel_csv_row(row: Row) -> dict[str, str]:
    """The Evibel CSV line of an Evibel JSON object (nested fields flattened)."""
    flat: dict[str, str] = {}
    for key, value in row.items():
        if key in ("document", "eurodac"):
            flat.update({f"{key}_{k}": str(v) for k, v in value.items()})
        elif key == "aanvraag":
            flat.update({k: str(v) for k, v in value.items()})
        elif key == "nationaliteiten":
            flat[key] = "|".join(value)
        else:
            flat[key] = str(value)
    return flat


def actio_row(person: SyntheticPerson, *, broken: bool = False) -> Row:
    """The Actio JSON object of a person with a lodged application (`mappings/actio.md`)."""
    rng = _rng(person, "actio")
    family = person.family or transliterate(person.family_original).upper()
    given = person.given or transliterate(person.given_original)
    nationality = person.origin.nationality
    row: Row = {
        "cgvs_dossiernummer": person.cgrs_number,
        "ov_nummer": person.io_number,
        "identiteit": {
            "volledige_naam": f"{family}, {given}",
            "geslacht": {"M": "M", "F": "V"}[person.sex],
            "geboortedatum": _iso_partial(person.birth, rng),
            "nationaliteiten": [nationality if rng.random() < 0.9 else nationality.lower()],
        },
        "procedure": {
            "type": person.procedure,
            "ingediend_op": person.lodged_on.isoformat() if person.lodged_on else "",
        },
    }
    if person.decision:
        row["beslissing"] = {"code": person.decision}
        row["eurodac"] = {"regime": person.eurodac_regime, "referentie": person.eurodac_reference}
    if broken:
        _break(row, rng, _ACTIO_FAULTS)
    return row


def waiting_register_row(person: SyntheticPerson, *, broken: bool = False) -> Row:
    """The Waiting Register CSV line of a person with a national number."""
    rng = _rng(person, "waiting-register")
    family = person.family or transliterate(person.family_original).upper()
    given = person.given or transliterate(person.given_original)
    birth = person.birth
    row: Row = {
        "RRN": _written(person.national_number or "", rng),
        "NAAM": f"{family}, {given}",
        "GESLACHT": person.sex,
        "GEBOORTEDATUM": f"{birth.year:04d}{birth.month or 0:02d}{birth.day or 0:02d}",
        "GEBOORTEPLAATS": person.birth_place,
        "NATIONALITEIT": person.origin.register_code,
        "DVZ_NR": person.io_number,
        "ADRES": "Rue de la Loi 1, 1000 Brussel",  # one fictitious address for all
    }
    if broken:
        _break(row, rng, _REGISTER_FAULTS)
    return row


def _dd_mm_yyyy(birth: PartialDate, rng: random.Random) -> str:
    if birth.month is None and rng.random() < 0.5:
        return str(birth.year)
    return f"{birth.day or 0:02d}/{birth.month or 0:02d}/{birth.year}"


def _iso_partial(birth: PartialDate, rng: random.Random) -> str:
    if birth.month is None and rng.random() < 0.5:
        return str(birth.year)
    return f"{birth.year:04d}-{birth.month or 0:02d}-{birth.day or 0:02d}"


def _written(number: str, rng: random.Random) -> str:
    """A national number as people write it: plain, or with dots and a dash."""
    if not number or rng.random() < 0.6:
        return number
    return f"{number[0:2]}.{number[2:4]}.{number[4:6]}-{number[6:9]}.{number[9:11]}"


def _bad_number(number: str) -> str:
    """A number whose check digits match neither century."""
    digits = number.replace(".", "").replace("-", "") or "88400005734"
    first = digits[:9]
    good = {check_digits(first, born_2000_or_later=c) for c in (False, True)}
    wrong = next(c for c in range(1, 98) if c not in good)
    return f"{first}{wrong:02d}"


def _set(path: str, value: Any) -> Callable[[Row], None]:
    def fault(row: Row) -> None:
        *parents, last = path.split(".")
        node = row
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value

    return fault


def _break(row: Row, rng: random.Random, faults: tuple[Callable[[Row], None], ...]) -> None:
    rng.choice(faults)(row)


_EVIBEL_FAULTS = (
    _set("geboortedatum", "31/02/1990"),
    _set("geslacht", "Q"),
    _set("ov_nummer", ""),
    _set("nationaliteiten", ["ZZ"]),
    _set("aanvraag.geregistreerd_op", "2026-13-45"),
    lambda row: row.update(rijksregisternummer=_bad_number(row.get("rijksregisternummer", ""))),
)
_ACTIO_FAULTS = (
    _set("cgvs_dossiernummer", ""),
    _set("identiteit.geboortedatum", "1990-02-30"),
    _set("procedure.type", "NIEUW"),
    _set("identiteit.geslacht", "Q"),
)
_REGISTER_FAULTS = (
    lambda row: row.update(RRN=_bad_number(row["RRN"])),
    _set("GEBOORTEDATUM", "19901301"),
    _set("NATIONALITEIT", "777"),
    _set("NAAM", ""),
)
