"""The demo PKI, the security settings, and `eugw certs` / `eugw message sign|verify`."""

from __future__ import annotations

import os
import shutil
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from eugw_process import run_eugw as eugw
from lxml import etree
from pki import NL, GeneratedPki, write_pair

from gateway.errors import ConfigError, SecurityError
from gateway.security.configured import signer_from, verifier_from
from gateway.security.demo import why_make_demo_pki, write_demo_pki
from gateway.security.identity import PeerId
from gateway.security.inventory import list_certificates
from gateway.security.trust import TrustStore, load_pem_objects
from gateway.settings import Settings

MESSAGE = b'<m:Message xmlns:m="urn:eu-gateway:test"><m:Body>hello</m:Body></m:Message>'
BE = PeerId(party="BE", system="gateway")
_PEERS = [
    ("EU", "eurodac"),
    ("NL", "dublinet"),
    ("FR", "dublinet"),
    ("DE", "dublinet"),
    ("IT", "dublinet"),
]
_USES = ("signing", "tls-server", "tls-client")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("demo")
    write_demo_pki(directory)
    return directory


def test_the_demo_pki_is_labelled_and_complete(demo: Path) -> None:
    assert "DEMO ONLY" in (demo / "README.txt").read_text(encoding="utf-8")
    rows = list_certificates(demo, datetime.now(tz=UTC))
    peers = {row.peer for row in rows}
    assert {f"{party}:{system}" for party, system in _PEERS} | {"BE:gateway"} <= peers
    assert all(row.days_left > 300 and not row.expired for row in rows)
    for party in ("BE", "EU", "NL", "FR", "DE", "IT"):
        assert (demo / "ca" / f"{party.lower()}-ca.crl.pem").is_file()


def test_each_party_has_a_ca_of_its_own_trusted_for_it_alone(demo: Path) -> None:
    store = TrustStore.from_directory(demo / "trust")
    parties = ("BE", "EU", "NL", "FR", "DE", "IT")
    assert sorted(store.anchors) == sorted(parties)
    anchors = {party: store.anchors_for(party) for party in parties}
    assert all(len(cas) == 1 for cas in anchors.values())
    assert len({cas[0].fingerprint(hashes.SHA256()) for cas in anchors.values()}) == 6
    assert len(store.crls) == 6  # one list per CA: TLS needs the list of every issuer
    for folder, party in [
        ("keys/signing/be-gateway", "BE"),
        ("tls/gateway-server", "BE"),
        ("tls/gateway-client", "BE"),
        *[(f"peers/{p.lower()}-{s}/{u}", p) for p, s in _PEERS for u in _USES],
        ("peers/nl-dublinet-revoked/signing", "NL"),
    ]:
        [certificate] = load_pem_objects(demo / f"{folder}.cert.pem")[0]
        certificate.verify_directly_issued_by(anchors[party][0])  # raises when not
    revoked = load_pem_objects(demo / "peers/nl-dublinet-revoked/signing.cert.pem")[0][0]
    assert store.is_revoked(revoked)
    assert [crl.issuer for crl in load_pem_objects(demo / "trust/NL/ca.crl.pem")[1]] == [
        anchors["NL"][0].subject
    ]


def test_the_demo_private_keys_are_for_their_owner_only(demo: Path) -> None:
    keys = sorted(demo.rglob("*.key.pem"))
    assert len(keys) == 3 + 5 * 3 + 1 + 6  # gateway, peers, the revoked one, the CAs
    assert {stat.S_IMODE(key.stat().st_mode) for key in keys} == {0o600}
    assert {stat.S_IMODE(key.parent.stat().st_mode) for key in keys} == {0o700}
    assert not list(demo.rglob("*.tmp"))


def test_a_private_key_is_created_for_its_owner_only_not_narrowed_after(
    pki: GeneratedPki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_chmod_of_a_file(path: object, *args: object, **kwargs: object) -> None:
        assert not Path(str(path)).is_file(), f"{path} was readable before its chmod"
        real_chmod(path, *args, **kwargs)

    folder = tmp_path / "keys"
    folder.mkdir(mode=0o755)
    (folder / "nl.key.pem").write_bytes(b"an older key, readable by all")
    (folder / "nl.key.pem").chmod(0o644)
    real_chmod = os.chmod
    monkeypatch.setattr(os, "chmod", no_chmod_of_a_file)
    permissive = os.umask(0)
    try:
        cert, key = write_pair(pki.nl, folder, "nl")
    finally:
        os.umask(permissive)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert key.read_bytes() == pki.nl.key_pem
    assert cert.read_bytes() == pki.nl.chain_pem
    assert sorted(path.name for path in folder.iterdir()) == ["nl.cert.pem", "nl.key.pem"]


def test_a_demo_pki_of_one_ca_for_every_party_is_made_again(tmp_path: Path) -> None:
    now = datetime.now(tz=UTC)
    write_demo_pki(tmp_path, now=now)
    assert why_make_demo_pki(tmp_path, now) is None
    # What an earlier version wrote: one root CA trusted for every party.
    shared = (tmp_path / "trust" / "BE" / "ca.cert.pem").read_bytes()
    (tmp_path / "ca" / "root-ca.cert.pem").write_bytes(shared)
    for party in ("EU", "NL", "FR", "DE", "IT"):
        (tmp_path / "trust" / party / "ca.cert.pem").write_bytes(shared)
    reason = why_make_demo_pki(tmp_path, now)
    assert reason == "it trusts one CA for several parties (BE, DE, EU, FR, IT, NL)"
    write_demo_pki(tmp_path, now=now)
    assert why_make_demo_pki(tmp_path, now) is None
    assert not (tmp_path / "ca" / "root-ca.cert.pem").exists()


def test_a_demo_pki_is_made_again_before_it_runs_out(tmp_path: Path) -> None:
    made = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert why_make_demo_pki(tmp_path, made) == "there is none yet"
    write_demo_pki(tmp_path, now=made)
    assert why_make_demo_pki(tmp_path, made) is None
    assert why_make_demo_pki(tmp_path, made + timedelta(days=28)) is None
    # The revocation list runs out first (30 days), a day's margin before it does.
    late = made + timedelta(days=29, hours=12)
    assert why_make_demo_pki(tmp_path, late) == "the one there runs out on 2026-04-01 09:00Z"
    write_demo_pki(tmp_path, now=late)
    assert why_make_demo_pki(tmp_path, late) is None


def test_the_settings_build_a_signer_and_verifier_over_the_demo(demo: Path) -> None:
    settings = Settings(data_dir=demo)
    now = datetime.now(tz=UTC)
    signed = signer_from(settings).sign(etree.fromstring(MESSAGE), at=now)
    verified = verifier_from(settings).verify(signed, expected=BE, at=now)
    assert verified.signer == BE


def test_the_revoked_demo_certificate_is_refused(demo: Path) -> None:
    settings = Settings(data_dir=demo, signing_keys_dir=demo / "peers" / "nl-dublinet-revoked")
    now = datetime.now(tz=UTC)
    signed = signer_from(settings).sign(etree.fromstring(MESSAGE), at=now)
    with pytest.raises(SecurityError) as caught:
        verifier_from(settings).verify(signed, expected=NL, at=now)
    assert caught.value.code == "GW-SIG-REVOKED"


def test_several_keys_need_an_active_one(demo: Path, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.mkdir()
    for name in ("old", "new"):
        for suffix in (".key.pem", ".cert.pem"):
            source = demo / "peers" / "nl-dublinet" / f"signing{suffix}"
            (keys / f"{name}{suffix}").write_bytes(source.read_bytes())
    with pytest.raises(ConfigError) as caught:
        signer_from(Settings(signing_keys_dir=keys))
    assert caught.value.path == "EUGW_ACTIVE_SIGNING_KEY"
    signer = signer_from(Settings(signing_keys_dir=keys, active_signing_key="new"))
    assert signer.active_key.key_id == "new"


def test_certs_init_refuses_a_full_directory_and_list_shows_days_left(demo: Path) -> None:
    refused = eugw("certs", "init", str(demo))
    assert refused.returncode == 2
    assert refused.stderr.startswith("GW-CFG-USAGE")
    listing = eugw("certs", "list", str(demo))
    assert listing.returncode == 0
    assert "days left" in listing.stdout
    assert "EU:eurodac" in listing.stdout


def test_message_sign_and_verify_on_the_command_line(demo: Path, tmp_path: Path) -> None:
    source, signed, content = tmp_path / "m.xml", tmp_path / "signed.xml", tmp_path / "c.xml"
    source.write_bytes(MESSAGE)
    env = {"EUGW_DATA_DIR": str(demo)}
    assert eugw("message", "sign", str(source), "--out", str(signed), env=env).returncode == 0
    ca = str(demo / "ca" / "be-ca.cert.pem")
    good = eugw(
        "message",
        "verify",
        str(signed),
        "--trust",
        ca,
        "--peer",
        "BE:gateway",
        "--out",
        str(content),
    )
    assert good.returncode == 0, good.stderr
    assert "signed by BE:gateway" in good.stderr
    assert etree.fromstring(content.read_bytes()).findtext("{urn:eu-gateway:test}Body") == "hello"
    wrong = eugw("message", "verify", str(signed), "--trust", ca, "--peer", "NL:dublinet")
    assert wrong.returncode == 1
    assert wrong.stderr.startswith("GW-SIG-WRONG-SIGNER")
    unsigned = eugw("message", "verify", str(source), "--trust", ca)
    assert (unsigned.returncode, unsigned.stderr[:14]) == (1, "GW-SIG-MISSING")


def test_message_verify_refuses_a_document_type(demo: Path, tmp_path: Path) -> None:
    hostile = tmp_path / "xxe.xml"
    hostile.write_text(
        '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><m>&x;</m>',
        encoding="utf-8",
    )
    result = eugw("message", "verify", str(hostile), "--trust", str(demo / "trust"))
    assert result.returncode == 1
    assert result.stderr.startswith("GW-XML-")
    assert "root:" not in result.stdout + result.stderr


def test_a_demo_pki_without_a_peer_of_today_is_made_again(tmp_path: Path) -> None:
    """A PKI an earlier version made, before IT was a simulated peer, is made again."""
    now = datetime.now(tz=UTC)
    write_demo_pki(tmp_path, now=now)
    shutil.rmtree(tmp_path / "peers" / "it-dublinet")
    shutil.rmtree(tmp_path / "trust" / "IT")
    assert why_make_demo_pki(tmp_path, now) == "it has no keys for IT:dublinet"
    write_demo_pki(tmp_path, now=now)
    assert why_make_demo_pki(tmp_path, now) is None
