from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nist_samples import CAPTURED_ON, applicant, biometric_set, gray_png
from strategies import partial_dates

from gateway.ansi_nist import (
    FingerImageRecord,
    Header,
    TextRecord,
    Transaction,
    biometric_set_to_transaction,
    read_biometric_set,
    read_printrak,
    read_transaction,
    write_printrak,
    write_transaction,
)
from gateway.ansi_nist.images import GrayImage, decode_gray_png, image_size
from gateway.ansi_nist.model import FieldValue
from gateway.domain import FacialImage, Name, PartialDate
from gateway.errors import InputError

HEADER = Header(tcn="BE-2026-000001", ori="BEIO01")
ITEMS = st.text(
    st.characters(codec="utf-8", exclude_characters="\x1c\x1d\x1e\x1f", exclude_categories=["Cs"]),
    min_size=1,
    max_size=12,
)
FIELDS = st.dictionaries(
    st.integers(3, 998),
    st.lists(st.lists(ITEMS, min_size=1, max_size=3).map(tuple), min_size=1, max_size=3).map(tuple),
    max_size=6,
)


@pytest.mark.parametrize("finger_record_type", [14, 4])
def test_a_printrak_record_survives_a_round_trip(finger_record_type: int) -> None:
    record = applicant()
    data = write_printrak(record, HEADER, finger_record_type=finger_record_type)
    assert read_printrak(data) == record


def test_names_outside_latin_1_are_written_in_utf_8_and_read_back() -> None:
    record = applicant(family="ÇELİK", given="Ayşe")
    record = dataclasses.replace(
        record,
        person=dataclasses.replace(
            record.person,
            name=Name(
                family="CELIK",
                given="AYSE",
                family_original="ÇELİK",
                given_original="Ayşe",
                script="Latn",
            ),
        ),
    )
    data = write_printrak(record, HEADER)
    assert b"1.015:003\x1fUTF-8" in data
    assert read_printrak(data) == record


def test_unknown_parts_of_the_birth_date_are_written_as_00() -> None:
    record = applicant()
    record = dataclasses.replace(
        record, person=dataclasses.replace(record.person, birth_date=PartialDate(year=1988))
    )
    data = write_printrak(record, HEADER)
    assert b"2.022:19880000\x1d" in data
    assert read_printrak(data).person.birth_date == PartialDate(year=1988)


def test_the_eurodac_payload_carries_the_biometrics_alone() -> None:
    biometrics = biometric_set()
    data = biometric_set_to_transaction(biometrics, HEADER)
    transaction = read_transaction(data)
    assert [r.type for r in transaction.records] == [2] + [14] * 10 + [10]
    assert [r.idc for r in transaction.records] == list(range(12))
    assert transaction.header.text(9) == HEADER.tcn
    assert read_biometric_set(data) == biometrics


def test_an_uncompressed_type_4_image_is_read_as_a_png_of_the_same_pixels() -> None:
    pixels = bytes(range(200)) * 3
    type4 = FingerImageRecord(
        idc=1, impression=1, positions=(7,), width=30, height=20, compression=0, image=pixels
    )
    type2 = TextRecord(type=2, idc=0, fields={30: (("7", "88"),)})
    header = TextRecord(type=1, fields={2: (("0502",),), 5: (("20260701",),), 9: (("X",),)})
    data = write_transaction(Transaction(header=header, records=(type2, type4)))
    finger = read_biometric_set(data).fingerprints[0]
    assert (int(finger.position), int(finger.impression), finger.quality) == (7, 1, 88)
    assert finger.image_format == "PNG"
    assert decode_gray_png(finger.image) == GrayImage(width=30, height=20, pixels=pixels)


def test_len_counts_the_whole_record_including_its_own_digits() -> None:
    data = write_printrak(applicant(), HEADER)
    length = int(data[len(b"1.001:") : data.index(b"\x1d")])
    assert data[length - 1 : length] == b"\x1c"
    assert data[length:].startswith(b"2.001:")


@given(FIELDS, st.binary(max_size=50))
def test_any_text_fields_survive_a_round_trip(fields: dict[int, FieldValue], data: bytes) -> None:
    header = TextRecord(type=1, fields={2: (("0502",),), 15: (("003", "UTF-8"),)})
    type2 = TextRecord(type=2, idc=0, fields=fields)
    type10 = TextRecord(type=10, idc=1, fields=fields, data=data)
    transaction = Transaction(header=header, records=(type2, type10))
    back = read_transaction(write_transaction(transaction))
    assert back == transaction


def test_the_writer_refuses_a_separator_inside_a_value() -> None:
    record = applicant(given="AY\x1eSE")
    with pytest.raises(InputError) as caught:
        write_printrak(record, HEADER)
    assert (caught.value.code, caught.value.path) == ("GW-NIST-VALUE", "record[1].2.018")


def test_the_writer_refuses_an_image_whose_size_it_cannot_read() -> None:
    biometrics = biometric_set(face=False, fingers=1)
    finger = dataclasses.replace(biometrics.fingerprints[0], image=b"not a png")
    with pytest.raises(InputError) as caught:
        biometric_set_to_transaction(
            dataclasses.replace(biometrics, fingerprints=(finger,)), HEADER
        )
    assert (caught.value.code, caught.value.path) == (
        "GW-NIST-UNSUPPORTED",
        "biometrics.fingerprints[0].image",
    )


def test_image_sizes_come_from_the_headers() -> None:
    size = image_size(gray_png(33, 17), "PNG")
    assert (size.width, size.height, size.grayscale) == (33, 17, True)
    jpeg = b"\xff\xd8\xff\xe0\x00\x04ab\xff\xc0\x00\x11\x08\x00\x40\x00\x50\x03" + bytes(12)
    assert (image_size(jpeg, "JPEG").width, image_size(jpeg, "JPEG").height) == (80, 64)
    wsq = b"\xff\xa0\xff\xa8\x00\x02\xff\xa2\x00\x11\x00\xff\x01\x2c\x01\x90" + bytes(8)
    assert (image_size(wsq, "WSQ").width, image_size(wsq, "WSQ").height) == (400, 300)


def test_captured_on_falls_back_to_the_transaction_date() -> None:
    data = biometric_set_to_transaction(biometric_set(face=False, fingers=1), HEADER)
    assert read_biometric_set(data).captured_on == CAPTURED_ON


def test_the_eurodac_payload_can_carry_type_2_fields() -> None:
    data = biometric_set_to_transaction(
        biometric_set(face=False, fingers=2), HEADER, text_fields={5: (("BE1000000012345",),)}
    )
    type2 = read_transaction(data).records[0]
    assert isinstance(type2, TextRecord)
    assert type2.text(5) == "BE1000000012345"


@pytest.mark.parametrize("finger_record_type", [14, 4])
def test_wsq_fingerprints_and_jpeg_faces_pass_through_unchanged(finger_record_type: int) -> None:
    wsq = b"\xff\xa0\xff\xa8\x00\x02\xff\xa2\x00\x11\x00\xff\x01\x2c\x01\x90" + bytes(range(40))
    jpeg = b"\xff\xd8\xff\xc0\x00\x11\x08\x00\x40\x00\x30\x03" + bytes(range(30)) + b"\xff\xd9"
    biometrics = biometric_set(face=True, fingers=2)
    fingers = tuple(
        dataclasses.replace(f, image=wsq, image_format="WSQ") for f in biometrics.fingerprints
    )
    biometrics = dataclasses.replace(
        biometrics, fingerprints=fingers, face=FacialImage(image=jpeg, image_format="JPEG")
    )
    data = biometric_set_to_transaction(biometrics, HEADER, finger_record_type=finger_record_type)
    assert read_biometric_set(data) == biometrics
    assert b"YCC" in data


NAMES = st.text(
    st.characters(exclude_characters="\x1c\x1d\x1e\x1f,", exclude_categories=["Cs", "Cc"]),
    min_size=1,
    max_size=20,
).filter(lambda text: text.strip() == text and text != "")


@given(
    family=NAMES,
    given_name=NAMES,
    birth=partial_dates(),
    nationalities=st.lists(st.sampled_from(["BEL", "SYR", "AFG", "ERI", "UKR"]), max_size=3),
    finger_record_type=st.sampled_from([4, 14]),
)
def test_any_person_survives_a_printrak_round_trip(
    family: str,
    given_name: str,
    birth: PartialDate,
    nationalities: list[str],
    finger_record_type: int,
) -> None:
    base = applicant()
    person = dataclasses.replace(
        base.person,
        name=Name(family=family, given=given_name),
        birth_date=birth,
        nationalities=tuple(nationalities),
    )
    record = dataclasses.replace(base, person=person)
    data = write_printrak(record, HEADER, finger_record_type=finger_record_type)
    assert read_printrak(data) == record


def test_slap_records_are_read_but_not_mapped() -> None:
    transaction = read_transaction(write_printrak(applicant(), HEADER))
    finger = transaction.records[1]
    assert isinstance(finger, TextRecord)
    slap = dataclasses.replace(finger, idc=12, fields={**finger.fields, 13: (("13",),)})
    with_slap = dataclasses.replace(transaction, records=(*transaction.records, slap))
    assert len(read_transaction(write_transaction(with_slap)).records) == 13
    assert read_printrak(write_transaction(with_slap)) == applicant()
