"""TLS contexts and `peer_of` without sockets (the socket tests are in tests/integration)."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from pki import GATEWAY, NL, GeneratedPki, write_pair

from gateway.errors import SecurityError
from gateway.security.tls import client_context, peer_of, server_context
from gateway.security.trust import TrustStore


class FakeSslObject:
    def __init__(self, der: bytes | None) -> None:
        self._der = der

    def getpeercert(self, binary_form: bool = False) -> bytes | None:
        assert binary_form
        return self._der


def test_peer_of_reads_the_san_uri(pki: GeneratedPki) -> None:
    der = pki.client.certificate.public_bytes(serialization.Encoding.DER)
    assert peer_of(FakeSslObject(der), pki.trust) == NL  # type: ignore[arg-type]


def test_peer_of_without_a_certificate(pki: GeneratedPki) -> None:
    with pytest.raises(SecurityError) as caught:
        peer_of(FakeSslObject(None))  # type: ignore[arg-type]
    assert caught.value.code == "GW-TLS-NO-PEER-CERT"


def test_contexts_require_tls_12_and_certificates(pki: GeneratedPki, tmp_path: Path) -> None:
    cert, key = write_pair(pki.server, tmp_path, "server")
    server = server_context(cert_file=cert, key_file=key, trust=pki.trust)
    client = client_context(cert_file=cert, key_file=key, trust=pki.trust, server=GATEWAY)
    for context in (server, client):
        assert context.minimum_version is ssl.TLSVersion.TLSv1_2
        assert context.verify_mode is ssl.CERT_REQUIRED
        assert context.verify_flags & ssl.VERIFY_CRL_CHECK_LEAF
    assert client.check_hostname


def test_a_missing_certificate_file_or_anchor_is_refused(pki: GeneratedPki, tmp_path: Path) -> None:
    with pytest.raises(SecurityError) as missing:
        server_context(cert_file=tmp_path / "no.pem", key_file=tmp_path / "no.key", trust=pki.trust)
    assert missing.value.code == "GW-TLS-CERT"
    cert, key = write_pair(pki.client, tmp_path, "client")
    only_fr = TrustStore.checked(anchors={"FR": [pki.root.certificate]})
    with pytest.raises(SecurityError) as no_anchor:
        client_context(cert_file=cert, key_file=key, trust=only_fr, server=GATEWAY)
    assert no_anchor.value.code == "GW-TLS-NO-ANCHOR"
