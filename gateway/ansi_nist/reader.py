"""Read an ANSI/NIST-ITL transaction (traditional encoding) from bytes, defensively.

The bytes come from outside: every length is checked against what is left,
every tag against the record it is in, the CNT list against the records
found, and the whole against `Limits`. Anything malformed raises an
`InputError` with a GW-NIST-* code and the path of the record and field
(`record[3].14.013`; the Type-1 header is `record[0]`); nothing else
escapes.
"""

from __future__ import annotations

import re

from gateway.ansi_nist.model import (
    DATA_FIELD,
    FS,
    GS,
    RS,
    US,
    FieldValue,
    FingerImageRecord,
    Record,
    TextRecord,
    Transaction,
    field_path,
)
from gateway.domain.frozen import frozen
from gateway.errors import InputError

__all__ = ["DEFAULT_LIMITS", "Limits", "read_transaction"]

_TAG = re.compile(rb"(\d{1,2})\.(\d{1,9}):")
_DIGITS = re.compile(r"[0-9]{1,10}")
# Record types 3, 5, 6, 7 and 8 are binary too; Type-4 is the one still in use.
_BINARY_TYPES = frozenset({3, 4, 5, 6, 7, 8})
_TYPE4_HEADER = 18
_LEN_DIGITS = 10

TOO_LARGE = "GW-NIST-TOO-LARGE"
TRUNCATED = "GW-NIST-TRUNCATED"
TAG = "GW-NIST-TAG"
LENGTH = "GW-NIST-LEN"
SEPARATOR = "GW-NIST-SEPARATOR"
DUPLICATE = "GW-NIST-DUPLICATE-FIELD"
CONTENT = "GW-NIST-CNT"
IDC = "GW-NIST-IDC"
RECORD_TYPE = "GW-NIST-RECORD-TYPE"
ENCODING = "GW-NIST-ENCODING"
TRAILING = "GW-NIST-TRAILING"
IMAGE = "GW-NIST-IMAGE"


@frozen
class Limits:
    """Ceilings that keep a hostile file from costing more than a real one."""

    max_bytes: int = 64 * 1024 * 1024
    max_records: int = 64
    max_fields: int = 500
    max_subfields: int = 1000
    max_image_pixels: int = 16_000_000


DEFAULT_LIMITS = Limits()


def read_transaction(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Transaction:
    """The transaction in `data`; raises `InputError` (GW-NIST-*) on anything malformed."""
    if len(data) > limits.max_bytes:
        raise InputError(
            TOO_LARGE, f"the file has {len(data)} bytes; at most {limits.max_bytes} are read"
        )
    reader = _Reader(data, limits)
    header, offset = reader.text_record(0, 0, expected_type=1, encoding="latin-1")
    listed = _content_list(header, limits)
    encoding = _encoding(header)
    records: list[Record] = []
    for index, (record_type, idc) in enumerate(listed, start=1):
        if offset >= len(data):
            raise InputError(
                TRUNCATED,
                f"the file ends before the Type-{record_type} record that 1.003 (CNT) lists",
                field_path(index, record_type),
            )
        record: Record
        if record_type == 4:
            record, offset = reader.type4_record(index, offset)
        elif record_type in _BINARY_TYPES:
            raise InputError(
                RECORD_TYPE,
                f"binary Type-{record_type} records are not supported (only Type-4)",
                field_path(index, record_type),
            )
        else:
            record, offset = reader.text_record(index, offset, record_type, encoding)
        if record.idc != idc:
            raise InputError(
                IDC,
                f"the record's IDC {record.idc} is not the {idc} that 1.003 (CNT) lists",
                field_path(index, record_type, 2),
            )
        records.append(record)
    if offset != len(data):
        raise InputError(
            TRAILING,
            f"{len(data) - offset} bytes follow the last record that 1.003 (CNT) lists",
            field_path(len(listed) + 1, 0),
        )
    fields = {k: v for k, v in header.fields.items() if k != 3}
    return Transaction(header=TextRecord(type=1, fields=fields), records=tuple(records))


class _Reader:
    def __init__(self, data: bytes, limits: Limits) -> None:
        self.data = data
        self.limits = limits

    def text_record(
        self, index: int, offset: int, expected_type: int, encoding: str
    ) -> tuple[TextRecord, int]:
        data = self.data
        first = _TAG.match(data, offset)
        if first is None:
            raise InputError(
                TAG,
                f"a Type-{expected_type} record must start with its tag {expected_type}.001:",
                field_path(index, expected_type),
            )
        tag_type, tag_field = int(first.group(1)), int(first.group(2))
        if tag_type != expected_type or tag_field != 1:
            # Records after the header have the type CNT lists; the header must be Type-1.
            wrong_type = CONTENT if index else TAG
            raise InputError(
                wrong_type if tag_type != expected_type else LENGTH,
                f"expected {expected_type}.001 (LEN) here, found {tag_type}.{tag_field:03d}",
                field_path(index, expected_type),
            )
        length = self._length(index, expected_type, first.end())
        end = offset + length
        if end > len(data):
            raise InputError(
                TRUNCATED,
                f"LEN says {length} bytes but only {len(data) - offset} are left",
                field_path(index, expected_type, 1),
            )
        if data[end - 1 : end] != FS:
            raise InputError(
                SEPARATOR,
                "the record does not end with FS where its LEN says it ends",
                field_path(index, expected_type, 1),
            )
        fields, image = self._fields(index, expected_type, offset, end - 1, encoding)
        idc = 0
        if expected_type != 1:
            idc = _number(fields, index, expected_type, number=2, code=IDC, upper=99)
        computed = (1,) if expected_type == 1 else (1, 2)
        kept = {number: value for number, value in fields.items() if number not in computed}
        record = TextRecord(type=expected_type, idc=idc, fields=kept, data=image)
        return record, end

    def type4_record(self, index: int, offset: int) -> tuple[FingerImageRecord, int]:
        data = self.data
        if offset + _TYPE4_HEADER > len(data):
            raise InputError(
                TRUNCATED, "the file ends inside a Type-4 header", field_path(index, 4)
            )
        length = int.from_bytes(data[offset : offset + 4], "big")
        if length < _TYPE4_HEADER:
            raise InputError(
                LENGTH,
                f"a Type-4 LEN of {length} is shorter than the 18-byte header",
                field_path(index, 4, 1),
            )
        if offset + length > len(data):
            raise InputError(
                TRUNCATED,
                f"LEN says {length} bytes but only {len(data) - offset} are left",
                field_path(index, 4, 1),
            )
        head = data[offset : offset + _TYPE4_HEADER]
        width = int.from_bytes(head[13:15], "big")
        height = int.from_bytes(head[15:17], "big")
        record = FingerImageRecord(
            idc=head[4],
            impression=head[5],
            positions=tuple(head[6:12]),
            scanning_resolution=head[12],
            width=width,
            height=height,
            compression=head[17],
            image=data[offset + _TYPE4_HEADER : offset + length],
        )
        _check_type4_image(record, index, self.limits)
        return record, offset + length

    def _length(self, index: int, record_type: int, start: int) -> int:
        data = self.data
        stop = start
        while stop < len(data) and stop - start <= _LEN_DIGITS and data[stop] not in b"\x1c\x1d":
            stop += 1
        text = data[start:stop].decode("latin-1")
        if not _DIGITS.fullmatch(text) or int(text) <= len(f"{record_type}.001:x"):
            raise InputError(
                LENGTH,
                f"LEN must be a byte count, found {text[:12]!r}",
                field_path(index, record_type, 1),
            )
        return int(text)

    def _fields(
        self, index: int, record_type: int, start: int, end: int, encoding: str
    ) -> tuple[dict[int, FieldValue], bytes | None]:
        data = self.data
        fields: dict[int, FieldValue] = {}
        position = start
        while position < end:
            tag = _TAG.match(data, position, end)
            if tag is None or int(tag.group(1)) != record_type:
                raise InputError(
                    TAG,
                    f"a field of this Type-{record_type} record has no {record_type}.NNN: tag",
                    f"{field_path(index, record_type)}.byte[{position - start}]",
                )
            number = int(tag.group(2))
            if number in fields:
                raise InputError(
                    DUPLICATE,
                    "the field appears twice in the record",
                    field_path(index, record_type, number),
                )
            if len(fields) >= self.limits.max_fields:
                raise InputError(
                    TOO_LARGE,
                    f"the record has more than {self.limits.max_fields} fields",
                    field_path(index, record_type),
                )
            if number == DATA_FIELD and record_type != 1:
                return fields, data[tag.end() : end]
            stop = data.find(GS, tag.end(), end)
            stop = end if stop < 0 else stop
            if stop == end - 1:
                raise InputError(
                    SEPARATOR,
                    "an empty field follows the last GS of the record",
                    field_path(index, record_type, number),
                )
            raw = data[tag.end() : stop]
            try:
                fields[number] = self._value(raw, encoding)
            except _FieldError as error:
                path = field_path(index, record_type, number)
                raise InputError(error.code, error.message, path) from None
            position = stop + 1
        return fields, None

    def _value(self, raw: bytes, encoding: str) -> FieldValue:
        # Most fields are one item: skip the splitting (and the path, built only on error).
        if FS in raw:
            raise _FieldError(SEPARATOR, "a field holds an FS before its record ends")
        try:
            if RS not in raw and US not in raw:
                return ((raw.decode(encoding),),)
            subfields = raw.split(RS)
            if len(subfields) > self.limits.max_subfields:
                raise _FieldError(
                    TOO_LARGE, f"the field has more than {self.limits.max_subfields} subfields"
                )
            return tuple(
                tuple(item.decode(encoding) for item in subfield.split(US))
                for subfield in subfields
            )
        except UnicodeDecodeError:
            raise _FieldError(
                ENCODING, f"the field is not valid {encoding} text (see 1.015 DCS)"
            ) from None


class _FieldError(Exception):
    """A problem inside one field; the caller adds the field's path."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _number(
    fields: dict[int, FieldValue],
    index: int,
    record_type: int,
    *,
    number: int,
    code: str,
    upper: int,
) -> int:
    value = fields.get(number)
    text = value[0][0] if value and len(value) == 1 and len(value[0]) == 1 else None
    if text is None or not _DIGITS.fullmatch(text) or int(text) > upper:
        raise InputError(
            code,
            f"the field must be a number from 0 to {upper}",
            field_path(index, record_type, number),
        )
    return int(text)


def _content_list(header: TextRecord, limits: Limits) -> list[tuple[int, int]]:
    """The (type, IDC) of each record after the header, as 1.003 (CNT) lists them."""
    path = field_path(0, 1, 3)
    value = header.fields.get(3)
    if not value or len(value[0]) != 2 or value[0][0] != "1" or not _DIGITS.fullmatch(value[0][1]):
        raise InputError(CONTENT, "1.003 (CNT) must begin with 1 US <number of records>", path)
    listed = value[1:]
    if int(value[0][1]) != len(listed):
        raise InputError(
            CONTENT,
            f"1.003 (CNT) announces {value[0][1]} records but lists {len(listed)}",
            path,
        )
    if len(listed) > limits.max_records:
        raise InputError(
            TOO_LARGE, f"the transaction has more than {limits.max_records} records", path
        )
    pairs = []
    for entry in listed:
        if (
            len(entry) != 2
            or not all(_DIGITS.fullmatch(item) for item in entry)
            or not 2 <= int(entry[0]) <= 99
            or int(entry[1]) > 99
        ):
            raise InputError(
                CONTENT, "each 1.003 (CNT) subfield after the first is <type> US <IDC>", path
            )
        pairs.append((int(entry[0]), int(entry[1])))
    return pairs


def _encoding(header: TextRecord) -> str:
    """The character set of the text fields: UTF-8 when 1.015 (DCS) says 003, else Latin-1.

    Latin-1 reads ASCII (the default set) unchanged and 8-bit Latin (DCS 001)
    too, and cannot fail, so files from stations that ignore DCS still read.
    """
    value = header.fields.get(15)
    return "utf-8" if value and value[0] and value[0][0] == "003" else "latin-1"


def _check_type4_image(record: FingerImageRecord, index: int, limits: Limits) -> None:
    pixels = record.width * record.height
    if pixels == 0 or pixels > limits.max_image_pixels:
        raise InputError(
            IMAGE,
            f"a {record.width}x{record.height} image is empty or larger than allowed",
            field_path(index, 4, 6),
        )
    if record.compression == 0 and len(record.image) != pixels:
        raise InputError(
            IMAGE,
            f"an uncompressed {record.width}x{record.height} image needs {pixels} bytes, "
            f"the record has {len(record.image)}",
            field_path(index, 4, 9),
        )
