"""Interoperability with xmlsec1, the reference XML-DSig tool, both ways.

xmlsec1 is a system program (`make system-deps` installs it); these tests
fail, not skip, when it is missing, so a missing tool is never mistaken for
a pass.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from lxml import etree
from pki import NL, GeneratedPki, write_pair

from gateway.errors import SecurityError
from gateway.security.algorithms import SIGNATURE_ECDSA_SHA256, SIGNATURE_RSA_SHA256
from gateway.security.pki import Issued
from gateway.security.verifier import Verifier

M = "{urn:eu-gateway:test}"
TEMPLATE = """<m:Message xmlns:m="urn:eu-gateway:test">
  <m:Body><m:Decision>accept</m:Decision></m:Body>
  <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
    <ds:SignedInfo>
      <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
      <ds:SignatureMethod Algorithm="{method}"/>
      <ds:Reference URI="">
        <ds:Transforms>
          <ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
          <ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
        </ds:Transforms>
        <ds:DigestMethod Algorithm="{digest}"/>
        <ds:DigestValue/>
      </ds:Reference>
    </ds:SignedInfo>
    <ds:SignatureValue/>
    <ds:KeyInfo><ds:X509Data/></ds:KeyInfo>
  </ds:Signature>
</m:Message>
"""
MESSAGE = b"""<m:Message xmlns:m="urn:eu-gateway:test">
  <m:Body><m:Decision>accept</m:Decision></m:Body>
</m:Message>"""
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("which", ["nl", "nl_ec", "nl_via_intermediate"])
def test_xmlsec1_verifies_what_the_gateway_signed(
    xmlsec1: str, pki: GeneratedPki, tmp_path: Path, which: str
) -> None:
    message = etree.fromstring(MESSAGE)
    signed = pki.signer(getattr(pki, which)).sign(message, at=pki.now)
    signed_file, ca = tmp_path / "signed.xml", tmp_path / "ca.pem"
    signed_file.write_bytes(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))
    ca.write_bytes(pki.root.cert_pem)
    result = _run(xmlsec1, "--verify", "--trusted-pem", str(ca), str(signed_file))
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("OK")

    tampered = signed_file.read_bytes().replace(b">accept<", b">reject<")
    signed_file.write_bytes(tampered)
    refused = _run(xmlsec1, "--verify", "--trusted-pem", str(ca), str(signed_file))
    assert refused.returncode != 0


def _sign_with_xmlsec1(
    xmlsec1: str, issued: Issued, tmp_path: Path, method: str, digest: str = SHA256
) -> etree._Element:
    cert, key = write_pair(issued, tmp_path, "signer")
    template, out = tmp_path / "template.xml", tmp_path / "out.xml"
    template.write_text(TEMPLATE.format(method=method, digest=digest), encoding="utf-8")
    result = _run(
        xmlsec1, "--sign", "--privkey-pem", f"{key},{cert}", "--output", str(out), str(template)
    )
    assert result.returncode == 0, result.stderr
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(out.read_bytes(), parser=parser)


@pytest.mark.parametrize(
    ("which", "method"), [("nl", SIGNATURE_RSA_SHA256), ("nl_ec", SIGNATURE_ECDSA_SHA256)]
)
def test_the_gateway_verifies_what_xmlsec1_signed(
    xmlsec1: str, pki: GeneratedPki, tmp_path: Path, which: str, method: str
) -> None:
    issued = getattr(pki, which)
    signed = _sign_with_xmlsec1(xmlsec1, issued, tmp_path, method)
    verified = Verifier(pki.trust).verify(signed, expected=NL, at=pki.now)
    assert verified.signer == NL
    assert verified.certificate == issued.certificate
    assert verified.element.findtext(f"{M}Body/{M}Decision") == "accept"


@pytest.mark.parametrize(("method", "digest"), [(RSA_SHA1, SHA256), (SIGNATURE_RSA_SHA256, SHA1)])
def test_the_gateway_refuses_a_sha1_signature_made_by_xmlsec1(
    xmlsec1: str, pki: GeneratedPki, tmp_path: Path, method: str, digest: str
) -> None:
    signed = _sign_with_xmlsec1(xmlsec1, pki.nl, tmp_path, method, digest)
    with pytest.raises(SecurityError) as caught:
        Verifier(pki.trust).verify(signed, expected=NL, at=pki.now)
    assert caught.value.code == "GW-SIG-ALGORITHM"


def test_the_gateway_refuses_what_xmlsec1_signed_with_an_untrusted_key(
    xmlsec1: str, pki: GeneratedPki, tmp_path: Path
) -> None:
    signed = _sign_with_xmlsec1(xmlsec1, pki.untrusted, tmp_path, SIGNATURE_RSA_SHA256)
    with pytest.raises(SecurityError) as caught:
        Verifier(pki.trust).verify(signed, expected=NL, at=pki.now)
    assert caught.value.code == "GW-SIG-UNTRUSTED"
