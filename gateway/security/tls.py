"""SSL contexts for mutual TLS, and which peer is on the other end of a connection.

Both directions present a certificate and verify the other's against the
trust store; TLS 1.2 is the floor. When the store holds revocation lists,
TLS also checks the peer certificate against them, and then needs the list of
every CA that issues peer certificates.
"""

from __future__ import annotations

import ssl
import tempfile
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from gateway.errors import SecurityError
from gateway.security.identity import PeerId, peer_of_certificate
from gateway.security.trust import TrustStore

__all__ = ["client_context", "peer_of", "server_context"]


def server_context(*, cert_file: Path, key_file: Path, trust: TrustStore) -> ssl.SSLContext:
    """A server context that requires a client certificate chaining to an anchor of `trust`."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.verify_mode = ssl.CERT_REQUIRED
    _configure(context, cert_file, key_file, trust.all_anchors(), trust)
    return context


def client_context(
    *, cert_file: Path, key_file: Path, trust: TrustStore, server: PeerId | None = None
) -> ssl.SSLContext:
    """A client context presenting our certificate; the server must chain to an anchor of
    `server`'s party (of any party when None) and match the host name it is reached by."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    anchors = trust.anchors_for(server.party) if server else trust.all_anchors()
    _configure(context, cert_file, key_file, anchors, trust)
    return context


def peer_of(ssl_object: ssl.SSLObject | ssl.SSLSocket, trust: TrustStore | None = None) -> PeerId:
    """The peer named by the certificate the other side presented.

    With `trust`, also check that the certificate was issued directly by an
    anchor of the party it names: the TLS handshake only proved it chains to
    some anchor of the store.
    """
    der = ssl_object.getpeercert(binary_form=True)
    if not der:
        raise SecurityError("GW-TLS-NO-PEER-CERT", "the other side presented no certificate")
    certificate, peer = _named_peer(der)
    if trust is not None and not _issued_by_any(certificate, trust.anchors_for(peer.party)):
        raise SecurityError(
            "GW-TLS-UNTRUSTED-PARTY",
            f"the certificate names {peer} but is not issued by a CA trusted for {peer.party}",
            certificate.subject.rfc4514_string(),
        )
    return peer


@lru_cache(maxsize=256)
def _named_peer(der: bytes) -> tuple[x509.Certificate, PeerId]:
    # Each request on a kept-alive connection presents the same few certificates.
    certificate = x509.load_der_x509_certificate(der)
    return certificate, peer_of_certificate(certificate)


def _issued_by_any(certificate: x509.Certificate, anchors: tuple[x509.Certificate, ...]) -> bool:
    return any(_issued_by(certificate, anchor) for anchor in anchors)


def _issued_by(certificate: x509.Certificate, anchor: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(anchor)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _configure(
    context: ssl.SSLContext,
    cert_file: Path,
    key_file: Path,
    anchors: tuple[x509.Certificate, ...],
    trust: TrustStore,
) -> None:
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if not anchors:
        raise SecurityError("GW-TLS-NO-ANCHOR", "the trust store has no CA for this peer")
    try:
        context.load_cert_chain(certfile=cert_file, keyfile=key_file)
    except (OSError, ssl.SSLError) as error:
        raise SecurityError(
            "GW-TLS-CERT", f"cannot load the TLS certificate and key: {error}", str(cert_file)
        ) from None
    pem = b"".join(anchor.public_bytes(serialization.Encoding.PEM) for anchor in anchors)
    context.load_verify_locations(cadata=pem.decode("ascii"))
    if trust.crls:
        # OpenSSL reads revocation lists only from files, not from memory.
        with tempfile.NamedTemporaryFile(suffix=".crl.pem") as crl_file:
            for crl in trust.crls:
                crl_file.write(crl.public_bytes(serialization.Encoding.PEM))
            crl_file.flush()
            context.load_verify_locations(cafile=crl_file.name)
        context.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
