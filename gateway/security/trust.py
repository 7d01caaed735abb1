"""The trust store: which CAs the gateway trusts for which party, and what they revoked.

On disk, `trust_dir/<PARTY>/` holds PEM files of the CA certificates trusted
for that party (`EU` for the central systems, `NL`, `FR`... for member
states) and the revocation lists (CRLs) those CAs publish. A CA trusted for
NL does not vouch for FR: a certificate is checked only against the anchors
of the party it claims. The directory `*` holds anchors trusted for every party.
A CRL is used only when its signature checks out against a CA of the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from gateway.domain.frozen import frozen
from gateway.errors import SecurityError

__all__ = ["ANY_PARTY", "TrustStore", "load_pem_objects"]

ANY_PARTY = "*"


@frozen
class TrustStore:
    """Trust anchors per party, and the revocation lists those anchors signed."""

    anchors: Mapping[str, tuple[x509.Certificate, ...]]
    crls: tuple[x509.CertificateRevocationList, ...] = ()
    _revoked: frozenset[tuple[bytes, int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        revoked: set[tuple[bytes, int]] = set()
        for crl in self.crls:
            issuer = crl.issuer.public_bytes()
            revoked.update((issuer, entry.serial_number) for entry in crl)
        object.__setattr__(self, "_revoked", frozenset(revoked))

    @classmethod
    def for_any_party(
        cls,
        anchors: Iterable[x509.Certificate],
        crls: Iterable[x509.CertificateRevocationList] = (),
    ) -> TrustStore:
        """One set of anchors trusted for every party (`eugw message verify --trust CA.pem`)."""
        return cls.checked(anchors={ANY_PARTY: tuple(anchors)}, crls=crls)

    @classmethod
    def checked(
        cls,
        *,
        anchors: Mapping[str, Iterable[x509.Certificate]],
        crls: Iterable[x509.CertificateRevocationList] = (),
        source: str = "",
    ) -> TrustStore:
        """A store whose CRLs are each verified against a CA of the store, or GW-PKI-CRL-INVALID."""
        frozen = {party: tuple(certs) for party, certs in anchors.items()}
        return cls(anchors=frozen, crls=tuple(_check_crls(frozen, crls, source)))

    @classmethod
    def from_directory(cls, directory: Path) -> TrustStore:
        """Read `directory/<PARTY>/*.pem`; GW-PKI-TRUST-STORE when it holds no anchor at all."""
        anchors: dict[str, list[x509.Certificate]] = {}
        crls: list[x509.CertificateRevocationList] = []
        party_dirs = (
            sorted(p for p in directory.iterdir() if p.is_dir()) if directory.is_dir() else []
        )
        for party_dir in party_dirs:
            for pem_file in sorted(party_dir.glob("*.pem")):
                certificates, lists = load_pem_objects(pem_file)
                anchors.setdefault(party_dir.name, []).extend(certificates)
                crls.extend(lists)
        if not any(anchors.values()):
            raise SecurityError(
                "GW-PKI-TRUST-STORE",
                "the trust store holds no CA certificate (expected PARTY/*.pem files)",
                str(directory),
            )
        return cls.checked(anchors=anchors, crls=crls, source=str(directory))

    def anchors_for(self, party: str) -> tuple[x509.Certificate, ...]:
        return self.anchors.get(party, ()) + self.anchors.get(ANY_PARTY, ())

    def all_anchors(self) -> tuple[x509.Certificate, ...]:
        unique = {
            cert.fingerprint(hashes.SHA256()): cert
            for certs in self.anchors.values()
            for cert in certs
        }
        return tuple(unique.values())

    def is_revoked(self, certificate: x509.Certificate) -> bool:
        """Whether a CRL of the store lists the certificate (by issuer name and serial number)."""
        return (certificate.issuer.public_bytes(), certificate.serial_number) in self._revoked


def load_pem_objects(
    path: Path,
) -> tuple[list[x509.Certificate], list[x509.CertificateRevocationList]]:
    """The certificates and CRLs of a PEM file, or GW-PKI-PEM when it cannot be read."""
    try:
        data = path.read_bytes()
        certificates = (
            x509.load_pem_x509_certificates(data) if b"-----BEGIN CERTIFICATE-----" in data else []
        )
        crls = [x509.load_pem_x509_crl(block) for block in _pem_blocks(data, b"X509 CRL")]
    except (OSError, ValueError) as error:
        raise SecurityError(
            "GW-PKI-PEM", f"cannot read certificates or CRLs: {error}", str(path)
        ) from None
    return certificates, crls


def _pem_blocks(data: bytes, label: bytes) -> list[bytes]:
    begin, end = b"-----BEGIN " + label + b"-----", b"-----END " + label + b"-----"
    blocks = []
    start = data.find(begin)
    while start != -1:
        stop = data.find(end, start)
        if stop == -1:
            raise ValueError(f"unterminated {label.decode()} block")
        blocks.append(data[start : stop + len(end)])
        start = data.find(begin, stop)
    return blocks


def _check_crls(
    anchors: Mapping[str, tuple[x509.Certificate, ...]],
    crls: Iterable[x509.CertificateRevocationList],
    source: str,
) -> Iterable[x509.CertificateRevocationList]:
    issuers = [cert for certs in anchors.values() for cert in certs]
    for crl in crls:
        signed_by_anchor = any(
            issuer.subject == crl.issuer and crl.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
            for issuer in issuers
        )
        if not signed_by_anchor:
            raise SecurityError(
                "GW-PKI-CRL-INVALID",
                f"the revocation list of {crl.issuer.rfc4514_string()} is not signed by a CA "
                "of the trust store",
                source,
            )
        yield crl
