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


@dataclass(frozen=True, kw_only=True)
class GeneratedPki:
    now: datetime
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
    # The root predates every certificate under it, the expired one included.
    root = make_root_ca("Test Root CA", now=now - timedelta(days=1000), days=5000)
    rogue_root = make_root_ca("Rogue Root CA", now=now)
    nl_ca = make_intermediate_ca(root, "Test NL CA", now=now)

    def signing(issuer: Issued, peer: PeerId, **kwargs: object) -> Issued:
        return issue(issuer, peer=peer, usage=Usage.SIGNING, now=now, **kwargs)  # type: ignore[arg-type]

    revoked = signing(root, NL)
    revoked_client = issue(root, peer=NL, usage=Usage.TLS_CLIENT, now=now)
    return GeneratedPki(
        now=now,
        root=root,
        rogue_root=rogue_root,
        nl=signing(root, NL),
        nl_ec=signing(root, NL, key_type=KeyType.EC),
        nl_next=signing(root, NL, key_type=KeyType.EC),
        nl_via_intermediate=signing(nl_ca, NL),
        fr=signing(root, FR),
        eurodac=signing(root, EURODAC),
        expired=signing(root, NL, not_before=now - timedelta(days=400), days=30),
        revoked=revoked,
        untrusted=signing(rogue_root, NL),
        crl=make_crl(root, [revoked.certificate, revoked_client.certificate], now=now),
        server=issue(
            root,
            peer=GATEWAY,
            usage=Usage.TLS_SERVER,
            now=now,
            dns_names=["localhost"],
            ip_addresses=["127.0.0.1"],
        ),
        client=issue(root, peer=NL, usage=Usage.TLS_CLIENT, now=now, key_type=KeyType.EC),
        rogue_client=issue(rogue_root, peer=NL, usage=Usage.TLS_CLIENT, now=now),
        revoked_client=revoked_client,
        rogue_server=issue(
            rogue_root,
            peer=GATEWAY,
            usage=Usage.TLS_SERVER,
            now=now,
            dns_names=["localhost"],
            ip_addresses=["127.0.0.1"],
        ),
    )
