"""Biometric comparison behind a protocol, and a simple deterministic matcher.

`ImageCorrelationMatcher` compares the fingerprint images finger by finger:
each image's bytes are reduced to a fixed number of averaged samples and
the two sample vectors are correlated (Pearson). Identical captures score 1,
unrelated ones near 0, and a capture with small changes stays close to 1. It
is a stand-in for a real AFIS, good enough for the synthetic data of tests
and demos; another matcher plugs in through `Matcher`.
"""

from __future__ import annotations

import math
from typing import Protocol

from gateway.domain.biometrics import BiometricSet

__all__ = ["ImageCorrelationMatcher", "Matcher"]


class Matcher(Protocol):
    """Scores how likely two captures are of the same person, from 0 to 1."""

    def score(self, probe: BiometricSet, candidate: BiometricSet) -> float: ...


class ImageCorrelationMatcher:
    """The mean correlation of the downsampled images of the fingers both captures have."""

    def __init__(self, samples: int = 64) -> None:
        if samples < 2:
            raise ValueError("at least two samples per image")
        self._samples = samples

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
