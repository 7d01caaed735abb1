from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from gateway.ansi_nist import (
    FingerImageRecord,
    Record,
    Transaction,
    read_biometric_set,
    read_printrak,
    read_transaction,
    write_transaction,
)
from gateway.domain import PartialDate
from gateway.synthetic.biometrics import PersonTemplates, compare, templates_of
from gateway.synthetic.exports.printrak_samples import sample_files

SAMPLES = Path(__file__).resolve().parents[2] / "mappings" / "samples" / "printrak"
GENERATED = sample_files()


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_each_sample_file_is_what_the_writer_makes(name: str) -> None:
    """Text exactly; images by their templates, as the last bit of a float may vary by CPU."""
    on_disk = read_transaction((SAMPLES / name).read_bytes())
    made = read_transaction(GENERATED[name])
    assert on_disk.header == made.header
    assert len(on_disk.records) == len(made.records)
    for ours, theirs in zip(on_disk.records, made.records, strict=True):
        assert _without_image(ours) == _without_image(theirs)
    assert compare(_templates(on_disk), _templates(made)).score > 0.99


def _without_image(record: Record) -> Record:
    if isinstance(record, FingerImageRecord):
        return dataclasses.replace(record, image=b"")
    return dataclasses.replace(record, data=None)


def _templates(transaction: Transaction) -> PersonTemplates:
    return templates_of(read_biometric_set(write_transaction(transaction)))


def test_the_type_14_sample_maps_to_the_canonical_model() -> None:
    record = read_printrak((SAMPLES / "applicant-2024-type14.eft").read_bytes())
    name = record.person.name
    assert (name.family, name.given, name.script) == ("AL-HASSAN", "OMAR", "Arab")
    assert name.family_original == "الحسن"
    assert record.person.birth_date == PartialDate(year=1994, month=3, day=17)
    assert record.biometrics is not None
    assert len(record.biometrics.fingerprints) == 10
    assert record.biometrics.face is not None


def test_the_type_4_sample_has_no_face_and_a_year_of_birth() -> None:
    record = read_printrak((SAMPLES / "applicant-2013-type4.an2").read_bytes())
    assert record.person.birth_date == PartialDate(year=1979)
    assert record.biometrics is not None
    assert record.biometrics.face is None
    assert sorted(int(f.position) for f in record.biometrics.fingerprints) == list(range(1, 11))


def test_the_eurodac_payload_is_the_same_person_as_the_type_14_capture() -> None:
    payload = read_biometric_set((SAMPLES / "eurodac-payload-2024.an2").read_bytes())
    station = read_printrak((SAMPLES / "applicant-2024-type14.eft").read_bytes()).biometrics
    other = read_printrak((SAMPLES / "applicant-2013-type4.an2").read_bytes()).biometrics
    assert station is not None
    assert other is not None
    assert compare(templates_of(payload), templates_of(station)).matched
    assert not compare(templates_of(payload), templates_of(other)).matched
