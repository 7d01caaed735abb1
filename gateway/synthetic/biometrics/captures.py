"""Synthetic capture sessions: the BiometricSet a station would take of a person.

`biometric_set(person_seed, capture_no, regime)` gives ten plain live-scan
fingerprints (grayscale PNG) and, under Regulation 2024/1358, a facial
image. The same seed and capture number always give the same bytes; two
capture numbers of one seed are the same person seen twice.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from gateway.ansi_nist.images import encode_gray_png
from gateway.domain.biometrics import (
    BiometricSet,
    FacialImage,
    FingerPosition,
    Fingerprint,
    ImpressionType,
)
from gateway.domain.eurodac import Regime
from gateway.errors import InputError
from gateway.synthetic.biometrics.patterns import face_pixels, finger_pixels, to_gray_image

__all__ = ["ALL_FINGERS", "biometric_set", "default_capture_day"]

ALL_FINGERS = tuple(int(position) for position in FingerPosition)
_QUALITY_STREAM = 0x51554C54
_FIRST_DAY = {Regime.EURODAC_2013: date(2026, 3, 2), Regime.EURODAC_2024: date(2026, 7, 1)}
SEED = "GW-BIO-SEED"


def default_capture_day(regime: Regime, capture_no: int) -> date:
    """A day on which the regime applies: captures follow each other a week apart."""
    return _FIRST_DAY[regime] + timedelta(weeks=capture_no)


def biometric_set(
    person_seed: int,
    capture_no: int,
    regime: Regime,
    *,
    captured_on: date | None = None,
    station: str = "BEIO01",
) -> BiometricSet:
    """Ten fingers, and a face under 2024/1358, of person `person_seed` at capture `capture_no`."""
    if person_seed < 0 or capture_no < 0:
        raise InputError(SEED, "person seeds and capture numbers are not negative", "person_seed")
    fingers = finger_pixels(person_seed, ALL_FINGERS, capture_no)
    qualities = np.random.default_rng([_QUALITY_STREAM, person_seed, capture_no]).integers(
        45, 96, size=len(ALL_FINGERS)
    )
    fingerprints = tuple(
        Fingerprint(
            position=FingerPosition(position),
            impression=ImpressionType.LIVE_SCAN_PLAIN,
            quality=int(quality),
            image=encode_gray_png(to_gray_image(pixels)),
            image_format="PNG",
        )
        for position, pixels, quality in zip(ALL_FINGERS, fingers, qualities, strict=True)
    )
    face = None
    if regime is Regime.EURODAC_2024:
        image = encode_gray_png(to_gray_image(face_pixels(person_seed, capture_no)))
        face = FacialImage(image=image, image_format="PNG")
    return BiometricSet(
        captured_on=captured_on or default_capture_day(regime, capture_no),
        fingerprints=fingerprints,
        face=face,
        station=station,
    )
