"""API tokens and roles: who may call which endpoint.

A token is shown once, when it is made; the store keeps only its SHA-256
digest, so a copy of the database does not hand out working tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = ["ApiToken", "Role", "digest_of", "new_token"]

_PREFIX = "eugw_"


class Role(StrEnum):
    SUBMITTER = "submitter"  # national systems: submit records, read their own results
    OPERATOR = "operator"  # watch queues, resend, release dead letters, verify hits
    TESTER = "tester"  # drive the simulators
    AUDITOR = "auditor"  # read the audit trail and messages, change nothing
    ADMIN = "admin"  # everything, and tokens


@dataclass(frozen=True, kw_only=True, slots=True)
class ApiToken:
    token_id: str
    name: str  # the system or person it was made for, e.g. "evibel"
    roles: frozenset[Role]
    digest: str
    created_at: datetime
    revoked_at: datetime | None = None

    def allows(self, role: Role) -> bool:
        return self.revoked_at is None and (role in self.roles or Role.ADMIN in self.roles)


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token(*, name: str, roles: frozenset[Role], now: datetime) -> tuple[ApiToken, str]:
    """A new token record and its secret (to show once, never stored)."""
    token_id = secrets.token_hex(4)
    secret = f"{_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        token_id=token_id, name=name, roles=roles, digest=digest_of(secret), created_at=now
    )
    return token, secret
