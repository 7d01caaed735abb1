"""Canonical records with biometrics, shared by the ANSI/NIST-ITL tests of every tier."""

from __future__ import annotations

from datetime import date

from gateway.ansi_nist.images import GrayImage, encode_gray_png
from gateway.domain import (
    Application,
    BiometricSet,
    CanonicalRecord,
    FacialImage,
    FingerPosition,
    Fingerprint,
    ImpressionType,
    Name,
    NationalIdentifiers,
    PartialDate,
    Person,
    Sex,
)

CAPTURED_ON = date(2026, 7, 1)


def gray_png(width: int = 8, height: int = 6, seed: int = 0) -> bytes:
    pixels = bytes((seed * 31 + i * 7) % 256 for i in range(width * height))
    return encode_gray_png(GrayImage(width=width, height=height, pixels=pixels))


def biometric_set(*, face: bool = True, fingers: int = 10) -> BiometricSet:
    return BiometricSet(
        captured_on=CAPTURED_ON,
        fingerprints=tuple(
            Fingerprint(
                position=FingerPosition(position),
                impression=ImpressionType.LIVE_SCAN_PLAIN,
                quality=40 + position,
                image=gray_png(seed=position),
                image_format="PNG",
            )
            for position in range(1, fingers + 1)
        ),
        face=FacialImage(image=gray_png(12, 16, seed=99), image_format="PNG") if face else None,
        station="BEIO01",
    )


def applicant(*, family: str = "CELIK", given: str = "AYSE") -> CanonicalRecord:
    return CanonicalRecord(
        person=Person(
            name=Name(family=family, given=given),
            sex=Sex.FEMALE,
            birth_date=PartialDate(year=1990, month=5),
            birth_place="IZMIR",
            nationalities=("TUR", "SYR"),
        ),
        application=Application(
            identifiers=NationalIdentifiers(io_file_number="9876543", national_number="90052500283")
        ),
        biometrics=biometric_set(),
    )
