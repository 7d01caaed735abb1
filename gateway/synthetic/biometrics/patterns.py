"""Deterministic synthetic fingerprint and face images: one pattern per person, noise per capture.

Fingerprints: each finger of each person is a band-pass filtered random field
(a maze of ridges about 9 pixels apart, like a 500 ppi fingerprint); a
capture shows it displaced (wrapping around), with another contrast and
brightness, pixel noise and clipping. Faces: a smooth random field per
person, seen with other lighting and noise per capture. The patterns are
not faces or fingers anyone has; they exist so that a matcher can tell
persons apart in tests, demos and simulators.

Randomness comes only from `numpy.random.default_rng` seeded with the
person's seed, the finger and the capture number, so any capture can be made
again alone, in any order, on any machine.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from gateway.ansi_nist.images import GrayImage

__all__ = [
    "FACE_SIZE",
    "FINGER_SIZE",
    "face_pixels",
    "finger_captures",
    "finger_pixels",
    "to_gray_image",
]

FINGER_SIZE = 96
FACE_SIZE = 64
_FACE_CELLS = 16
# Distinct constants keep the streams of patterns and of captures apart.
_FINGER_STREAM = 0x46494E47
_FINGER_CAPTURE_STREAM = 0x46434150
_FACE_STREAM = 0x46414345
_FACE_CAPTURE_STREAM = 0x46434150 + 1
_RIDGE_FREQUENCY = 0.11  # cycles per pixel: ridges about 9 pixels apart
_RIDGE_SPREAD = 0.03

Pixels = npt.NDArray[np.uint8]


def _ring_filter() -> npt.NDArray[np.float64]:
    # Half a spectrum: the patterns are real, so rfft2 and irfft2 do half the work.
    fy, fx = np.meshgrid(np.fft.fftfreq(FINGER_SIZE), np.fft.rfftfreq(FINGER_SIZE), indexing="ij")
    radius = np.hypot(fy, fx)
    ring: npt.NDArray[np.float64] = np.exp(-(((radius - _RIDGE_FREQUENCY) / _RIDGE_SPREAD) ** 2))
    return ring


_RING = _ring_filter()


def finger_pixels(
    person_seed: int, positions: tuple[int, ...], capture_no: int
) -> npt.NDArray[np.uint8]:
    """The captures of some fingers of a person, one FINGER_SIZE square per finger."""
    captures: npt.NDArray[np.uint8] = finger_captures(person_seed, positions, (capture_no,))[0]
    return captures


def finger_captures(
    person_seed: int, positions: tuple[int, ...], capture_numbers: tuple[int, ...]
) -> npt.NDArray[np.uint8]:
    """Several captures of the same fingers: capture x finger x FINGER_SIZE x FINGER_SIZE."""
    patterns = _finger_patterns(person_seed, positions)
    captures = np.empty((len(capture_numbers), *patterns.shape), dtype=np.uint8)
    for c, capture_no in enumerate(capture_numbers):
        for i, position in enumerate(positions):
            rng = np.random.default_rng([_FINGER_CAPTURE_STREAM, person_seed, position, capture_no])
            shift = rng.integers(0, FINGER_SIZE, size=2)
            image = np.roll(patterns[i], (int(shift[0]), int(shift[1])), axis=(0, 1))
            contrast, brightness = rng.uniform(70, 100), rng.uniform(108, 148)
            image = np.tanh(image * 1.2) * contrast + brightness
            image += rng.normal(0.0, 12.0, image.shape)
            captures[c, i] = np.clip(image, 0, 255).astype(np.uint8)
    return captures


def face_pixels(person_seed: int, capture_no: int) -> Pixels:
    """A FACE_SIZE square: the person's smooth pattern under the capture's light and noise."""
    rng = np.random.default_rng([_FACE_STREAM, person_seed])
    cells = rng.standard_normal((_FACE_CELLS, _FACE_CELLS)).astype(np.float32)
    scale = FACE_SIZE // _FACE_CELLS
    pattern = np.kron(cells, np.ones((scale, scale), dtype=np.float32))
    capture = np.random.default_rng([_FACE_CAPTURE_STREAM, person_seed, capture_no])
    image = pattern * capture.uniform(30, 45) + capture.uniform(100, 150)
    image += capture.normal(0.0, 10.0, image.shape).astype(np.float32)
    pixels: Pixels = np.clip(image, 0, 255).astype(np.uint8)
    return pixels


def to_gray_image(pixels: Pixels) -> GrayImage:
    height, width = pixels.shape
    return GrayImage(width=int(width), height=int(height), pixels=pixels.tobytes())


def _finger_patterns(person_seed: int, positions: tuple[int, ...]) -> npt.NDArray[np.float64]:
    noise = np.stack(
        [
            np.random.default_rng([_FINGER_STREAM, person_seed, position]).standard_normal(
                (FINGER_SIZE, FINGER_SIZE)
            )
            for position in positions
        ]
    )
    shape = (FINGER_SIZE, FINGER_SIZE)
    # float64 on purpose: numpy's float32 FFT is about three times slower here.
    fields = np.fft.irfft2(np.fft.rfft2(noise) * _RING, s=shape)
    spread = fields.std(axis=(1, 2), keepdims=True)
    patterns: npt.NDArray[np.float64] = fields / spread
    return patterns
