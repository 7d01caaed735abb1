from __future__ import annotations

from pathlib import Path

import pytest

from gateway.ansi_nist import read_biometric_set, read_printrak, read_transaction
from gateway.domain import PartialDate
from gateway.synthetic import compare, templates_of
from gateway.synthetic.printrak_samples import sample_files

SAMPLES = Path(__file__).resolve().parents[2] / "mappings" / "samples" / "printrak"
GENERATED = sample_files()


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_each_sample_file_is_what_the_writer_makes(name: str) -> None:
    on_disk = (SAMPLES / name).read_bytes()
    assert read_transaction(on_disk) == read_transaction(GENERATED[name])


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
