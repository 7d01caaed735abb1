"""Biometric comparison behind a protocol: the synthetic-template matcher, and a plain one.

`SyntheticMatcher` (the default) searches with `gateway.synthetic.biometrics`: the
templates of the images the sample generator makes, compared finger by
finger (the face when no finger is common) against the thresholds of that
package; a stored data set's templates are extracted once and kept by the
digest of its images. `ImageCorrelationMatcher` needs no particular image
kind: it correlates each finger's image bytes reduced to a fixed number of
averaged samples (identical captures score 1, unrelated ones near 0). A
real AFIS plugs in through `Matcher`.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import Protocol

from gateway.domain.biometrics import BiometricSet
from gateway.errors import InputError
from gateway.synthetic.biometrics import Gallery, PersonTemplates, templates_of

__all__ = ["ImageCorrelationMatcher", "Matcher", "SyntheticMatcher"]


class Matcher(Protocol):
    """Finds which candidates are of the probe's person."""

    def search(
        self, probe: BiometricSet, candidates: Sequence[tuple[str, BiometricSet]]
    ) -> list[str]:
        """The keys of the matching candidates, best first. An `InputError` when the
        probe's images cannot be compared at all."""
        ...


class SyntheticMatcher:
    """Templates and gallery search of `gateway.synthetic.biometrics`."""

    def __init__(self) -> None:
        self._templates: dict[bytes, PersonTemplates | None] = {}

    def search(
        self, probe: BiometricSet, candidates: Sequence[tuple[str, BiometricSet]]
    ) -> list[str]:
        gallery = Gallery()
        for key, biometrics in candidates:
            templates = self._stored(biometrics)
            if templates is not None:  # a data set no template can be made of matches nothing
                gallery.enrol(key, templates)
        return [candidate.key for candidate in gallery.search(templates_of(probe))]

    def _stored(self, biometrics: BiometricSet) -> PersonTemplates | None:
        digest = _digest(biometrics)
        if digest not in self._templates:
            try:
                self._templates[digest] = templates_of(biometrics)
            except InputError:
                self._templates[digest] = None
        return self._templates[digest]


def _digest(biometrics: BiometricSet) -> bytes:
    hashed = hashlib.sha256()
    for finger in biometrics.fingerprints:
        hashed.update(bytes([int(finger.position)]) + hashlib.sha256(finger.image).digest())
    if biometrics.face is not None:
        hashed.update(b"face" + hashlib.sha256(biometrics.face.image).digest())
    return hashed.digest()


class ImageCorrelationMatcher:
    """The mean correlation of the downsampled images of the fingers both captures have."""

    def __init__(self, *, threshold: float = 0.9, samples: int = 64) -> None:
        if samples < 2 or not 0 < threshold <= 1:
            raise ValueError("at least two samples, and a threshold in (0, 1]")
        self._samples = samples
        self._threshold = threshold

    def search(
        self, probe: BiometricSet, candidates: Sequence[tuple[str, BiometricSet]]
    ) -> list[str]:
        scored = [(self.score(probe, biometrics), key) for key, biometrics in candidates]
        return [key for score, key in sorted(scored, reverse=True) if score >= self._threshold]

    def score(self, probe: BiometricSet, candidate: BiometricSet) -> float:
        theirs = {
            finger.position: finger.image for finger in candidate.fingerprints if finger.image
        }
        scores = [
            self._similarity(finger.image, theirs[finger.position])
            for finger in probe.fingerprints
            if finger.image and finger.position in theirs
        ]
        return sum(scores) / len(scores) if scores else 0.0

    def _similarity(self, left: bytes, right: bytes) -> float:
        if left == right:
            return 1.0
        a, b = self._downsample(left), self._downsample(right)
        mean_a, mean_b = sum(a) / len(a), sum(b) / len(b)
        da = [x - mean_a for x in a]
        db = [y - mean_b for y in b]
        norm = math.sqrt(sum(x * x for x in da) * sum(y * y for y in db))
        if norm == 0:
            return 0.0  # a flat image matches nothing but itself
        return max(0.0, sum(x * y for x, y in zip(da, db, strict=True)) / norm)

    def _downsample(self, image: bytes) -> list[float]:
        size = len(image)
        bins = min(self._samples, size)
        samples = []
        for index in range(bins):
            chunk = image[index * size // bins : (index + 1) * size // bins]
            samples.append(sum(chunk) / len(chunk))
        if bins < self._samples:  # tiny images: repeat to a fixed length
            samples = [samples[i * bins // self._samples] for i in range(self._samples)]
        return samples
