"""Generate a small PKI with `cryptography`: CAs, peer certificates, revocation lists.

Used by the tests (a fresh PKI per run, never checked-in secrets) and by
`eugw certs init` for demo material. Nothing here reads the clock: the caller
passes `now`, so the same inputs always describe the same validity windows.
`write_pem_pair` puts a certificate and its key on disk, the key readable by
its owner only from its first byte on.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from gateway.domain.frozen import frozen
from gateway.security.identity import PeerId
from gateway.security.key_types import KeyType

__all__ = [
    "Issued",
    "KeyType",
    "PrivateKey",
    "Usage",
    "issue",
    "key_pem",
    "make_crl",
    "make_intermediate_ca",
    "make_root_ca",
    "new_key",
    "private_directory",
    "write_pem_pair",
    "write_private_key",
]

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class Usage(StrEnum):
    SIGNING = "signing"
    TLS_SERVER = "tls-server"
    TLS_CLIENT = "tls-client"


@frozen
class Issued:
    """A certificate with its private key (and the chain above it, leaf excluded, root excluded)."""

    certificate: x509.Certificate
    private_key: PrivateKey
    intermediates: tuple[x509.Certificate, ...] = ()

    @property
    def cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def chain_pem(self) -> bytes:
        """Leaf first, then the intermediates: what a signature or TLS handshake presents."""
        chain = (self.certificate, *self.intermediates)
        return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in chain)

    @property
    def key_pem(self) -> bytes:
        return key_pem(self.private_key)


def key_pem(private_key: PrivateKey) -> bytes:
    """The key as unencrypted PKCS#8 PEM (demo and test material; real keys live in an HSM)."""
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def private_directory(folder: Path) -> Path:
    """`folder`, made if missing, with mode 0700 (a folder that holds private keys)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)  # it may have been there before, made with a wider mode
    return folder


def write_private_key(path: Path, pem: bytes) -> None:
    """Write a private key that nobody but its owner can read at any moment: a new file is
    made beside `path` with mode 0600 (never existing before: O_EXCL), then renamed over it.
    The folder is made 0700."""
    private_directory(path.parent)
    fresh = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
        fresh.replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            fresh.unlink()
        raise


def write_pem_pair(issued: Issued, folder: Path, name: str) -> tuple[Path, Path]:
    """Write `name.cert.pem` (the chain, leaf first) and `name.key.pem` (mode 0600) into
    `folder` (mode 0700); return their paths."""
    private_directory(folder)
    cert, key = folder / f"{name}.cert.pem", folder / f"{name}.key.pem"
    cert.write_bytes(issued.chain_pem)
    write_private_key(key, issued.key_pem)
    return cert, key


def new_key(key_type: KeyType = KeyType.RSA) -> PrivateKey:
    if key_type is KeyType.EC:
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_root_ca(
    common_name: str,
    *,
    now: datetime,
    days: int = 3650,
    key_type: KeyType = KeyType.RSA,
    organisation: str = "eu-gateway",
) -> Issued:
    """A self-signed root CA valid from one hour before `now` for `days` days."""
    key = new_key(key_type)
    name = _name(common_name, organisation)
    builder = _ca_extensions(_base(name, name, key, now, days), key, issuer_key=key)
    return Issued(certificate=builder.sign(key, hashes.SHA256()), private_key=key)


def make_intermediate_ca(
    issuer: Issued, common_name: str, *, now: datetime, days: int = 1825
) -> Issued:
    """A CA certified by `issuer`, e.g. one CA per member state under a common root."""
    key = new_key(KeyType.RSA)
    name = _name(common_name, "eu-gateway")
    builder = _base(name, issuer.certificate.subject, key, now, days)
    builder = _ca_extensions(builder, key, issuer_key=issuer.private_key)
    return _issued_by(issuer, builder, key)


def issue(
    issuer: Issued,
    *,
    peer: PeerId,
    usage: Usage,
    now: datetime,
    days: int = 365,
    not_before: datetime | None = None,
    key_type: KeyType = KeyType.RSA,
    dns_names: Iterable[str] = (),
    ip_addresses: Iterable[str] = (),
) -> Issued:
    """An end-entity certificate naming `peer` in its SAN URI, for one `usage`."""
    key = new_key(key_type)
    subject = _name(f"{peer} {usage}", f"eu-gateway peer {peer.party}")
    start = not_before or now - timedelta(hours=1)
    builder = _base(subject, issuer.certificate.subject, key, start, days, exact_start=True)
    names: list[x509.GeneralName] = [x509.UniformResourceIdentifier(peer.uri)]
    names += [x509.DNSName(dns) for dns in dns_names]
    names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ip_addresses]
    builder = (
        builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(usage, key_type), critical=True)
        .add_extension(_authority_key_id(issuer.private_key), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if usage is not Usage.SIGNING:
        purpose = (
            ExtendedKeyUsageOID.SERVER_AUTH
            if usage is Usage.TLS_SERVER
            else ExtendedKeyUsageOID.CLIENT_AUTH
        )
        builder = builder.add_extension(x509.ExtendedKeyUsage([purpose]), critical=False)
    return _issued_by(issuer, builder, key)


def _issued_by(issuer: Issued, builder: x509.CertificateBuilder, key: PrivateKey) -> Issued:
    """The certificate `builder` describes, signed by `issuer`, with its key and the chain."""
    return Issued(
        certificate=builder.sign(issuer.private_key, hashes.SHA256()),
        private_key=key,
        intermediates=_chain_below_root(issuer),
    )


def make_crl(
    issuer: Issued,
    revoked: Iterable[x509.Certificate],
    *,
    now: datetime,
    days: int = 30,
) -> x509.CertificateRevocationList:
    """A revocation list signed by `issuer`, listing `revoked` as of `now`."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.certificate.subject)
        .last_update(now - timedelta(minutes=5))
        .next_update(now + timedelta(days=days))
        .add_extension(_authority_key_id(issuer.private_key), critical=False)
        .add_extension(x509.CRLNumber(1), critical=False)
    )
    for certificate in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(certificate.serial_number)
            .revocation_date(now - timedelta(minutes=5))
            .build()
        )
    return builder.sign(issuer.private_key, hashes.SHA256())


def _base(
    subject: x509.Name,
    issuer: x509.Name,
    key: PrivateKey,
    start: datetime,
    days: int,
    *,
    exact_start: bool = False,
) -> x509.CertificateBuilder:
    not_before = start if exact_start else start - timedelta(hours=1)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + timedelta(days=days))
    )


def _ca_extensions(
    builder: x509.CertificateBuilder, key: PrivateKey, *, issuer_key: PrivateKey
) -> x509.CertificateBuilder:
    usage = _allowing(digital_signature=True, key_cert_sign=True, crl_sign=True)
    return (
        builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(_authority_key_id(issuer_key), critical=False)
    )


def _chain_below_root(issuer: Issued) -> tuple[x509.Certificate, ...]:
    """The issuer and its own intermediates, without the self-signed root (which peers hold)."""
    if issuer.certificate.subject == issuer.certificate.issuer:
        return ()
    return (issuer.certificate, *issuer.intermediates)


def _authority_key_id(issuer_key: PrivateKey) -> x509.AuthorityKeyIdentifier:
    return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key())


def _key_usage(usage: Usage, key_type: KeyType) -> x509.KeyUsage:
    # RSA TLS keys may need key encipherment (TLS 1.2 RSA key exchange); signing keys never.
    encipher = usage is not Usage.SIGNING and key_type is KeyType.RSA
    return _allowing(
        digital_signature=True, content_commitment=usage is Usage.SIGNING, key_encipherment=encipher
    )


_KEY_USAGES = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
    "encipher_only",
    "decipher_only",
)


def _allowing(**allowed: bool) -> x509.KeyUsage:
    """A key usage extension that allows what `allowed` names as true, and nothing else."""
    return x509.KeyUsage(**(dict.fromkeys(_KEY_USAGES, False) | allowed))
