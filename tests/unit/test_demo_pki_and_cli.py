"""The demo PKI, the security settings, and `eugw certs` / `eugw message sign|verify`."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from eugw_process import child_env
from lxml import etree
from pki import NL

from gateway.errors import ConfigError, SecurityError
from gateway.security.configured import signer_from, verifier_from
from gateway.security.demo import why_make_demo_pki, write_demo_pki
from gateway.security.identity import PeerId
from gateway.security.inventory import list_certificates
from gateway.settings import Settings

MESSAGE = b'<m:Message xmlns:m="urn:eu-gateway:test"><m:Body>hello</m:Body></m:Message>'
BE = PeerId(party="BE", system="gateway")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("demo")
    write_demo_pki(directory)
    return directory


def eugw(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=child_env(env),
    )


def test_the_demo_pki_is_labelled_and_complete(demo: Path) -> None:
    assert "DEMO ONLY" in (demo / "README.txt").read_text(encoding="utf-8")
    rows = list_certificates(demo, datetime.now(tz=UTC))
    peers = {row.peer for row in rows}
    assert {"BE:gateway", "EU:eurodac", "NL:dublinet", "FR:dublinet", "DE:dublinet"} <= peers
    assert all(row.days_left > 300 and not row.expired for row in rows)
    assert (demo / "ca" / "root-ca.crl.pem").is_file()


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
    ca = str(demo / "ca" / "root-ca.cert.pem")
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
