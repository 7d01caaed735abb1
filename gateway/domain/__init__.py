"""The canonical model and the domain rules: pure records and functions, no I/O.

Nothing here imports another layer of the gateway, a framework or a library
that does I/O; an import-linter contract in pyproject.toml keeps it so.
"""

from gateway.domain.application import Application, NationalIdentifiers, Procedure
from gateway.domain.biometrics import (
    BiometricSet,
    FacialImage,
    FingerPosition,
    Fingerprint,
    ImpressionType,
)
from gateway.domain.dates import PartialDate, age_on
from gateway.domain.dublin import (
    DublinRegime,
    DublinReply,
    DublinRequest,
    Evidence,
    EvidenceKind,
    ReplyOutcome,
    RequestType,
    dublin_regime_for,
)
from gateway.domain.eurodac import (
    EurodacTransaction,
    Operation,
    ReferenceNumber,
    Regime,
    categories_for,
    category_rule,
    minimum_age,
    regime_on,
)
from gateway.domain.person import Document, DocumentType, Name, Person, Sex
from gateway.domain.problems import Problem
from gateway.domain.record import CanonicalRecord
from gateway.domain.rules import check_record

__all__ = [
    "Application",
    "BiometricSet",
    "CanonicalRecord",
    "Document",
    "DocumentType",
    "DublinRegime",
    "DublinReply",
    "DublinRequest",
    "EurodacTransaction",
    "Evidence",
    "EvidenceKind",
    "FacialImage",
    "FingerPosition",
    "Fingerprint",
    "ImpressionType",
    "Name",
    "NationalIdentifiers",
    "Operation",
    "PartialDate",
    "Person",
    "Problem",
    "Procedure",
    "ReferenceNumber",
    "Regime",
    "ReplyOutcome",
    "RequestType",
    "Sex",
    "age_on",
    "categories_for",
    "category_rule",
    "check_record",
    "dublin_regime_for",
    "minimum_age",
    "regime_on",
]
