"""A PKI generated once per test run: CAs, peer certificates, a revocation list.

Nothing here is checked in; each run makes fresh keys, as aiohttp's tests do
with trustme.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from gateway.security.identity import PeerId
from gateway.security.pki import (
    Issued,
    KeyType,
    Usage,
    issue,
    make_crl,
    make_intermediate_ca,
    make_root_ca,
)
from gateway.security.signer import Signer, SigningKey
from gateway.security.trust import TrustStore

NL = PeerId(party="NL", system="dublinet")
FR = PeerId(party="FR", system="dublinet")
EURODAC = PeerId(party="EU", system="eurodac")
GATEWAY = PeerId(party="BE", system="gateway")


# Tests read two clocks: the wall clock (TLS handshakes and OpenSSL's revocation
# check, timestamps of live servers) and fixed clocks of their own, which name the
# date a test is about (none before 2020). One PKI serves both: every certificate
# and the revocation list are valid from VALID_FROM until ten years after the day
# the PKI is made, so the suite passes on any date, a shifted one included.
VALID_FROM = datetime(2020, 1, 1, tzinfo=UTC)
VALID_AFTER_TODAY = timedelta(days=3653)


@dataclass(frozen=True, kw_only=True)
class GeneratedPki:
    now: datetime  # the wall clock when the PKI was made
    valid_from: datetime
    lifetime_days: int
    root: Issued
    rogue_root: Issued  # a CA nobody trusts
    nl: Issued
    nl_ec: Issued
    nl_next: Issued  # NL's next signing key, for rotation
    nl_via_intermediate: Issued
    fr: Issued
    eurodac: Issued
    expired: Issued
    revoked: Issued
    untrusted: Issued
    crl: x509.CertificateRevocationList
    server: Issued  # BE:gateway TLS server on localhost / 127.0.0.1
    client: Issued  # NL:dublinet TLS client
    rogue_client: Issued  # NL:dublinet TLS client under the rogue root
    revoked_client: Issued  # NL:dublinet TLS client on the revocation list
    rogue_server: Issued  # a localhost server under the rogue root

    @property
    def trust(self) -> TrustStore:
        anchors = {party: [self.root.certificate] for party in ("NL", "FR", "EU", "BE")}
        return TrustStore.checked(anchors=anchors, crls=[self.crl])

    def issue(self, issuer: Issued, *, peer: PeerId, usage: Usage, **kwargs: object) -> Issued:
        """A certificate from `issuer`, valid over the whole window of this PKI."""
        options = {"now": self.valid_from, "days": self.lifetime_days, **kwargs}
        return issue(issuer, peer=peer, usage=usage, **options)  # type: ignore[arg-type]

    def signer(self, *issued: Issued, active: int = 0) -> Signer:
        keys = [
            SigningKey(key_id=f"key-{index}", private_key=item.private_key, chain=_chain(item))
            for index, item in enumerate(issued)
        ]
        return Signer(keys, active=f"key-{active}")

    def write_trust_dir(self, directory: Path) -> Path:
        for party in ("NL", "FR", "EU", "BE"):
            (directory / party).mkdir(parents=True)
            (directory / party / "ca.pem").write_bytes(self.root.cert_pem)
            (directory / party / "ca.crl.pem").write_bytes(
                self.crl.public_bytes(serialization.Encoding.PEM)
            )
        return directory


def write_pair(issued: Issued, directory: Path, name: str) -> tuple[Path, Path]:
    """Write `name.cert.pem` (chain) and `name.key.pem`; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / f"{name}.cert.pem", directory / f"{name}.key.pem"
    cert.write_bytes(issued.chain_pem)
    key.write_bytes(issued.key_pem)
    return cert, key


def _chain(issued: Issued) -> tuple[x509.Certificate, ...]:
    return (issued.certificate, *issued.intermediates)


def make_test_pki() -> GeneratedPki:
    now = datetime.now(tz=UTC).replace(microsecond=0)
    start = VALID_FROM
    days = (now + VALID_AFTER_TODAY - start).days
    # Each CA starts an hour before what it certifies (make_root_ca's own margin).
    root = make_root_ca("Test Root CA", now=start, days=days + 1)
    rogue_root = make_root_ca("Rogue Root CA", now=start, days=days + 1)
    nl_ca = make_intermediate_ca(root, "Test NL CA", now=start, days=days)

    def tls(issuer: Issued, peer: PeerId, usage: Usage, **kwargs: object) -> Issued:
        options = {"now": start, "days": days, **kwargs}
        return issue(issuer, peer=peer, usage=usage, **options)  # type: ignore[arg-type]

    def signing(issuer: Issued, peer: PeerId, **kwargs: object) -> Issued:
        return tls(issuer, peer, Usage.SIGNING, **kwargs)

    revoked = signing(root, NL)
    revoked_client = tls(root, NL, Usage.TLS_CLIENT)
    localhost = {"dns_names": ["localhost"], "ip_addresses": ["127.0.0.1"]}
    return GeneratedPki(
        now=now,
        valid_from=start,
        lifetime_days=days,
        root=root,
        rogue_root=rogue_root,
        nl=signing(root, NL),
        nl_ec=signing(root, NL, key_type=KeyType.EC),
        nl_next=signing(root, NL, key_type=KeyType.EC),
        nl_via_intermediate=signing(nl_ca, NL),
        fr=signing(root, FR),
        eurodac=signing(root, EURODAC),
        # Expired long before any date a test is about.
        expired=signing(root, NL, not_before=start + timedelta(days=1), days=30),
        revoked=revoked,
        untrusted=signing(rogue_root, NL),
        crl=make_crl(root, [revoked.certificate, revoked_client.certificate], now=start, days=days),
        server=tls(root, GATEWAY, Usage.TLS_SERVER, **localhost),
        client=tls(root, NL, Usage.TLS_CLIENT, key_type=KeyType.EC),
        rogue_client=tls(rogue_root, NL, Usage.TLS_CLIENT),
        revoked_client=revoked_client,
        rogue_server=tls(rogue_root, GATEWAY, Usage.TLS_SERVER, **localhost),
    )
