"""Synthetic biometrics: deterministic per person, with noise per capture, and a matcher for them.

`biometric_set(person_seed, capture_no, regime)` makes a capture session;
`templates_of` extracts templates; `compare` and `Gallery` say whether two
sessions are of the same person. Used by the sample generator, the EU-side
simulators, the tests and the benchmarks.
"""

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
