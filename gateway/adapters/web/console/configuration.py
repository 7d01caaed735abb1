"""What the gateway is configured with, for people: the trust store it verifies against (its
CAs per party and their revocation lists), its peers (where each listens, its circuit, queue
and certificates, the retry policy) and its settings (secrets hidden). What needs attention
is in `alerts`."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from gateway.adapters.web.console.access import page, render
from gateway.adapters.web.keys import SERVICES
from gateway.broker.access import Permission
from gateway.broker.breaker import CircuitState
from gateway.domain.frozen import frozen
from gateway.security.trust import TrustStore
from gateway.settings import ENV_PREFIX, Settings

__all__ = [
    "Anchor",
    "PeerView",
    "RevocationList",
    "anchors_of",
    "peers",
    "peers_page",
    "revocation_lists",
    "settings_page",
    "shown_settings",
    "trust",
]


@frozen
class Anchor:
    party: str
    subject: str
    serial: str
    fingerprint: str  # SHA-256, hex
    expires: datetime
    days_left: int


@frozen
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
            "warning_days": services.settings.certificate_alert_days,
            "directory": services.settings.trust_dir,
        },
    )


# -- peers -----------------------------------------------------------------------------------


@frozen
class PeerView:
    peer: str
    endpoint: str | None  # None: the transport has no address book (tests, fakes)
    circuit: str
    failures: int
    opened_at: datetime | None
    retry_in_seconds: int | None  # an open circuit lets a trial through after this long
    counts: dict[str, int]  # messages per state
    oldest_waiting: datetime | None
    anchors: list[Anchor]  # the CAs trusted for the peer's party
    lists: list[RevocationList]  # their revocation lists


@page(Permission.READ_CONFIGURATION)
async def peers(request: web.Request) -> web.Response:
    """Every peer: where it listens, its circuit, its queue, the certificates it is checked
    against (with their expiry) and their revocation lists; the retry policy over them."""
    return await peers_page(request)


async def peers_page(request: web.Request, *, status: int = 200, **shown: object) -> web.Response:
    """The peers page, with what an action on it gives to show (`shown`: the template's
    `check` and `problem`)."""
    services = request.app[SERVICES]
    now = services.clock.now()
    dispatcher = services.dispatcher
    routes: dict[str, Any] = getattr(dispatcher.transport, "routes", {})
    counts = await services.store.counts()
    oldest = await services.store.oldest_waiting()
    anchors = anchors_of(services.trust, now)
    lists = revocation_lists(services.trust, now)
    views = []
    for peer, circuit in sorted(dispatcher.circuits.items()):
        party = peer.split(":", 1)[0]
        state = circuit.state
        opened = state.state is CircuitState.OPEN
        route = routes.get(peer)
        views.append(
            PeerView(
                peer=peer,
                endpoint=getattr(route, "url", None),
                circuit=state.state.value,
                failures=state.failures,
                opened_at=state.opened_at,
                retry_in_seconds=round(circuit.retry_in(now).total_seconds()) if opened else None,
                counts={s.value: n for (p, s), n in sorted(counts.items()) if p == peer},
                oldest_waiting=oldest.get(peer),
                anchors=[anchor for anchor in anchors if anchor.party == party],
                lists=[crl for crl in lists if party in crl.parties],
            )
        )
    policy = dispatcher.policy
    return render(
        request,
        "peers.html",
        {
            "peers": views,
            "retry": policy.retry,
            "breaker": policy.breaker,
            "lease": policy.lease,
            "warning_days": services.settings.certificate_alert_days,
            "check": None,
            "problem": None,
            **shown,
        },
        status=status,
    )


# -- settings --------------------------------------------------------------------------------

# Settings whose value is a secret (key material, a bearer token); a path to a key file or
# the id of a key is not one.
_SECRET = re.compile(r"(^body_keys|token|secret|password)$")
HIDDEN = "(set, hidden)"


def shown_settings(settings: Settings) -> list[tuple[str, str, str]]:
    """Each setting as (name, variable, value shown), secrets hidden: key material, tokens,
    webhooks' secrets and a database URL's password never reach the page."""
    rows = []
    for item in dataclasses.fields(settings):
        value = getattr(settings, item.name)
        rows.append((item.name, f"{ENV_PREFIX}{item.name.upper()}", _shown(item.name, value)))
    return rows


def _shown(name: str, value: object) -> str:
    text = "" if value is None else str(value)
    if not text:
        return "(empty)"
    if _SECRET.search(name):
        return HIDDEN
    if name == "webhooks":  # submitter=https://host/path;secret,...
        return ",".join(item.split(";", 1)[0] + ";" + HIDDEN for item in text.split(","))
    if name == "database_url":
        parts = urlsplit(text)
        if parts.password:
            host = parts.netloc.rsplit("@", 1)[-1]
            user = parts.username or ""
            return urlunsplit(parts._replace(netloc=f"{user}:{HIDDEN}@{host}"))
    return text


@page(Permission.READ_CONFIGURATION)
async def settings_page(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    return render(request, "settings.html", {"settings": shown_settings(services.settings)})
