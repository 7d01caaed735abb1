"""The canonical record: what every national source is mapped to."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.domain.application import Application
from gateway.domain.biometrics import BiometricSet
from gateway.domain.eurodac import EurodacTransaction
from gateway.domain.person import Person

__all__ = ["CanonicalRecord"]


@dataclass(frozen=True, kw_only=True, slots=True)
class CanonicalRecord:
    """One person, their application, their biometrics and the transaction asked for."""

    person: Person
    application: Application | None = None
    biometrics: BiometricSet | None = None
    transaction: EurodacTransaction | None = None
