"""Every malformed ANSI/NIST-ITL input is an InputError with its GW-NIST-* code and path."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nist_samples import applicant

from gateway.ansi_nist import (
    FingerImageRecord,
    Header,
    Limits,
    TextRecord,
    Transaction,
    read_printrak,
    read_transaction,
    write_printrak,
    write_transaction,
)
from gateway.ansi_nist.model import FieldValue
from gateway.errors import InputError

GOOD = write_printrak(applicant(), Header(tcn="T1", ori="BEIO01"))
GOOD_TYPE4 = write_printrak(applicant(), Header(tcn="T1", ori="BEIO01"), finger_record_type=4)


def _transaction() -> Transaction:
    return read_transaction(GOOD)


def _with_field(index: int, number: int, value: FieldValue | None) -> bytes:
    """GOOD with one field of record[index] set (or removed when value is None)."""
    transaction = _transaction()
    records = list(transaction.records)
    record = records[index - 1]
    assert isinstance(record, TextRecord)
    fields = {k: v for k, v in record.fields.items() if k != number}
    if value is not None:
        fields[number] = value
    records[index - 1] = dataclasses.replace(record, fields=fields)
    return write_transaction(dataclasses.replace(transaction, records=tuple(records)))


def _with_header(number: int, value: FieldValue | None) -> bytes:
    transaction = _transaction()
    fields = {k: v for k, v in transaction.header.fields.items() if k != number}
    if value is not None:
        fields[number] = value
    header = dataclasses.replace(transaction.header, fields=fields)
    return write_transaction(dataclasses.replace(transaction, header=header))


def _patch_header(old: bytes, new: bytes) -> bytes:
    """GOOD with `old` replaced by `new` in the Type-1 record, its LEN made right again."""
    end = GOOD.index(b"\x1c") + 1
    content = GOOD[:end].replace(old, new, 1)
    content = content[content.index(b"\x1d") :]
    length = len(b"1.001:") + 3 + len(content)
    assert len(str(length)) == 3
    return b"1.001:" + str(length).encode() + content + GOOD[end:]


HEADER_LENGTH = GOOD.index(b"\x1c") + 1
CNT = GOOD[GOOD.index(b"1.003:") : GOOD.index(b"\x1d1.004:")]
TYPE2_START = HEADER_LENGTH


def _type2_length() -> int:
    start = GOOD.index(b"\x1c") + 1
    return start + int(GOOD[start + 6 : GOOD.index(b"\x1d", start)])


def _type4_with(**changes: int | bytes) -> bytes:
    transaction = read_transaction(GOOD_TYPE4)
    records = list(transaction.records)
    record = records[1]
    assert isinstance(record, FingerImageRecord)
    records[1] = dataclasses.replace(record, **changes)  # type: ignore[arg-type]
    return write_transaction(dataclasses.replace(transaction, records=tuple(records)))


def _type4_without_pixels() -> bytes:
    start = GOOD_TYPE4.index(b"\x1c", GOOD_TYPE4.index(b"2.001:")) + 1
    return GOOD_TYPE4[: start + 13] + b"\x00\x00" + GOOD_TYPE4[start + 15 :]


TRANSACTION_CASES: dict[str, tuple[Callable[[], bytes], str, str]] = {
    "empty": (lambda: b"", "GW-NIST-TAG", "record[0]"),
    "not a type-1 first": (lambda: GOOD[GOOD.index(b"\x1c") + 1 :], "GW-NIST-TAG", "record[0]"),
    "record of another type than cnt lists": (
        lambda: _patch_header(b"\x1e2\x1f0", b"\x1e9\x1f0"),
        "GW-NIST-CNT",
        "record[1]",
    ),
    "len not a number": (
        lambda: b"1.001:12x" + GOOD[GOOD.index(b"\x1d") :],
        "GW-NIST-LEN",
        "record[0].1.001",
    ),
    "len past the end": (lambda: GOOD[:100], "GW-NIST-TRUNCATED", "record[0].1.001"),
    "len misses the FS": (
        lambda: f"1.001:{HEADER_LENGTH - 1}".encode() + GOOD[GOOD.index(b"\x1d") :],
        "GW-NIST-SEPARATOR",
        "record[0].1.001",
    ),
    "cnt missing": (lambda: _patch_header(CNT, b"1.016:X"), "GW-NIST-CNT", "record[0].1.003"),
    "cnt announces too many": (
        lambda: _patch_header(b"1.003:1\x1f12", b"1.003:1\x1f13"),
        "GW-NIST-CNT",
        "record[0].1.003",
    ),
    "cnt entry not a pair": (
        lambda: _patch_header(b"\x1e2\x1f0", b"\x1e2"),
        "GW-NIST-CNT",
        "record[0].1.003",
    ),
    "record missing at the end": (
        lambda: GOOD[: _type2_length()],
        "GW-NIST-TRUNCATED",
        "record[2]",
    ),
    "bytes after the last record": (lambda: GOOD + b"x", "GW-NIST-TRAILING", "record[13]"),
    "tag of another record type": (
        lambda: GOOD.replace(b"\x1d2.010:", b"\x1d3.010:", 1),
        "GW-NIST-TAG",
        f"record[1].byte[{GOOD.index(b'2.010:') - TYPE2_START}]",
    ),
    "field twice": (
        lambda: GOOD.replace(b"\x1d2.011:", b"\x1d2.010:", 1),
        "GW-NIST-DUPLICATE-FIELD",
        "record[1].2.010",
    ),
    "idc differs from cnt": (
        lambda: GOOD.replace(b"2.002:00", b"2.002:07", 1),
        "GW-NIST-IDC",
        "record[1].2.002",
    ),
    "idc not a number": (
        lambda: GOOD.replace(b"2.002:00", b"2.002:0x", 1),
        "GW-NIST-IDC",
        "record[1].2.002",
    ),
    "binary type-3": (
        lambda: _patch_header(b"\x1e14\x1f1\x1e", b"\x1e3\x1f1\x1e"),
        "GW-NIST-RECORD-TYPE",
        "record[2]",
    ),
    "empty field before FS": (
        lambda: _patch_header(b"19.69\x1c", b"19.69\x1d\x1c"),
        "GW-NIST-SEPARATOR",
        "record[0].1.012",
    ),
    "invalid utf-8 under DCS 003": (
        lambda: _with_header(15, (("003", "UTF-8"),)).replace(b"CELIK", b"C\xffLIK", 1),
        "GW-NIST-ENCODING",
        "record[1].2.018",
    ),
    "type-4 raw image of the wrong size": (
        lambda: _type4_with(compression=0, width=3, height=3),
        "GW-NIST-IMAGE",
        "record[2].4.009",
    ),
    "type-4 without pixels": (
        _type4_without_pixels,
        "GW-NIST-IMAGE",
        "record[2].4.006",
    ),
    "no type-2": (
        lambda: write_transaction(dataclasses.replace(_transaction(), records=())),
        "GW-NIST-REQUIRED",
        "record[1]",
    ),
}


# (record index, field number, the field's new value or None to remove it), code, path
PRINTRAK_CASES: dict[str, tuple[tuple[int, int, FieldValue | None], str, str]] = {
    "no name": ((1, 18, None), "GW-NIST-REQUIRED", "record[1].2.018"),
    "no surname": ((1, 18, (("",),)), "GW-NIST-VALUE", "record[1].2.018"),
    "sex unknown code": ((1, 20, (("Q",),)), "GW-NIST-VALUE", "record[1].2.020"),
    "birth date not a date": ((1, 22, (("1990-5",),)), "GW-NIST-DATE", "record[1].2.022"),
    "birth day without month": ((1, 22, (("19900015",),)), "GW-NIST-DATE", "record[1].2.022"),
    "capture date 31 June": ((1, 24, (("20260631",),)), "GW-NIST-DATE", "record[1].2.024"),
    "finger position unknown (0)": ((3, 13, (("0",),)), "GW-NIST-VALUE", "record[3].14.013"),
    "finger position missing": ((3, 13, None), "GW-NIST-REQUIRED", "record[3].14.013"),
    "impression latent": ((2, 3, (("4",),)), "GW-NIST-VALUE", "record[2].14.003"),
    "no quality": ((2, 24, None), "GW-NIST-REQUIRED", "record[2].14.024"),
    "quality 101": ((2, 24, (("1", "101", "000F", "377"),)), "GW-NIST-VALUE", "record[2].14.024"),
    "compression unknown": ((2, 11, (("GIF",),)), "GW-NIST-VALUE", "record[2].14.011"),
    "raw image of the wrong size": ((2, 11, (("NONE",),)), "GW-NIST-IMAGE", "record[2].14.999"),
    "png of another size than HLL": ((2, 6, (("9",),)), "GW-NIST-IMAGE", "record[2].14.999"),
    "no VLL": ((2, 7, None), "GW-NIST-REQUIRED", "record[2].14.007"),
    "face VLL not a number": ((12, 7, (("tall",),)), "GW-NIST-VALUE", "record[12].10.007"),
    "face record of another kind": ((12, 3, (("SMT",),)), "GW-NIST-VALUE", "record[12].10.003"),
}


def _refusal(data: bytes) -> tuple[str, str]:
    """The code and path of the InputError that reading `data` as Printrak raises."""
    with pytest.raises(InputError) as caught:
        read_printrak(data)
    return caught.value.code, caught.value.path


@pytest.mark.parametrize(
    ("make", "code", "path"), TRANSACTION_CASES.values(), ids=TRANSACTION_CASES
)
def test_a_malformed_transaction_is_refused_with_its_code_and_path(
    make: Callable[[], bytes], code: str, path: str
) -> None:
    assert _refusal(make()) == (code, path)


@pytest.mark.parametrize(("edit", "code", "path"), PRINTRAK_CASES.values(), ids=PRINTRAK_CASES)
def test_a_bad_printrak_value_is_refused_with_its_code_and_path(
    edit: tuple[int, int, FieldValue | None], code: str, path: str
) -> None:
    assert _refusal(_with_field(*edit)) == (code, path)


def test_a_file_over_the_size_limit_is_not_read() -> None:
    with pytest.raises(InputError) as caught:
        read_transaction(GOOD, Limits(max_bytes=len(GOOD) - 1))
    assert caught.value.code == "GW-NIST-TOO-LARGE"


def test_too_many_records_are_not_read() -> None:
    with pytest.raises(InputError) as caught:
        read_transaction(GOOD, Limits(max_records=5))
    assert (caught.value.code, caught.value.path) == ("GW-NIST-TOO-LARGE", "record[0].1.003")


def test_a_type_4_quality_comes_from_2_030() -> None:
    transaction = read_transaction(GOOD_TYPE4)
    type2 = transaction.records[0]
    assert isinstance(type2, TextRecord)
    fields = {k: v for k, v in type2.fields.items() if k != 30}
    bad = write_transaction(
        dataclasses.replace(
            transaction,
            records=(dataclasses.replace(type2, fields=fields), *transaction.records[1:]),
        )
    )
    assert _refusal(bad) == ("GW-NIST-REQUIRED", "record[1].2.030")


def _mutations() -> st.SearchStrategy[bytes]:
    """Valid files with a few bytes changed, cut or inserted: closer to real damage."""

    def mutate(data: bytes, edits: list[tuple[int, int, int]]) -> bytes:
        out = bytearray(data)
        for kind, where, byte in edits:
            at = where % (len(out) + 1)
            if kind == 0 and at < len(out):
                out[at] = byte
            elif kind == 1:
                out.insert(at, byte)
            else:
                del out[at:]
        return bytes(out)

    edit = st.tuples(st.integers(0, 2), st.integers(0, 10**6), st.integers(0, 255))
    return st.builds(
        mutate, st.sampled_from([GOOD, GOOD_TYPE4]), st.lists(edit, min_size=1, max_size=4)
    )


@given(st.one_of(st.binary(max_size=400), _mutations()))
def test_the_reader_raises_nothing_but_input_errors(data: bytes) -> None:
    try:
        read_printrak(data)
    except InputError as error:
        code = error.code
    else:
        code = "GW-NIST-none: the data happened to be valid"
    assert code.startswith("GW-NIST-")
