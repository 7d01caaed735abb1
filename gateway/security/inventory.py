"""What certificates lie in a directory, whom they name, and how long they have left.

Operators must see expiring certificates early (signing keys, TLS, trust
anchors): `eugw certs list` prints this, and a status page can show it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from cryptography import x509

from gateway.domain.frozen import frozen
from gateway.security.identity import peer_ids_of
from gateway.security.trust import load_pem_objects

__all__ = ["CertificateRow", "list_certificates"]


@frozen
class CertificateRow:
    file: str  # relative to the directory listed
    subject: str
    peer: str  # "NL:dublinet", "(CA)" or "(none)"
    expires: datetime
    days_left: int  # negative once expired

    @property
    def expired(self) -> bool:
        return self.days_left < 0


def list_certificates(directory: Path, now: datetime) -> list[CertificateRow]:
    """Every certificate in `directory/**/*.pem`, the soonest to expire first."""
    rows: list[CertificateRow] = []
    for pem_file in sorted(directory.rglob("*.pem")):
        certificates, _ = load_pem_objects(pem_file)
        rows.extend(_row(pem_file.relative_to(directory), cert, now) for cert in certificates)
    return sorted(rows, key=lambda row: (row.expires, row.file))


def _row(file: Path, certificate: x509.Certificate, now: datetime) -> CertificateRow:
    peers = peer_ids_of(certificate)
    is_ca = certificate.subject == certificate.issuer
    expires = certificate.not_valid_after_utc
    return CertificateRow(
        file=str(file),
        subject=certificate.subject.rfc4514_string(),
        peer=", ".join(str(peer) for peer in peers) or ("(CA)" if is_ca else "(none)"),
        expires=expires,
        days_left=(expires - now).days,
    )
