"""Fixtures shared by every test tier."""

from __future__ import annotations

from pathlib import Path

import pytest
from pki import GeneratedPki, make_test_pki

PROJECT = Path(__file__).resolve().parent.parent
CANONICAL_SAMPLES = PROJECT / "mappings" / "samples" / "canonical"


@pytest.fixture
def canonical_samples() -> Path:
    return CANONICAL_SAMPLES


@pytest.fixture(scope="session")
def pki() -> GeneratedPki:
    """A fresh PKI for this test run (keys are never checked in)."""
    return make_test_pki()
