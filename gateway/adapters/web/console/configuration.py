"""What the gateway is configured with, for people: the trust store it verifies against (its
CAs per party and their revocation lists)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from gateway.adapters.web.console.access import page, render
from gateway.adapters.web.keys import SERVICES
from gateway.broker.access import Permission
from gateway.security.trust import TrustStore

__all__ = ["Anchor", "RevocationList", "anchors_of", "revocation_lists", "trust"]

WARNING_DAYS = 30  # a certificate this close to its end is shown as expiring


@dataclass(frozen=True, kw_only=True, slots=True)
class Anchor:
    party: str
    subject: str
    serial: str
    fingerprint: str  # SHA-256, hex
    expires: datetime
    days_left: int


@dataclass(frozen=True, kw_only=True, slots=True)
class RevocationList:
    issuer: str
    parties: tuple[str, ...]  # those whose CA issued it
    last_update: datetime
    next_update: datetime | None
    stale: bool  # past its next update: a fresher list should have been fetched
    revoked: tuple[tuple[str, datetime], ...]  # serial (hex) and date of each revocation


def anchors_of(trust: TrustStore, now: datetime) -> list[Anchor]:
    """Every CA the gateway trusts, per party, the soonest to expire first."""
    rows = [
        Anchor(
            party=party,
            subject=certificate.subject.rfc4514_string(),
            serial=f"{certificate.serial_number:x}",
            fingerprint=certificate.fingerprint(hashes.SHA256()).hex(),
            expires=certificate.not_valid_after_utc,
            days_left=(certificate.not_valid_after_utc - now).days,
        )
        for party, certificates in trust.anchors.items()
        for certificate in certificates
    ]
    return sorted(rows, key=lambda row: (row.expires, row.party))


def revocation_lists(trust: TrustStore, now: datetime) -> list[RevocationList]:
    """The revocation lists the trust store checks certificates against."""
    return [_list(crl, trust, now) for crl in trust.crls]


def _list(crl: x509.CertificateRevocationList, trust: TrustStore, now: datetime) -> RevocationList:
    parties = tuple(
        sorted(
            party
            for party, certificates in trust.anchors.items()
            if any(certificate.subject == crl.issuer for certificate in certificates)
        )
    )
    following = crl.next_update_utc
    return RevocationList(
        issuer=crl.issuer.rfc4514_string(),
        parties=parties,
        last_update=crl.last_update_utc,
        next_update=following,
        stale=following is not None and following < now,
        revoked=tuple((f"{entry.serial_number:x}", entry.revocation_date_utc) for entry in crl),
    )


@page(Permission.READ_CONFIGURATION)
async def trust(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    now = services.clock.now()
    return render(
        request,
        "trust.html",
        {
            "anchors": anchors_of(services.trust, now),
            "lists": revocation_lists(services.trust, now),
            "warning_days": WARNING_DAYS,
            "directory": services.settings.trust_dir,
        },
    )
