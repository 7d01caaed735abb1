"""Just enough of the image formats that ANSI/NIST-ITL records carry.

A record states an image's width and height beside the image bytes, so the
writer reads them from the image itself (PNG, JPEG and WSQ headers). Raw,
uncompressed 8-bit grayscale images have no header; the reader wraps them
in a grayscale PNG so that the canonical model never holds bytes whose size
is lost. The PNG codec is limited to 8-bit grayscale, the only kind the
synthetic captures and raw fingerprint records need.
"""

from __future__ import annotations

import struct
import zlib

from gateway.domain.frozen import frozen

__all__ = [
    "GrayImage",
    "ImageSize",
    "ImageSizeError",
    "decode_gray_png",
    "encode_gray_png",
    "image_size",
]

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_GRAY = 0
# JPEG start-of-frame markers carry the size; C4, C8 and CC are other segments.
_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_WSQ_FRAME = b"\xff\xa2"


class ImageSizeError(ValueError):
    """An image's header cannot be read."""


@frozen
class ImageSize:
    width: int
    height: int
    grayscale: bool


@frozen
class GrayImage:
    """An 8-bit grayscale image, row after row."""

    width: int
    height: int
    pixels: bytes

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0 or len(self.pixels) != self.width * self.height:
            raise ValueError("pixels do not fill a width x height grayscale image")


def image_size(data: bytes, image_format: str) -> ImageSize:
    """The width and height written in a PNG, JPEG or WSQ header."""
    if image_format == "PNG":
        return _png_size(data)
    if image_format == "JPEG":
        return _jpeg_size(data)
    if image_format == "WSQ":
        return _wsq_size(data)
    raise ImageSizeError(f"the size of a {image_format} image cannot be read")


def encode_gray_png(image: GrayImage) -> bytes:
    """A PNG of the image: no filter, deterministic zlib output."""
    rows = b"".join(
        b"\x00" + image.pixels[row * image.width : (row + 1) * image.width]
        for row in range(image.height)
    )
    header = struct.pack(">IIBBBBB", image.width, image.height, 8, _PNG_GRAY, 0, 0, 0)
    return (
        _PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, 6))
        + _chunk(b"IEND", b"")
    )


def decode_gray_png(data: bytes, *, max_pixels: int = 16_000_000) -> GrayImage:
    """Read an 8-bit grayscale, non-interlaced PNG (any row filter)."""
    size = _png_size(data)
    if not size.grayscale or data[24] != 8 or data[28] != 0:
        raise ImageSizeError("only 8-bit grayscale, non-interlaced PNG images are read")
    if size.width * size.height > max_pixels:
        raise ImageSizeError(f"the image has more than {max_pixels} pixels")
    compressed = b"".join(_chunks(data, b"IDAT"))
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(compressed, (size.width + 1) * size.height)
    except zlib.error as error:
        raise ImageSizeError(f"the PNG image data are corrupt: {error}") from None
    if len(raw) != (size.width + 1) * size.height:
        raise ImageSizeError("the PNG image data do not fill the image")
    return GrayImage(width=size.width, height=size.height, pixels=_unfilter(raw, size.width))


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _chunks(data: bytes, wanted: bytes) -> list[bytes]:
    found, offset = [], len(_PNG_SIGNATURE)
    while offset + 12 <= len(data):
        (length,) = struct.unpack_from(">I", data, offset)
        kind = data[offset + 4 : offset + 8]
        if offset + 12 + length > len(data):
            raise ImageSizeError("a PNG chunk runs past the end of the image")
        if kind == wanted:
            found.append(data[offset + 8 : offset + 8 + length])
        if kind == b"IEND":
            break
        offset += 12 + length
    return found


def _png_size(data: bytes) -> ImageSize:
    if len(data) < 29 or not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ImageSizeError("not a PNG image")
    width, height = struct.unpack_from(">II", data, 16)
    if width == 0 or height == 0:
        raise ImageSizeError("a PNG image has no pixels")
    return ImageSize(width=width, height=height, grayscale=data[25] == _PNG_GRAY)


def _jpeg_size(data: bytes) -> ImageSize:
    if not data.startswith(b"\xff\xd8"):
        raise ImageSizeError("not a JPEG image")
    offset = 2
    while offset + 9 < len(data):
        if data[offset] != 0xFF:
            raise ImageSizeError("a JPEG segment does not start with a marker")
        marker = data[offset + 1]
        (length,) = struct.unpack_from(">H", data, offset + 2)
        if marker in _JPEG_FRAMES:
            height, width = struct.unpack_from(">HH", data, offset + 5)
            return ImageSize(width=width, height=height, grayscale=data[offset + 9] == 1)
        offset += 2 + length
    raise ImageSizeError("a JPEG image without a frame header")


def _wsq_size(data: bytes) -> ImageSize:
    if not data.startswith(b"\xff\xa0"):
        raise ImageSizeError("not a WSQ image")
    # The frame header: marker, length(2), black(1), white(1), height(2), width(2).
    at = data.find(_WSQ_FRAME)
    if at < 0 or at + 10 > len(data):
        raise ImageSizeError("a WSQ image without a frame header")
    height, width = struct.unpack_from(">HH", data, at + 6)
    return ImageSize(width=width, height=height, grayscale=True)


def _unfilter(raw: bytes, width: int) -> bytes:
    """Undo the PNG row filters (one byte per pixel, so the left neighbour is 1 back)."""
    out = bytearray()
    previous = bytearray(width)
    stride = width + 1
    for start in range(0, len(raw), stride):
        kind, row = raw[start], bytearray(raw[start + 1 : start + stride])
        if kind == 1:
            for i in range(1, width):
                row[i] = (row[i] + row[i - 1]) & 0xFF
        elif kind == 2:
            row = bytearray((a + b) & 0xFF for a, b in zip(row, previous, strict=True))
        elif kind == 3:
            for i in range(width):
                left = row[i - 1] if i else 0
                row[i] = (row[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(width):
                left = row[i - 1] if i else 0
                up_left = previous[i - 1] if i else 0
                row[i] = (row[i] + _paeth(left, previous[i], up_left)) & 0xFF
        elif kind != 0:
            raise ImageSizeError(f"unknown PNG row filter {kind}")
        out += row
        previous = row
    return bytes(out)


def _paeth(left: int, up: int, up_left: int) -> int:
    estimate = left + up - up_left
    distances = (abs(estimate - left), abs(estimate - up), abs(estimate - up_left))
    if distances[0] <= distances[1] and distances[0] <= distances[2]:
        return left
    return up if distances[1] <= distances[2] else up_left
