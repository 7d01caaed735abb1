"""An ANSI/NIST-ITL transaction as records of fields, independent of any source.

Traditional encoding in brief: a transaction is a Type-1 header record
followed by the records its CNT field (1.003) lists. Tagged records are
fields `T.NNN:value` separated by GS, the record closed by FS; a field holds
subfields separated by RS, a subfield items separated by US. The first field
is the record's length in bytes (LEN), the second, except in Type-1, its
IDC. The binary data field (999) comes last and holds raw bytes. Type-4
records are binary with a fixed 18-byte header.

Here a text field is a tuple of subfields, a subfield a tuple of items, all
`str`; LEN, IDC and CNT are not kept: the writer computes them and the
reader checks them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field

from gateway.domain.frozen import frozen

__all__ = [
    "DATA_FIELD",
    "FS",
    "GS",
    "RS",
    "US",
    "FieldValue",
    "FingerImageRecord",
    "Record",
    "TextRecord",
    "Transaction",
    "field_path",
    "single",
    "small_number",
]

FS, GS, RS, US = b"\x1c", b"\x1d", b"\x1e", b"\x1f"
DATA_FIELD = 999

FieldValue = tuple[tuple[str, ...], ...]


def single(value: str) -> FieldValue:
    """A field of one subfield of one item."""
    return ((value,),)


def small_number(text: str, upper: int) -> int | None:
    """The value of a short string of ASCII digits when it is at most `upper`, else None."""
    if not 0 < len(text) <= 9 or not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if number <= upper else None


def field_path(index: int, record_type: int, field_number: int | None = None) -> str:
    """`record[3].14.013`: the record's place in the file, then the field's tag."""
    where = f"record[{index}]"
    if field_number is None:
        return where
    return f"{where}.{record_type}.{field_number:03d}"


@frozen
class TextRecord:
    """A tagged record (Type-1, 2, 9, 10, 13, 14, ...): numbered text fields, maybe binary data."""

    type: int
    idc: int = 0
    fields: Mapping[int, FieldValue] = field(default_factory=dict)
    data: bytes | None = None

    def text(self, number: int) -> str | None:
        """The field's value when it has one subfield of one item (most fields)."""
        value = self.fields.get(number)
        if not value or not value[0]:
            return None
        return value[0][0]


@frozen
class FingerImageRecord:
    """A Type-4 record: a high-resolution grayscale fingerprint behind a fixed binary header.

    `positions` holds up to six finger positions (255 = unused);
    `scanning_resolution` 0 is the minimum scanning resolution (1.011),
    1 the native one (1.012); `compression` is a code of ANSI/NIST-ITL
    Table 15 (0 none, 1 WSQ, 2 JPEG, 3 JPEG lossless, 4 JPEG 2000,
    5 JPEG 2000 lossless, 6 PNG).
    """

    idc: int
    impression: int
    positions: tuple[int, ...]
    scanning_resolution: int = 0
    width: int
    height: int
    compression: int
    image: bytes
    type: int = 4


Record = TextRecord | FingerImageRecord


@frozen
class Transaction:
    """The Type-1 header (without LEN and CNT) and the records that follow it, in order."""

    header: TextRecord
    records: tuple[Record, ...] = ()

    def indexed(self) -> list[tuple[int, Record]]:
        """The records with their index in the file (the header is record[0])."""
        return list(enumerate(self.records, start=1))

    def text_records(self, record_type: int) -> list[tuple[int, TextRecord]]:
        """The tagged records of one type with their index in the file."""
        return [
            (i, r) for i, r in self.indexed() if isinstance(r, TextRecord) and r.type == record_type
        ]
