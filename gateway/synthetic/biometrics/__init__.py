"""Synthetic biometrics, deterministic per person with noise per capture (`biometric_set`),
and a matcher for them (`templates_of`, `compare`, `Gallery`)."""

from gateway.synthetic.biometrics.captures import biometric_set
from gateway.synthetic.biometrics.gallery import (
    Candidate,
    Comparison,
    Gallery,
    PersonTemplates,
    compare,
    templates_of,
)
from gateway.synthetic.biometrics.templates import FACE_THRESHOLD, FINGER_THRESHOLD, match

__all__ = [
    "FACE_THRESHOLD",
    "FINGER_THRESHOLD",
    "Candidate",
    "Comparison",
    "Gallery",
    "PersonTemplates",
    "biometric_set",
    "compare",
    "match",
    "templates_of",
]
