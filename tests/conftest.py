"""Fixtures shared by every test tier."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
CANONICAL_SAMPLES = PROJECT / "mappings" / "samples" / "canonical"


@pytest.fixture
def canonical_samples() -> Path:
    return CANONICAL_SAMPLES
