"""Peer identities in certificates, and the trust store on disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from pki import EURODAC, NL, GeneratedPki

from gateway.errors import SecurityError
from gateway.security.identity import PeerId, peer_ids_of, peer_of_certificate
from gateway.security.pki import make_crl
from gateway.security.trust import TrustStore


def test_a_peer_id_reads_and_prints_as_party_and_system() -> None:
    peer = PeerId.parse("NL:dublinet")
    assert peer == NL
    assert str(peer) == "NL:dublinet"
    assert peer.uri == "urn:eu-gateway:peer:NL:dublinet"


@pytest.mark.parametrize("text", ["NL", "nl:dublinet", "NLD:dublinet", "NL:", "NL:Dubli Net"])
def test_a_malformed_peer_id_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a peer id"):
        PeerId.parse(text)


def test_the_certificate_names_its_peer(pki: GeneratedPki) -> None:
    assert peer_of_certificate(pki.eurodac.certificate) == EURODAC
    assert peer_ids_of(pki.nl.certificate) == [NL]


def test_a_ca_certificate_names_no_peer(pki: GeneratedPki) -> None:
    assert peer_ids_of(pki.root.certificate) == []
    with pytest.raises(SecurityError) as caught:
        peer_of_certificate(pki.root.certificate)
    assert caught.value.code == "GW-PKI-NO-PEER-ID"


def test_the_trust_store_reads_a_directory(pki: GeneratedPki, tmp_path: Path) -> None:
    store = TrustStore.from_directory(pki.write_trust_dir(tmp_path / "trust"))
    assert store.anchors_for("NL") == (pki.root.certificate,)
    assert store.anchors_for("DE") == ()
    assert store.is_revoked(pki.revoked.certificate)
    assert not store.is_revoked(pki.nl.certificate)


def test_anchors_for_any_party(pki: GeneratedPki) -> None:
    store = TrustStore.for_any_party([pki.root.certificate])
    assert store.anchors_for("DE") == (pki.root.certificate,)


def test_an_empty_trust_store_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SecurityError) as caught:
        TrustStore.from_directory(tmp_path)
    assert caught.value.code == "GW-PKI-TRUST-STORE"


def test_a_revocation_list_not_signed_by_an_anchor_is_refused(pki: GeneratedPki) -> None:
    forged = make_crl(pki.rogue_root, [pki.nl.certificate], now=pki.now)
    with pytest.raises(SecurityError) as caught:
        TrustStore.checked(anchors={"NL": [pki.root.certificate]}, crls=[forged])
    assert caught.value.code == "GW-PKI-CRL-INVALID"


def test_an_unreadable_pem_file_is_refused(tmp_path: Path, pki: GeneratedPki) -> None:
    (tmp_path / "NL").mkdir()
    (tmp_path / "NL" / "ca.pem").write_bytes(
        pki.root.cert_pem.replace(b"MII", b"XXX") + pki.crl.public_bytes(serialization.Encoding.PEM)
    )
    with pytest.raises(SecurityError) as caught:
        TrustStore.from_directory(tmp_path)
    assert caught.value.code == "GW-PKI-PEM"
