"""Printrak fingerprint-station transactions to and from the canonical model.

The Type-2 record is user-defined in ANSI/NIST-ITL; the fields below are the
gateway's documented choice (`mappings/printrak.md`):

    2.010 Immigration Office file number    2.020 sex: M, F, X (U read as X)
    2.011 national number (11 digits)       2.021 nationalities, ISO alpha-3, one a subfield
    2.018 name SURNAME,GIVEN                2.022 date of birth YYYYMMDD, 00 = unknown part
    2.019 original spelling US script       2.023 place of birth
    2.024 capture date YYYYMMDD             2.030 NFIQ 2 scores for Type-4: FGP US score

`read_printrak` gives a `CanonicalRecord` fragment (person, identifiers,
biometrics) for the merging step; `write_printrak` is its reverse, and
`biometric_set_to_transaction` writes the biometrics alone, the payload of
a Eurodac transaction.
"""

from __future__ import annotations

from collections.abc import Mapping

from gateway.ansi_nist.biometric_records import (
    biometric_records,
    face_from_type10,
    fingerprint_from_type4,
    fingerprint_from_type14,
    parse_date,
)
from gateway.ansi_nist.model import (
    FieldValue,
    FingerImageRecord,
    TextRecord,
    Transaction,
    field_path,
    single,
    small_number,
)
from gateway.ansi_nist.reader import DEFAULT_LIMITS, Limits, read_transaction
from gateway.ansi_nist.writer import write_transaction
from gateway.domain.application import Application, NationalIdentifiers
from gateway.domain.biometrics import BiometricSet
from gateway.domain.dates import PartialDate
from gateway.domain.frozen import frozen
from gateway.domain.person import Name, Person, Sex
from gateway.domain.record import CanonicalRecord
from gateway.errors import InputError

__all__ = [
    "Header",
    "biometric_set_to_transaction",
    "read_biometric_set",
    "read_printrak",
    "write_printrak",
]

REQUIRED = "GW-NIST-REQUIRED"
VALUE = "GW-NIST-VALUE"
DATE = "GW-NIST-DATE"
_VERSION = "0502"  # ANSI/NIST-ITL 1-2011 Update 2015
_SEX = {"M": Sex.MALE, "F": Sex.FEMALE, "X": Sex.UNSPECIFIED, "U": Sex.UNSPECIFIED}


@frozen
class Header:
    """What the Type-1 record says about the transaction itself."""

    tcn: str  # transaction control number, unique per sender
    ori: str  # originating agency: the capture station
    dai: str = "EUGW"  # destination agency: the gateway
    tot: str = "CAP"  # type of transaction: a capture


def read_printrak(data: bytes, limits: Limits = DEFAULT_LIMITS) -> CanonicalRecord:
    """The person, identifiers and biometrics of a Printrak transaction."""
    transaction = read_transaction(data, limits)
    found = transaction.text_records(2)
    if not found:
        raise InputError(REQUIRED, "a Printrak transaction has a Type-2 record", "record[1]")
    index, text = found[0]
    biometrics = _biometric_set(transaction, limits, text, index)
    identifiers = NationalIdentifiers(io_file_number=text.text(10), national_number=text.text(11))
    return CanonicalRecord(
        person=_person(text, index),
        application=Application(identifiers=identifiers),
        biometrics=biometrics,
    )


def read_biometric_set(data: bytes, limits: Limits = DEFAULT_LIMITS) -> BiometricSet:
    """The biometrics of any transaction (a Eurodac payload has no Printrak Type-2 fields)."""
    transaction = read_transaction(data, limits)
    found = transaction.text_records(2)
    index, text = found[0] if found else (0, None)
    return _biometric_set(transaction, limits, text, index)


def write_printrak(
    record: CanonicalRecord, header: Header, *, finger_record_type: int = 14
) -> bytes:
    """The Printrak transaction of a record that has biometrics."""
    biometrics = record.biometrics
    if biometrics is None:
        raise InputError(REQUIRED, "a Printrak transaction carries biometrics", "biometrics")
    fields = _person_fields(record)
    fields[24] = single(biometrics.captured_on.strftime("%Y%m%d"))
    return _write(header, biometrics, fields, finger_record_type)


def biometric_set_to_transaction(
    biometrics: BiometricSet,
    header: Header,
    *,
    finger_record_type: int = 14,
    text_fields: Mapping[int, FieldValue] | None = None,
) -> bytes:
    """The ANSI/NIST-ITL bytes that carry a biometric set inside a Eurodac message.

    `text_fields` go into the Type-2 record as they are (for instance the
    Eurodac reference number, in whatever field the interface prescribes).
    """
    return _write(header, biometrics, dict(text_fields or {}), finger_record_type)


def _write(
    header: Header,
    biometrics: BiometricSet,
    text_fields: dict[int, FieldValue],
    finger_record_type: int,
) -> bytes:
    if finger_record_type not in (4, 14):
        raise InputError(
            VALUE, "fingerprints go in Type-4 or Type-14 records", "finger_record_type"
        )
    if finger_record_type == 4 and biometrics.fingerprints:
        # Type-4 has no quality field: the scores travel in the Type-2 record.
        text_fields[30] = tuple(
            (str(int(f.position)), str(f.quality)) for f in biometrics.fingerprints
        )
    type2 = TextRecord(type=2, idc=0, fields=text_fields)
    records = [
        type2,
        *biometric_records(
            biometrics, first_idc=1, source=header.ori, finger_record_type=finger_record_type
        ),
    ]
    header_fields: dict[int, FieldValue] = {
        2: single(_VERSION),
        4: single(header.tot),
        5: single(biometrics.captured_on.strftime("%Y%m%d")),
        7: single(header.dai),
        8: single(header.ori),
        9: single(header.tcn),
        11: single("19.69"),
        12: single("19.69"),
    }
    if not all(item.isascii() for v in type2.fields.values() for sub in v for item in sub):
        header_fields[15] = (("003", "UTF-8"),)
    return write_transaction(
        Transaction(header=TextRecord(type=1, fields=header_fields), records=tuple(records))
    )


def _biometric_set(
    transaction: Transaction, limits: Limits, text: TextRecord | None, text_index: int
) -> BiometricSet:
    fingerprints = []
    qualities = _type4_qualities(text, text_index)
    for index, record in transaction.indexed():
        finger = None
        if isinstance(record, FingerImageRecord):
            quality_path = field_path(text_index, 2, 30)
            finger = fingerprint_from_type4(record, index, qualities, quality_path)
        elif record.type == 14:
            finger = fingerprint_from_type14(record, index, limits)
        if finger is not None:
            fingerprints.append(finger)
    faces = transaction.text_records(10)
    face = face_from_type10(faces[0][1], faces[0][0], limits) if faces else None
    captured = text.text(24) if text is not None else None
    if captured is not None:
        captured_on = parse_date(captured, field_path(text_index, 2, 24))
    else:
        captured_on = parse_date(transaction.header.text(5) or "", field_path(0, 1, 5))
    return BiometricSet(
        captured_on=captured_on,
        fingerprints=tuple(fingerprints),
        face=face,
        station=transaction.header.text(8),
    )


def _type4_qualities(text: TextRecord | None, index: int) -> dict[int, int]:
    if text is None:
        return {}
    qualities = {}
    for subfield in text.fields.get(30, ()):
        position = small_number(subfield[0], 10)
        score = small_number(subfield[1], 100) if len(subfield) == 2 else None
        if not position or score is None:
            raise InputError(
                VALUE,
                "2.030 subfields are <finger 1-10> US <score 0-100>",
                field_path(index, 2, 30),
            )
        qualities[position] = score
    return qualities


def _person(text: TextRecord, index: int) -> Person:
    raw_name = text.text(18)
    if raw_name is None:
        raise InputError(REQUIRED, "2.018 (name) is required", field_path(index, 2, 18))
    family, _, given = raw_name.partition(",")
    if not family.strip():
        raise InputError(VALUE, "2.018 (name) has no surname", field_path(index, 2, 18))
    original = text.fields.get(19)
    family_original = given_original = script = None
    if original:
        first, _, second = original[0][0].partition(",")
        family_original, given_original = first or None, second or None
        script = original[0][1] if len(original[0]) > 1 and original[0][1] else None
    sex_code = text.text(20) or "X"
    if sex_code not in _SEX:
        raise InputError(
            VALUE, f"sex {sex_code[:12]!r} is not M, F, X or U", field_path(index, 2, 20)
        )
    birth = text.text(22)
    return Person(
        name=Name(
            family=family.strip(),
            given=given.strip(),
            family_original=family_original,
            given_original=given_original,
            script=script,
        ),
        sex=_SEX[sex_code],
        birth_date=_partial_date(birth, field_path(index, 2, 22)) if birth else None,
        birth_place=text.text(23),
        nationalities=tuple(sub[0] for sub in text.fields.get(21, ()) if sub and sub[0]),
    )


def _partial_date(text: str, path: str) -> PartialDate:
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        raise InputError(DATE, f"{text[:12]!r} is not a date YYYYMMDD (00 for unknown)", path)
    try:
        return PartialDate.parse(f"{text[:4]}-{text[4:6]}-{text[6:]}")
    except ValueError as error:
        raise InputError(DATE, str(error), path) from None


def _person_fields(record: CanonicalRecord) -> dict[int, FieldValue]:
    person = record.person
    if "," in person.name.family or not person.name.family.strip():
        raise InputError(
            VALUE, "a surname for 2.018 is not empty and has no comma", "person.name.family"
        )
    fields: dict[int, FieldValue] = {18: single(f"{person.name.family},{person.name.given}")}
    if person.name.family_original or person.name.given_original:
        original = f"{person.name.family_original or ''},{person.name.given_original or ''}"
        fields[19] = ((original, person.name.script or ""),)
    fields[20] = single(person.sex.value)
    if person.nationalities:
        fields[21] = tuple((code,) for code in person.nationalities)
    if person.birth_date is not None:
        b = person.birth_date
        fields[22] = single(f"{b.year:04d}{b.month or 0:02d}{b.day or 0:02d}")
    if person.birth_place:
        fields[23] = single(person.birth_place)
    identifiers = record.application.identifiers if record.application else None
    if identifiers and identifiers.io_file_number:
        fields[10] = single(identifiers.io_file_number)
    if identifiers and identifiers.national_number:
        fields[11] = single(identifiers.national_number)
    return fields
