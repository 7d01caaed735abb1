"""Every golden message signed by the gateway: schema-valid, verified by us and by xmlsec1."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree
from pki import NL, GeneratedPki

from gateway.security.verifier import Verifier
from gateway.validation import parse_xml, validate

GOLDEN = sorted((Path(__file__).parent.parent / "golden").glob("*.xml"))


def test_there_are_golden_messages() -> None:
    assert len(GOLDEN) > 20


@pytest.mark.parametrize("golden", GOLDEN, ids=lambda path: path.stem)
def test_a_signed_golden_message_validates_and_verifies_everywhere(
    golden: Path, pki: GeneratedPki, tmp_path: Path
) -> None:
    xmlsec1 = shutil.which("xmlsec1")
    assert xmlsec1, "xmlsec1 is not installed: run `make system-deps`"
    original = parse_xml(golden.read_bytes())
    signed = pki.signer(pki.nl_ec).sign(original, at=pki.now)
    wire = etree.tostring(signed, xml_declaration=True, encoding="UTF-8")

    received = parse_xml(wire)
    validate(received)  # the signature sits in the schema's signature slot
    verified = Verifier(pki.trust).verify(received, expected=NL, at=pki.now)
    assert etree.tostring(verified.element, method="c14n", exclusive=True) == etree.tostring(
        original, method="c14n", exclusive=True
    )

    signed_file, ca = tmp_path / golden.name, tmp_path / "ca.pem"
    signed_file.write_bytes(wire)
    ca.write_bytes(pki.root.cert_pem)
    result = subprocess.run(
        [xmlsec1, "--verify", "--trusted-pem", str(ca), str(signed_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
