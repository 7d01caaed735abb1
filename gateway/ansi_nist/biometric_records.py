"""Fingerprint and face records (Type-4, Type-14, Type-10) to and from `gateway.domain` biometrics.

Image formats: ANSI/NIST-ITL names the compression of an image (CGA: NONE,
WSQ20, JPEGB, JPEGL, JP2, JP2L, PNG; Type-4 uses the same list as numbers
0-6); the canonical model names the format (`WSQ`, `JPEG`, `PNG`, ...).
An uncompressed image is wrapped in a grayscale PNG on reading, so that its
width and height travel with it.

Quality: a Type-14 record carries the NFIQ 2 score in 14.024 (FQM); a
Type-4 record has no room for one, so the writer puts the scores in the
Type-2 record (2.030, see `mappings/printrak.md`) and the reader takes them
from there.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from gateway.ansi_nist.images import GrayImage, ImageSizeError, encode_gray_png, image_size
from gateway.ansi_nist.model import (
    FieldValue,
    FingerImageRecord,
    Record,
    TextRecord,
    field_path,
    single,
    small_number,
)
from gateway.ansi_nist.reader import IMAGE, Limits
from gateway.domain.biometrics import (
    BiometricSet,
    FacialImage,
    FingerPosition,
    Fingerprint,
    ImpressionType,
)
from gateway.errors import InputError

__all__ = [
    "NFIQ2_PRODUCT",
    "NFIQ2_VENDOR",
    "face_from_type10",
    "fingerprint_from_type4",
    "fingerprint_from_type14",
    "parse_date",
    "type4_from_fingerprint",
    "type10_from_face",
    "type14_from_fingerprint",
]

VALUE = "GW-NIST-VALUE"
REQUIRED = "GW-NIST-REQUIRED"
UNSUPPORTED = "GW-NIST-UNSUPPORTED"
DATE = "GW-NIST-DATE"

# CBEFF identifiers of NFIQ 2 as quality algorithm (owner NIST, 0x000F).
NFIQ2_VENDOR = "000F"
NFIQ2_PRODUCT = "377"
_COMPRESSIONS = ("NONE", "WSQ20", "JPEGB", "JPEGL", "JP2", "JP2L", "PNG")
_FORMAT_OF = {
    "WSQ20": "WSQ",
    "JPEGB": "JPEG",
    "JPEGL": "JPEGL",
    "JP2": "JP2",
    "JP2L": "JP2L",
    "PNG": "PNG",
}
_COMPRESSION_OF = {image_format: name for name, image_format in _FORMAT_OF.items()}
_SIZED_FORMATS = frozenset({"PNG", "JPEG", "WSQ"})
# Plain right and left thumb, right four, left four, both thumbs: images of
# more than one finger or control captures, which the canonical model does not hold.
_MULTI_FINGER = frozenset({11, 12, 13, 14, 15})


def fingerprint_from_type14(record: TextRecord, index: int, limits: Limits) -> Fingerprint | None:
    """The finger of a Type-14 record; None for a plain slap or thumbs image (FGP 11-15)."""

    def path(number: int) -> str:
        return field_path(index, 14, number)

    text = _required(record, 13, index)
    if small_number(text, 99) in _MULTI_FINGER:
        return None
    position = _finger_position(text, path(13))
    quality = _fqm_quality(record, int(position), path(24))
    if quality is None:
        raise InputError(REQUIRED, "14.024 (FQM) holds no quality score for the finger", path(24))
    image_format, image = _image(record, index, limits)
    return Fingerprint(
        position=position,
        impression=_impression(_required(record, 3, index), path(3)),
        quality=quality,
        image=image,
        image_format=image_format,
    )


def fingerprint_from_type4(
    record: FingerImageRecord, index: int, qualities: Mapping[int, int], quality_path: str
) -> Fingerprint | None:
    """The finger of a Type-4 record; None for a plain thumb or slap image (FGP 11-15)."""
    if record.positions[0] in _MULTI_FINGER:
        return None
    position = _finger_position(str(record.positions[0]), field_path(index, 4, 4))
    if int(position) not in qualities:
        raise InputError(
            REQUIRED,
            f"no quality score for finger {int(position)} of this Type-4 record",
            quality_path,
        )
    if record.compression >= len(_COMPRESSIONS):
        raise InputError(
            VALUE, f"compression code {record.compression} is not 0-6", field_path(index, 4, 8)
        )
    name = _COMPRESSIONS[record.compression]
    if name == "NONE":
        image_format = "PNG"
        image = encode_gray_png(
            GrayImage(width=record.width, height=record.height, pixels=record.image)
        )
    else:
        image_format, image = _FORMAT_OF[name], record.image
        declared = (record.width, record.height)
        _check_size(image, image_format, declared, field_path(index, 4, 9))
    return Fingerprint(
        position=position,
        impression=_impression(str(record.impression), field_path(index, 4, 3)),
        quality=qualities[int(position)],
        image=image,
        image_format=image_format,
    )


def face_from_type10(record: TextRecord, index: int, limits: Limits) -> FacialImage:
    kind = record.text(3)
    if kind != "FACE":
        raise InputError(
            VALUE, f"10.003 (IMT) is {kind!r}; only FACE is read", field_path(index, 10, 3)
        )
    image_format, image = _image(record, index, limits)
    return FacialImage(image=image, image_format=image_format)


def type14_from_fingerprint(
    finger: Fingerprint, *, idc: int, source: str, captured_on: date, path: str
) -> TextRecord:
    compression, size = _compression_and_size(finger.image, finger.image_format, path)
    fields = {
        3: single(str(int(finger.impression))),
        **_image_fields(source, captured_on, size, compression, scale=("1", "500", "500")),
        12: single("8"),
        13: single(str(int(finger.position))),
        24: ((str(int(finger.position)), str(finger.quality), NFIQ2_VENDOR, NFIQ2_PRODUCT),),
    }
    return TextRecord(type=14, idc=idc, fields=fields, data=finger.image)


def type4_from_fingerprint(finger: Fingerprint, *, idc: int, path: str) -> FingerImageRecord:
    compression, size = _compression_and_size(finger.image, finger.image_format, path)
    return FingerImageRecord(
        idc=idc,
        impression=int(finger.impression),
        positions=(int(finger.position),),
        width=size[0],
        height=size[1],
        compression=_COMPRESSIONS.index(compression),
        image=finger.image,
    )


def type10_from_face(
    face: FacialImage, *, idc: int, source: str, captured_on: date, path: str
) -> TextRecord:
    compression, size = _compression_and_size(face.image, face.image_format, path)
    gray = image_size(face.image, face.image_format).grayscale
    fields = {
        3: single("FACE"),
        **_image_fields(source, captured_on, size, compression, scale=("0", "1", "1")),
        12: single("GRAY" if gray else "YCC"),
        13: single("1"),  # SAP: subject acquisition profile unknown
        20: single("F"),  # POS: full frontal
    }
    return TextRecord(type=10, idc=idc, fields=fields, data=face.image)


def _image_fields(
    source: str,
    captured_on: date,
    size: tuple[int, int],
    compression: str,
    *,
    scale: tuple[str, str, str],
) -> dict[int, FieldValue]:
    """What Type-10 and Type-14 records say of their image alike: 004 source agency, 005
    capture date, 006 and 007 width and height, 008 to 010 scale units and pixel density
    (`scale`: "1" pixels per inch, "0" none, only the aspect ratio), 011 compression."""
    units, horizontal, vertical = scale
    return {
        4: single(source),
        5: single(captured_on.strftime("%Y%m%d")),
        6: single(str(size[0])),
        7: single(str(size[1])),
        8: single(units),
        9: single(horizontal),
        10: single(vertical),
        11: single(compression),
    }


def parse_date(text: str, path: str) -> date:
    """A full YYYYMMDD date, as in 1.005, 10.005 and 14.005."""
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        raise InputError(DATE, f"{text[:12]!r} is not a date YYYYMMDD", path)
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise InputError(DATE, f"{text!r} is not a calendar date", path) from None


def biometric_records(
    biometrics: BiometricSet, *, first_idc: int, source: str, finger_record_type: int
) -> list[Record]:
    """The finger records (Type-14 or Type-4) then the face record (Type-10), IDCs in order."""
    records: list[Record] = []
    idc = first_idc
    for i, finger in enumerate(biometrics.fingerprints):
        path = f"biometrics.fingerprints[{i}].image"
        if finger_record_type == 4:
            records.append(type4_from_fingerprint(finger, idc=idc, path=path))
        else:
            records.append(
                type14_from_fingerprint(
                    finger, idc=idc, source=source, captured_on=biometrics.captured_on, path=path
                )
            )
        idc += 1
    if biometrics.face is not None:
        records.append(
            type10_from_face(
                biometrics.face,
                idc=idc,
                source=source,
                captured_on=biometrics.captured_on,
                path="biometrics.face.image",
            )
        )
    return records


def _compression_and_size(
    image: bytes, image_format: str, path: str
) -> tuple[str, tuple[int, int]]:
    compression = _COMPRESSION_OF.get(image_format)
    if compression is None:
        raise InputError(UNSUPPORTED, f"images in format {image_format!r} cannot be written", path)
    try:
        size = image_size(image, image_format)
    except ImageSizeError as error:
        raise InputError(
            UNSUPPORTED, f"the {image_format} image cannot be read: {error}", path
        ) from None
    return compression, (size.width, size.height)


def _required(record: TextRecord, number: int, index: int) -> str:
    value = record.text(number)
    if value is None:
        raise InputError(REQUIRED, "the field is required", field_path(index, record.type, number))
    return value


def _finger_position(text: str, path: str) -> FingerPosition:
    number = small_number(text, 10)
    if not number:
        raise InputError(VALUE, f"finger position {text[:12]!r} is not one of 1-10", path)
    return FingerPosition(number)


def _impression(text: str, path: str) -> ImpressionType:
    number = small_number(text, 3)
    if number is None:
        raise InputError(
            VALUE, f"impression type {text[:12]!r} is not a plain or rolled capture (0-3)", path
        )
    return ImpressionType(number)


def _fqm_quality(record: TextRecord, position: int, path: str) -> int | None:
    for subfield in record.fields.get(24, ()):
        if len(subfield) < 2 or subfield[0] != str(position):
            continue
        score = small_number(subfield[1], 100)
        if score is None:
            raise InputError(VALUE, f"quality score {subfield[1][:12]!r} is not 0-100", path)
        return score
    return None


def _image(record: TextRecord, index: int, limits: Limits) -> tuple[str, bytes]:
    t = record.type
    if not record.data:
        raise InputError(REQUIRED, "the record has no image data", field_path(index, t, 999))
    compression = _required(record, 11, index)
    if compression == "NONE":
        width = _dimension(record, 6, index, limits)
        height = _dimension(record, 7, index, limits)
        if width * height > limits.max_image_pixels or len(record.data) != width * height:
            raise InputError(
                IMAGE,
                f"an uncompressed {width}x{height} 8-bit image needs {width * height} bytes, "
                f"the record has {len(record.data)}",
                field_path(index, t, 999),
            )
        return "PNG", encode_gray_png(GrayImage(width=width, height=height, pixels=record.data))
    image_format = _FORMAT_OF.get(compression)
    if image_format is None:
        raise InputError(
            VALUE,
            f"compression {compression!r} is not an ANSI/NIST-ITL CGA code",
            field_path(index, t, 11),
        )
    width = _dimension(record, 6, index, limits)
    height = _dimension(record, 7, index, limits)
    _check_size(record.data, image_format, (width, height), field_path(index, t, 999))
    return image_format, record.data


def _check_size(image: bytes, image_format: str, declared: tuple[int, int], path: str) -> None:
    """The image header, where the gateway can read it, agrees with the record's HLL and VLL."""
    if image_format not in _SIZED_FORMATS:
        return
    try:
        size = image_size(image, image_format)
    except ImageSizeError as error:
        raise InputError(IMAGE, f"the {image_format} image cannot be read: {error}", path) from None
    if (size.width, size.height) != declared:
        raise InputError(
            IMAGE,
            f"the image is {size.width}x{size.height} but the record says "
            f"{declared[0]}x{declared[1]}",
            path,
        )


def _dimension(record: TextRecord, number: int, index: int, limits: Limits) -> int:
    text = _required(record, number, index)
    pixels = small_number(text, limits.max_image_pixels)
    if not pixels:
        raise InputError(
            VALUE, f"{text[:12]!r} is not a pixel count", field_path(index, record.type, number)
        )
    return pixels
