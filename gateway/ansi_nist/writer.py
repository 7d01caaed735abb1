"""Write an ANSI/NIST-ITL transaction in traditional encoding.

The writer computes what the reader checks: each record's LEN, the CNT list
of the Type-1 header, and IDCs in the order given. Text is written in the
character set the header's 1.015 (DCS) names: UTF-8 for 003, else Latin-1;
a value that cannot be written (a separator inside it, a character outside
the set) raises an `InputError` with its path instead of producing a file
that another reader would split differently.
"""

from __future__ import annotations

from gateway.ansi_nist.model import (
    DATA_FIELD,
    FS,
    GS,
    RS,
    US,
    FieldValue,
    FingerImageRecord,
    TextRecord,
    Transaction,
    field_path,
)
from gateway.errors import InputError

__all__ = ["write_transaction"]

_SEPARATORS = frozenset("\x1c\x1d\x1e\x1f")
VALUE = "GW-NIST-VALUE"


def write_transaction(transaction: Transaction) -> bytes:
    """The bytes of the transaction: header with LEN and CNT, then each record."""
    listed = tuple((str(record.type), str(record.idc)) for record in transaction.records)
    header_fields = {**transaction.header.fields, 3: (("1", str(len(listed))), *listed)}
    dcs = header_fields.get(15)
    encoding = "utf-8" if dcs and dcs[0] and dcs[0][0] == "003" else "latin-1"
    parts = [_text_record(TextRecord(type=1, fields=header_fields), 0, "latin-1")]
    for index, record in enumerate(transaction.records, start=1):
        if isinstance(record, FingerImageRecord):
            parts.append(_type4_record(record, index))
        else:
            parts.append(_text_record(record, index, encoding))
    return b"".join(parts)


def _text_record(record: TextRecord, index: int, encoding: str) -> bytes:
    computed = (1,) if record.type == 1 else (1, 2, DATA_FIELD)
    fields = {k: v for k, v in record.fields.items() if k not in computed}
    encoded = [
        f"{record.type}.{number:03d}:".encode("ascii")
        + _field(value, encoding, field_path(index, record.type, number))
        for number, value in sorted(fields.items())
    ]
    if record.type != 1:
        encoded.insert(0, f"{record.type}.002:{record.idc:02d}".encode("ascii"))
    if record.data is not None:
        encoded.append(f"{record.type}.{DATA_FIELD}:".encode("ascii") + record.data)
    body = GS + GS.join(encoded) + FS
    prefix = f"{record.type}.001:".encode("ascii")
    # LEN counts its own digits: grow the guess until it holds.
    length = len(prefix) + len(body) + 1
    while len(prefix) + len(str(length)) + len(body) != length:
        length = len(prefix) + len(str(length)) + len(body)
    return prefix + str(length).encode("ascii") + body


def _field(value: FieldValue, encoding: str, path: str) -> bytes:
    if not value or any(not subfield for subfield in value):
        raise InputError(VALUE, "a field needs at least one subfield of one item", path)
    for subfield in value:
        for item in subfield:
            if _SEPARATORS.intersection(item):
                raise InputError(VALUE, "a value contains an ANSI/NIST-ITL separator", path)
    text = RS.decode().join(US.decode().join(subfield) for subfield in value)
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        raise InputError(
            VALUE, f"the value cannot be written in {encoding}; set 1.015 (DCS) to 003", path
        ) from None


def _type4_record(record: FingerImageRecord, index: int) -> bytes:
    path = field_path(index, 4)
    positions = record.positions + (255,) * (6 - len(record.positions))
    numbers = (record.idc, record.impression, record.scanning_resolution, record.compression)
    if len(positions) != 6 or not all(0 <= n <= 255 for n in (*positions, *numbers)):
        raise InputError(VALUE, "a Type-4 header value does not fit its byte", path)
    if not (0 < record.width <= 0xFFFF and 0 < record.height <= 0xFFFF):
        raise InputError(VALUE, "a Type-4 image is 1 to 65535 pixels each way", path)
    length = 18 + len(record.image)
    if length > 0xFFFFFFFF:
        raise InputError(VALUE, "a Type-4 record is at most 4 GiB long", path)
    return (
        length.to_bytes(4, "big")
        + bytes((record.idc, record.impression, *positions, record.scanning_resolution))
        + record.width.to_bytes(2, "big")
        + record.height.to_bytes(2, "big")
        + bytes((record.compression,))
        + record.image
    )
