"""False match and false non-match rates of the synthetic matcher over a population.

Each person is captured twice (captures 0 and 1). Genuine comparisons pair
a person's two captures; impostor comparisons pair capture 0 of one person
with capture 1 of every other. Finger by finger, as ten-print persons
(mean over the ten fingers, as `compare` does) and face by face.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from gateway.domain.frozen import frozen
from gateway.synthetic.biometrics.captures import ALL_FINGERS
from gateway.synthetic.biometrics.patterns import face_pixels, finger_captures
from gateway.synthetic.biometrics.templates import (
    FACE_THRESHOLD,
    FINGER_THRESHOLD,
    face_templates_of_pixels,
    finger_templates_of_pixels,
)

__all__ = ["ErrorRates", "Rates", "error_rates"]


@frozen
class Rates:
    """How one kind of comparison behaved at its threshold."""

    threshold: float
    genuine: int  # comparisons of the same person
    impostor: int  # comparisons of different persons
    false_non_matches: int
    false_matches: int
    lowest_genuine: float
    highest_impostor: float

    @property
    def false_non_match_rate(self) -> float:
        return self.false_non_matches / self.genuine

    @property
    def false_match_rate(self) -> float:
        return self.false_matches / self.impostor


@frozen
class ErrorRates:
    persons: int
    finger: Rates
    ten_print: Rates
    face: Rates


def error_rates(persons: int, first_seed: int = 0) -> ErrorRates:
    """Capture `persons` persons twice and count the matcher's errors at its thresholds."""
    seeds = range(first_seed, first_seed + persons)
    enrolled, probes = _finger_templates(seeds)
    # finger x person x person similarity
    scores = np.matmul(enrolled.transpose(1, 0, 2), probes.transpose(1, 2, 0))
    faces_enrolled = face_templates_of_pixels(np.stack([face_pixels(s, 0) for s in seeds]))
    faces_probed = face_templates_of_pixels(np.stack([face_pixels(s, 1) for s in seeds]))
    return ErrorRates(
        persons=persons,
        finger=_rates(scores, FINGER_THRESHOLD),
        ten_print=_rates(scores.mean(axis=0)[np.newaxis], FINGER_THRESHOLD),
        face=_rates((faces_enrolled @ faces_probed.T)[np.newaxis], FACE_THRESHOLD),
    )


def _finger_templates(
    seeds: range,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Person x finger x template, for captures 0 and 1."""
    enrolled, probes = [], []
    for seed in seeds:
        first, second = finger_captures(seed, ALL_FINGERS, (0, 1))
        enrolled.append(finger_templates_of_pixels(first))
        probes.append(finger_templates_of_pixels(second))
    return np.stack(enrolled), np.stack(probes)


def _rates(scores: npt.NDArray[np.floating], threshold: float) -> Rates:
    """`scores[k, i, j]`: comparison k of enrolled person i with probe j; i == j is genuine."""
    same = np.eye(scores.shape[1], dtype=bool)[np.newaxis].repeat(scores.shape[0], axis=0)
    genuine, impostor = scores[same], scores[~same]
    return Rates(
        threshold=threshold,
        genuine=int(genuine.size),
        impostor=int(impostor.size),
        false_non_matches=int((genuine < threshold).sum()),
        false_matches=int((impostor >= threshold).sum()),
        lowest_genuine=float(genuine.min()),
        highest_impostor=float(impostor.max()) if impostor.size else float("-inf"),
    )
