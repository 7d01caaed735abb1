"""Compare biometric sets and search a gallery of enrolled persons, as a central system would.

A person's templates are compared finger by finger on the positions both
sets have; the score is the mean of those similarities and a match is a
score at or above `FINGER_THRESHOLD`. Without a common finger, the faces
are compared against `FACE_THRESHOLD`. The gallery keeps its templates in
matrices so that one search compares the probe with every enrolled person
in a few array operations.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from gateway.domain.biometrics import BiometricSet
from gateway.domain.frozen import frozen
from gateway.errors import InputError
from gateway.synthetic.biometrics.captures import ALL_FINGERS
from gateway.synthetic.biometrics.templates import (
    FACE_THRESHOLD,
    FINGER_THRESHOLD,
    TEMPLATE,
    Template,
    face_template,
    finger_template,
    match,
)

__all__ = ["Candidate", "Comparison", "Gallery", "PersonTemplates", "compare", "templates_of"]


@frozen
class PersonTemplates:
    """The templates of one capture session: fingers by position, and the face."""

    fingers: Mapping[int, Template]
    face: Template | None = None


@frozen
class Comparison:
    score: float
    fingers_compared: int
    matched: bool


@frozen
class Candidate:
    key: str
    score: float
    fingers_compared: int


def templates_of(biometrics: BiometricSet) -> PersonTemplates:
    """Extract every template of a synthetic biometric set (GW-BIO-IMAGE for other images)."""
    fingers = {
        int(finger.position): finger_template(
            finger.image, finger.image_format, f"biometrics.fingerprints[{i}].image"
        )
        for i, finger in enumerate(biometrics.fingerprints)
    }
    face = None
    if biometrics.face is not None:
        face = face_template(
            biometrics.face.image, biometrics.face.image_format, "biometrics.face.image"
        )
    return PersonTemplates(fingers=fingers, face=face)


def compare(a: PersonTemplates, b: PersonTemplates) -> Comparison:
    """Fingers first (mean over common positions), the face when no finger is common."""
    common = sorted(a.fingers.keys() & b.fingers.keys())
    if common:
        score = sum(match(a.fingers[p], b.fingers[p]) for p in common) / len(common)
        return Comparison(
            score=score, fingers_compared=len(common), matched=score >= FINGER_THRESHOLD
        )
    if a.face is not None and b.face is not None:
        score = match(a.face, b.face)
        return Comparison(score=score, fingers_compared=0, matched=score >= FACE_THRESHOLD)
    return Comparison(score=0.0, fingers_compared=0, matched=False)


class Gallery:
    """Enrolled persons by key; `search` returns those matching a probe, best first."""

    def __init__(self) -> None:
        self._keys: list[str] = []
        self._people: list[PersonTemplates] = []
        self._arrays: _Arrays | None = None

    def __len__(self) -> int:
        return len(self._keys)

    def enrol(self, key: str, templates: PersonTemplates) -> None:
        self._keys.append(key)
        self._people.append(templates)
        self._arrays = None

    def search(self, probe: PersonTemplates) -> list[Candidate]:
        if not self._keys:
            return []
        arrays = self._arrays = self._arrays or _Arrays.of(self._people)
        probe_fingers = np.zeros((len(ALL_FINGERS), arrays.fingers.shape[2]), dtype=np.float32)
        probe_present = np.zeros(len(ALL_FINGERS), dtype=bool)
        for position, template in probe.fingers.items():
            if template.shape != probe_fingers.shape[1:]:
                raise InputError(
                    TEMPLATE, "the probe's finger template is not of the gallery's kind"
                )
            probe_fingers[position - 1] = template
            probe_present[position - 1] = True
        both = arrays.finger_present & probe_present
        counts = both.sum(axis=1)
        sums = (np.einsum("npd,pd->np", arrays.fingers, probe_fingers) * both).sum(axis=1)
        scores = np.where(counts > 0, sums / np.maximum(counts, 1), -1.0)
        matched = (counts > 0) & (scores >= FINGER_THRESHOLD)
        if probe.face is not None and arrays.faces is not None:
            if probe.face.shape != arrays.faces.shape[1:]:
                raise InputError(TEMPLATE, "the probe's face template is not of the gallery's kind")
            face_scores = arrays.faces @ probe.face
            by_face = (counts == 0) & arrays.face_present
            scores = np.where(by_face, face_scores, scores)
            matched |= by_face & (face_scores >= FACE_THRESHOLD)
        found = [
            Candidate(key=self._keys[i], score=float(scores[i]), fingers_compared=int(counts[i]))
            for i in np.flatnonzero(matched)
        ]
        return sorted(found, key=lambda candidate: -candidate.score)


@frozen
class _Arrays:
    fingers: npt.NDArray[np.float32]  # person x finger position x template
    finger_present: npt.NDArray[np.bool_]
    faces: npt.NDArray[np.float32] | None
    face_present: npt.NDArray[np.bool_]

    @classmethod
    def of(cls, people: list[PersonTemplates]) -> _Arrays:
        size = next((len(t) for p in people for t in p.fingers.values()), 1)
        fingers = np.zeros((len(people), len(ALL_FINGERS), size), dtype=np.float32)
        present = np.zeros((len(people), len(ALL_FINGERS)), dtype=bool)
        for i, person in enumerate(people):
            for position, template in person.fingers.items():
                fingers[i, position - 1] = template
                present[i, position - 1] = True
        face_size = next((len(p.face) for p in people if p.face is not None), 0)
        faces = None
        face_present = np.array([p.face is not None for p in people], dtype=bool)
        if face_size:
            faces = np.zeros((len(people), face_size), dtype=np.float32)
            for i, person in enumerate(people):
                if person.face is not None:
                    faces[i] = person.face
        return cls(fingers=fingers, finger_present=present, faces=faces, face_present=face_present)
