"""Biometric data: fingerprints by finger position, a facial image, when they were taken."""

from __future__ import annotations

from datetime import date
from enum import IntEnum

from gateway.domain.frozen import frozen

__all__ = ["BiometricSet", "FacialImage", "FingerPosition", "Fingerprint", "ImpressionType"]


class FingerPosition(IntEnum):
    """ANSI/NIST-ITL finger position codes 1-10."""

    RIGHT_THUMB = 1
    RIGHT_INDEX = 2
    RIGHT_MIDDLE = 3
    RIGHT_RING = 4
    RIGHT_LITTLE = 5
    LEFT_THUMB = 6
    LEFT_INDEX = 7
    LEFT_MIDDLE = 8
    LEFT_RING = 9
    LEFT_LITTLE = 10


class ImpressionType(IntEnum):
    """ANSI/NIST-ITL impression type codes."""

    LIVE_SCAN_PLAIN = 0
    LIVE_SCAN_ROLLED = 1
    NONLIVE_SCAN_PLAIN = 2
    NONLIVE_SCAN_ROLLED = 3


@frozen
class Fingerprint:
    """One finger. `quality` is an NFIQ 2 score, 0 (worst) to 100 (best)."""

    position: FingerPosition
    impression: ImpressionType
    quality: int
    image: bytes = b""
    image_format: str = "WSQ"


@frozen
class FacialImage:
    image: bytes
    image_format: str = "JPEG"


@frozen
class BiometricSet:
    """What one capture session took; `ansi_nist` is the whole capture as an ANSI/NIST-ITL file."""

    captured_on: date
    fingerprints: tuple[Fingerprint, ...] = ()
    face: FacialImage | None = None
    station: str | None = None
    ansi_nist: bytes = b""
