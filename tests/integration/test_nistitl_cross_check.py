"""The gateway's ANSI/NIST-ITL reader and writer against an independent one (nistitl)."""

from __future__ import annotations

import struct
from datetime import date
from pathlib import Path

import nistitl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nist_samples import applicant, gray_png

from gateway.ansi_nist import (
    Header,
    TextRecord,
    Transaction,
    read_printrak,
    read_transaction,
    write_printrak,
    write_transaction,
)
from gateway.ansi_nist.images import GrayImage, decode_gray_png
from gateway.domain import ImpressionType, PartialDate, Sex

SAMPLES = Path(__file__).resolve().parents[2] / "mappings" / "samples" / "printrak"
HEADER = Header(tcn="BE-2026-000042", ori="BEIO07")
FINGER_PNG = {position: gray_png(16, 20, seed=position) for position in (1, 2, 6)}
RAW_PIXELS = bytes(range(256)) * 2  # a 32 x 16 uncompressed Type-4 image
FACE_PNG = gray_png(24, 32, seed=77)


def _nistitl_message() -> nistitl.Message:
    """A Printrak-style transaction built with nistitl only."""
    message = nistitl.Message()
    message.TOT = "CAP"
    message[0].DAT = "20260702"
    message[0].ORI = "BEIO07"
    message[0].TCN = "NISTITL-1"
    type2 = nistitl.AsciiRecord(2)
    type2.IDC = 0
    type2._10 = "1234567"
    type2._11 = "85073003328"
    type2._18 = "EL-AMIN,OMAR"
    type2._20 = "M"
    type2._21 = ["SDN", "EGY"]
    type2._22 = "19850700"
    type2._24 = "20260702"
    type2._30 = [["7", "64"]]
    message += type2
    for idc, (position, image) in enumerate(FINGER_PNG.items(), start=1):
        finger = nistitl.AsciiRecord(14)
        finger.IDC = idc
        fields = {
            3: "1", 4: "BEIO07", 5: "20260702", 6: "16", 7: "20", 8: "1", 9: "500", 10: "500",
            11: "PNG", 12: "8", 13: str(position),
            24: [[str(position), str(50 + position), "000F", "377"]],
        }  # fmt: skip
        for number, value in fields.items():
            setattr(finger, f"_{number}", value)
        finger.DATA = image
        message += finger
    type4 = nistitl.BinaryRecord(4)
    type4.IDC = 4
    type4.value = struct.pack(">B6BBHHB", 0, 7, 255, 255, 255, 255, 255, 0, 32, 16, 0) + RAW_PIXELS
    message += type4
    face = nistitl.AsciiRecord(10)
    face.IDC = 5
    face_fields = {
        3: "FACE", 4: "BEIO07", 5: "20260702", 6: "24", 7: "32", 8: "0", 9: "1", 10: "1",
        11: "PNG", 12: "GRAY",
    }  # fmt: skip
    for number, value in face_fields.items():
        setattr(face, f"_{number}", value)
    face.DATA = FACE_PNG
    message += face
    return message


def test_a_file_written_by_nistitl_is_read_by_the_gateway() -> None:
    record = read_printrak(_nistitl_message().NIST)
    person = record.person
    assert (person.name.family, person.name.given) == ("EL-AMIN", "OMAR")
    assert person.sex is Sex.MALE
    assert person.nationalities == ("SDN", "EGY")
    assert person.birth_date == PartialDate(year=1985, month=7)
    assert record.application is not None
    identifiers = record.application.identifiers
    assert (identifiers.io_file_number, identifiers.national_number) == (
        "1234567",
        "85073003328",
    )
    biometrics = record.biometrics
    assert biometrics is not None
    assert biometrics.captured_on == date(2026, 7, 2)
    assert biometrics.station == "BEIO07"
    fingers = {int(f.position): f for f in biometrics.fingerprints}
    assert sorted(fingers) == [1, 2, 6, 7]
    for position, image in FINGER_PNG.items():
        assert fingers[position].image == image
        assert fingers[position].quality == 50 + position
        assert fingers[position].impression is ImpressionType.LIVE_SCAN_ROLLED
    assert fingers[7].quality == 64
    assert decode_gray_png(fingers[7].image) == GrayImage(width=32, height=16, pixels=RAW_PIXELS)
    assert biometrics.face is not None
    assert biometrics.face.image == FACE_PNG


def test_the_gateway_reads_back_nistitl_type_1_fields() -> None:
    header = read_transaction(_nistitl_message().NIST).header
    assert (header.text(4), header.text(5), header.text(9)) == ("CAP", "20260702", "NISTITL-1")


@pytest.mark.parametrize("finger_record_type", [14, 4])
def test_a_file_written_by_the_gateway_is_read_by_nistitl(finger_record_type: int) -> None:
    record = applicant()
    data = write_printrak(record, HEADER, finger_record_type=finger_record_type)
    message = nistitl.Message()
    message.parse(data)
    type1 = message[0]
    written = (type1.TOT, type1.TCN, type1.ORI, type1.VER)
    assert written == ("CAP", HEADER.tcn, HEADER.ori, "0502")
    type2 = message[(2, 0)]
    assert type2._18 == "CELIK,AYSE"
    assert type2._21 == ["TUR", "SYR"]
    assert type2._22 == "19900500"
    assert type2._10 == "9876543"
    assert record.biometrics is not None
    fingers = record.biometrics.fingerprints
    face = record.biometrics.face
    assert face is not None
    for idc, finger in enumerate(fingers, start=1):
        theirs = message[(finger_record_type, idc)]
        if finger_record_type == 14:
            assert theirs._13 == str(int(finger.position))
            assert theirs._3 == str(int(finger.impression))
            assert theirs._24 == [[str(int(finger.position)), str(finger.quality), "000F", "377"]]
            assert theirs._11 == "PNG"
            image = theirs.DATA
            assert image == finger.image
        else:
            assert theirs.value[1] == int(finger.position)
            assert theirs.value[0] == int(finger.impression)
            assert theirs.value[12] == 6  # PNG
            assert theirs.value[13:] == finger.image
    theirs_face = message[(10, len(fingers) + 1)]
    face_values = (theirs_face.IMT, theirs_face.CGA, theirs_face.DATA)
    assert face_values == ("FACE", "PNG", face.image)


def test_nistitl_and_the_gateway_agree_on_every_text_field() -> None:
    data = write_printrak(applicant(), HEADER)
    ours = read_transaction(data)
    message = nistitl.Message()
    message.parse(data)
    for ours_record, theirs_record in zip(ours.records, list(message)[1:], strict=True):
        assert isinstance(ours_record, TextRecord)
        for number, value in ours_record.fields.items():
            theirs = getattr(theirs_record, f"_{number}")
            flat = value[0][0] if len(value) == 1 and len(value[0]) == 1 else None
            expected = (
                flat if flat is not None else [list(s) if len(s) > 1 else s[0] for s in value]
            )
            assert theirs == expected, (ours_record.type, number)


@pytest.mark.parametrize(
    "name", ["applicant-2024-type14.eft", "applicant-2013-type4.an2", "eurodac-payload-2024.an2"]
)
def test_nistitl_reads_each_sample_file(name: str) -> None:
    data = (SAMPLES / name).read_bytes()
    message = nistitl.Message()
    message.parse(data)
    ours = read_transaction(data)
    theirs = [(record.type, int(record.IDC)) for record in list(message)[1:]]
    assert theirs == [(record.type, record.idc) for record in ours.records]


LATIN_1_ITEMS = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    min_size=1,
    max_size=10,
)
TEXT_FIELDS = st.dictionaries(
    st.integers(3, 998),
    st.lists(st.lists(LATIN_1_ITEMS, min_size=1, max_size=3), min_size=1, max_size=3),
    min_size=1,
    max_size=5,
)


def _nistitl_value(value: list[list[str]]) -> str | list[str | list[str]]:
    """How nistitl presents a field: a string, or a list of subfields (strings or item lists)."""
    if len(value) == 1 and len(value[0]) == 1:
        return value[0][0]
    return [items if len(items) > 1 else items[0] for items in value]


@settings(max_examples=50)
@given(TEXT_FIELDS)
def test_any_type_2_fields_written_by_the_gateway_read_the_same_in_nistitl(
    fields: dict[int, list[list[str]]],
) -> None:
    type2 = TextRecord(
        type=2, idc=0, fields={k: tuple(tuple(sub) for sub in v) for k, v in fields.items()}
    )
    header = TextRecord(type=1, fields={2: (("0502",),), 4: (("CAP",),), 9: (("T",),)})
    message = nistitl.Message()
    message.parse(write_transaction(Transaction(header=header, records=(type2,))))
    theirs = message[(2, 0)]
    for number, value in fields.items():
        assert getattr(theirs, f"_{number}") == _nistitl_value(value)


@settings(max_examples=50)
@given(TEXT_FIELDS)
def test_any_type_2_fields_written_by_nistitl_read_the_same_in_the_gateway(
    fields: dict[int, list[list[str]]],
) -> None:
    message = nistitl.Message()
    message.TOT = "CAP"
    type2 = nistitl.AsciiRecord(2)
    type2.IDC = 0
    for number, value in fields.items():
        setattr(type2, f"_{number}", _nistitl_value(value))
    message += type2
    ours = read_transaction(message.NIST).records[0]
    assert isinstance(ours, TextRecord)
    assert ours.fields == {k: tuple(tuple(sub) for sub in v) for k, v in fields.items()}
