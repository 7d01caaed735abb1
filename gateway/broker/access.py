"""API tokens, roles and what each role may do: who may call which endpoint or console page.

`GRANTS` is the one table of the roles' permissions. Every API route states the permission
it needs (`gateway.adapters.web.auth.requires`), every console page and action too
(`gateway.adapters.web.console.access.page`), and both ask the token with `may`.

A token is shown once, when it is made; the store keeps only its SHA-256
digest, so a copy of the database does not hand out working tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from enum import StrEnum

from gateway.domain.frozen import frozen

__all__ = ["GRANTS", "ApiToken", "Permission", "Role", "digest_of", "new_token", "roles_with"]

_PREFIX = "eugw_"


class Role(StrEnum):
    SUBMITTER = "submitter"  # national systems: submit records, read their own results
    OPERATOR = "operator"  # watch queues, resend, release dead letters, verify hits, cases
    TESTER = "tester"  # drive the simulators
    AUDITOR = "auditor"  # read everything, change nothing
    ADMIN = "admin"  # everything, and tokens


class Permission(StrEnum):
    SUBMIT = "submit"  # submit records and batches, read one's own results
    READ_SUBMISSIONS = "read_submissions"  # submissions and batches: one's own, or all
    SEE_QUEUES = "see_queues"  # counts per peer and state, circuits (no message contents)
    READ_MESSAGES = "read_messages"  # messages both ways, their XML and timelines
    ACT_ON_MESSAGES = "act_on_messages"  # resend, release, retry, cancel
    READ_TRACKING = "read_tracking"  # hits (without their data), cases, deadlines
    READ_HIT_DATA = "read_hit_data"  # a hit's matched personal data, for the expert
    ACT_ON_TRACKING = "act_on_tracking"  # verdicts on hits, case events, replies, messages
    READ_AUDIT = "read_audit"  # the audit trail
    READ_CONFIGURATION = "read_configuration"  # peers, settings, certificates, trust, alerts
    TEST_PEERS = "test_peers"  # a TLS handshake and a request to a peer's endpoint
    DRIVE_SIMULATORS = "drive_simulators"  # the simulators' faults
    MANAGE_TOKENS = "manage_tokens"  # make and revoke tokens


P = Permission
_READ_ALL = frozenset(
    {P.READ_SUBMISSIONS, P.SEE_QUEUES, P.READ_MESSAGES, P.READ_TRACKING, P.READ_AUDIT,
     P.READ_CONFIGURATION}
)  # fmt: skip

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.SUBMITTER: frozenset({P.SUBMIT, P.READ_SUBMISSIONS}),  # its own only
    Role.OPERATOR: _READ_ALL
    | {P.ACT_ON_MESSAGES, P.READ_HIT_DATA, P.ACT_ON_TRACKING, P.TEST_PEERS},
    Role.AUDITOR: _READ_ALL,  # sees everything but personal data, changes nothing
    Role.TESTER: frozenset({P.SEE_QUEUES, P.DRIVE_SIMULATORS}),
    Role.ADMIN: frozenset(Permission),
}
"""What each role may do; a token may what any of its roles may."""


def roles_with(permission: Permission) -> tuple[Role, ...]:
    """The roles that grant `permission` (for the API description and refusals)."""
    return tuple(role for role in Role if permission in GRANTS[role])


@frozen
class ApiToken:
    token_id: str
    name: str  # the system or person it was made for, e.g. "evibel"
    roles: frozenset[Role]
    digest: str
    created_at: datetime
    revoked_at: datetime | None = None

    def allows(self, role: Role) -> bool:
        """The token has `role` (or is an admin's)."""
        return self.revoked_at is None and (role in self.roles or Role.ADMIN in self.roles)

    def may(self, permission: Permission) -> bool:
        """One of the token's roles grants `permission` (`GRANTS`)."""
        return self.revoked_at is None and any(permission in GRANTS[role] for role in self.roles)


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
