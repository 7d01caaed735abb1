"""Templates extracted from the synthetic images, and the similarity of two templates.

A fingerprint template is the log-magnitude of the image's spectrum in the
ridge band, with each ring's mean taken away (what all fingers share) and
scaled to unit length: the magnitude does not change when the finger is
displaced, and contrast, brightness and noise move it little. A face
template is the face's 16 x 16 cell means, centred and of unit length. The
similarity of two templates of the same kind is their cosine, from -1 to 1.

These are stand-ins for real matchers (which the EU central system runs):
they work on the synthetic images only, and say so when given another image.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from gateway.ansi_nist.images import ImageSizeError, decode_gray_png
from gateway.errors import InputError
from gateway.synthetic.biometrics.patterns import FACE_SIZE, FINGER_SIZE

__all__ = [
    "FACE_THRESHOLD",
    "FINGER_THRESHOLD",
    "Template",
    "face_template",
    "face_templates_of_pixels",
    "finger_template",
    "finger_templates_of_pixels",
    "match",
]

Template = npt.NDArray[np.float32]

# Chosen from the measured distributions (tests/integration/test_synthetic_rates.py):
# same finger twice scores about 0.93 (lowest seen 0.78), different fingers
# about 0.03 (highest seen 0.36); faces 0.99 against 0.00 (0.30).
FINGER_THRESHOLD: Final = 0.55
FACE_THRESHOLD: Final = 0.6

IMAGE = "GW-BIO-IMAGE"
TEMPLATE = "GW-BIO-TEMPLATE"
_FACE_CELLS = 16


def _band() -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.intp], npt.NDArray[np.float32]]:
    fy, fx = np.meshgrid(np.fft.fftfreq(FINGER_SIZE), np.fft.rfftfreq(FINGER_SIZE), indexing="ij")
    radius = np.hypot(fy, fx)
    band = (radius > 0.06) & (radius < 0.16)
    rings = np.round(radius[band] * FINGER_SIZE).astype(np.intp)
    rings -= rings.min()
    return band, rings, np.bincount(rings).astype(np.float32)


_BAND, _RINGS, _RING_COUNTS = _band()


def finger_templates_of_pixels(pixels: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """Templates of a stack of FINGER_SIZE square images, one row per image."""
    images = pixels.astype(np.float64)  # numpy's float32 FFT is the slower one
    images -= images.mean(axis=(1, 2), keepdims=True)
    spectra = np.log1p(np.abs(np.fft.rfft2(images))[:, _BAND]).astype(np.float32)
    ring_sums = np.zeros((spectra.shape[0], _RING_COUNTS.size), dtype=np.float32)
    np.add.at(ring_sums.T, _RINGS, spectra.T)
    spectra -= (ring_sums / _RING_COUNTS)[:, _RINGS]
    return _unit_rows(spectra)


def face_templates_of_pixels(pixels: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """Templates of a stack of FACE_SIZE square images, one row per image."""
    count = pixels.shape[0]
    scale = FACE_SIZE // _FACE_CELLS
    cells = pixels.astype(np.float32).reshape(count, _FACE_CELLS, scale, _FACE_CELLS, scale)
    means = cells.mean(axis=(2, 4)).reshape(count, -1)
    means -= means.mean(axis=1, keepdims=True)
    return _unit_rows(means)


def finger_template(image: bytes, image_format: str, path: str = "") -> Template:
    """The template of one synthetic fingerprint image (a FINGER_SIZE square grayscale PNG)."""
    pixels = _pixels(image, image_format, FINGER_SIZE, path)
    template: Template = finger_templates_of_pixels(pixels[np.newaxis])[0]
    return template


def face_template(image: bytes, image_format: str, path: str = "") -> Template:
    """The template of one synthetic face image (a FACE_SIZE square grayscale PNG)."""
    pixels = _pixels(image, image_format, FACE_SIZE, path)
    template: Template = face_templates_of_pixels(pixels[np.newaxis])[0]
    return template


def match(a: Template, b: Template) -> float:
    """The similarity of two templates of one kind: 1 the same, about 0 unrelated."""
    if a.shape != b.shape:
        raise InputError(
            TEMPLATE, f"templates of shapes {a.shape} and {b.shape} cannot be compared"
        )
    return float(np.dot(a, b))


def _pixels(image: bytes, image_format: str, size: int, path: str) -> npt.NDArray[np.uint8]:
    if image_format != "PNG":
        raise InputError(IMAGE, f"templates are made from PNG images, not {image_format}", path)
    try:
        decoded = decode_gray_png(image)
    except ImageSizeError as error:
        raise InputError(IMAGE, f"the image cannot be decoded: {error}", path) from None
    if (decoded.width, decoded.height) != (size, size):
        raise InputError(
            IMAGE,
            f"templates are made from {size}x{size} images, not {decoded.width}x{decoded.height}",
            path,
        )
    return np.frombuffer(decoded.pixels, dtype=np.uint8).reshape(size, size)


def _unit_rows(rows: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    # A flat image has no pattern; its template stays zero and matches nothing.
    return (rows / np.where(norms == 0, 1, norms)).astype(np.float32)
