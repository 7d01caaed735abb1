"""The lean signature path against xmlsec1, the reference XML-DSig tool, both ways.

xmlsec1 signs templates laid out as other implementations lay them out: the
signature in the default namespace inside a document with a default namespace
of its own, the `ds` prefix declared on the root only (so SignedInfo takes its
namespace from its context), an InclusiveNamespaces prefix list on the
reference's exclusive C14N, an enveloped transform alone (C14N 1.0), a
KeyValue beside the certificate, indentation everywhere. The gateway verifies
each as the reference verifier (its former checks, then signxml) does, and
refuses each once its content is changed. The other way, xmlsec1 verifies
every example message the gateway signs with RSA and with ECDSA.

xmlsec1 is a system program (`make system-deps` installs it); these tests
fail, not skip, when it is missing.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from lxml import etree
from pki import NL, GeneratedPki, write_pair
from signature_spoils import EXAMPLES
from signxml_reference import ReferenceVerifier

from gateway.errors import SecurityError
from gateway.messages import build_element
from gateway.security.algorithms import (
    C14N_EXCLUSIVE,
    DIGEST_SHA256,
    ENVELOPED,
    SIGNATURE_ECDSA_SHA256,
    SIGNATURE_RSA_SHA256,
)
from gateway.security.pki import Issued
from gateway.security.verifier import DS, Verifier

METHODS = {"nl": SIGNATURE_RSA_SHA256, "nl_ec": SIGNATURE_ECDSA_SHA256}
EXC = f'<Transform Algorithm="{C14N_EXCLUSIVE}"/>'
ENV = f'<Transform Algorithm="{ENVELOPED}"/>'


def _signature(transforms: str, key_info: str = "<X509Data/>", prefix: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    body = f"""
    <SignedInfo>
      <CanonicalizationMethod Algorithm="{C14N_EXCLUSIVE}"/>
      <SignatureMethod Algorithm="{{method}}"/>
      <Reference URI="">
        <Transforms>
          {transforms}
        </Transforms>
        <DigestMethod Algorithm="{DIGEST_SHA256}"/>
        <DigestValue/>
      </Reference>
    </SignedInfo>
    <SignatureValue/>
    <KeyInfo>{key_info}</KeyInfo>"""
    # prefix the signature's elements (the transforms come prefixed) with `p`
    for name in (
        "SignedInfo", "CanonicalizationMethod", "SignatureMethod", "Reference", "Transforms",
        "DigestMethod", "DigestValue", "SignatureValue", "KeyInfo", "X509Data", "KeyValue",
    ):  # fmt: skip
        body = body.replace(f"<{name}", f"<{p}{name}").replace(f"</{name}", f"</{p}{name}")
    return body


TEMPLATES = {
    "default namespaces": f"""<Message xmlns="urn:eu-gateway:test">
  <Body><Decision>accept</Decision></Body>
  <Signature xmlns="{DS}">{_signature(ENV + EXC)}
  </Signature>
</Message>""",
    "ds declared on the root only": f"""<m:Message xmlns:m="urn:eu-gateway:test" xmlns:ds="{DS}">
  <m:Body><m:Decision>accept</m:Decision></m:Body>
  <ds:Signature>{_signature((ENV + EXC).replace("<T", "<ds:T"), prefix="ds")}
  </ds:Signature>
</m:Message>""",
    "inclusive prefixes": f"""<m:Message xmlns:m="urn:eu-gateway:test" xmlns:u="urn:unused">
  <m:Body><m:Decision>accept</m:Decision></m:Body>
  <ds:Signature xmlns:ds="{DS}">{
        _signature(
            ENV.replace("<T", "<ds:T")
            + f'<ds:Transform Algorithm="{C14N_EXCLUSIVE}"><ec:InclusiveNamespaces'
            f' xmlns:ec="{C14N_EXCLUSIVE}" PrefixList="u"/></ds:Transform>',
            prefix="ds",
        )
    }
  </ds:Signature>
</m:Message>""",
    "enveloped transform alone": f"""<m:Message xmlns:m="urn:eu-gateway:test" xmlns:u="urn:unused">
  <m:Body><m:Decision>accept</m:Decision></m:Body>
  <ds:Signature xmlns:ds="{DS}">{_signature(ENV.replace("<T", "<ds:T"), prefix="ds")}
  </ds:Signature>
</m:Message>""",
    "key value beside the certificate": f"""<m:Message xmlns:m="urn:eu-gateway:test">
  <m:Body><m:Decision>accept</m:Decision></m:Body>
  <ds:Signature xmlns:ds="{DS}">{
        _signature(
            (ENV + EXC).replace("<T", "<ds:T"),
            key_info="<KeyValue/><X509Data/>",
            prefix="ds",
        )
    }
  </ds:Signature>
</m:Message>""",
}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


def _sign_with_xmlsec1(xmlsec1: str, issued: Issued, template: str, tmp_path: Path) -> bytes:
    cert, key = write_pair(issued, tmp_path, "signer")
    source, out = tmp_path / "template.xml", tmp_path / "out.xml"
    source.write_text(template, encoding="utf-8")
    result = _run(
        xmlsec1, "--sign", "--privkey-pem", f"{key},{cert}", "--output", str(out), str(source)
    )
    assert result.returncode == 0, result.stderr
    return out.read_bytes()


def _parse(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(data, parser=parser)


# xmlsec1 cannot write an EC KeyValue: that layout is signed with RSA only.
CASES = [
    (layout, which)
    for layout in TEMPLATES
    for which in METHODS
    if (layout, which) != ("key value beside the certificate", "nl_ec")
]


@pytest.mark.parametrize(("layout", "which"), CASES)
def test_the_gateway_verifies_what_xmlsec1_signed_in_every_layout(
    xmlsec1: str, pki: GeneratedPki, tmp_path: Path, which: str, layout: str
) -> None:
    issued: Issued = getattr(pki, which)
    template = TEMPLATES[layout].replace("{method}", METHODS[which])
    data = _sign_with_xmlsec1(xmlsec1, issued, template, tmp_path)
    verified = Verifier(pki.trust).verify(_parse(data), expected=NL, at=pki.now)
    assert verified.certificate == issued.certificate
    assert verified.element.findtext(".//{urn:eu-gateway:test}Decision") == "accept"
    reference = ReferenceVerifier(pki.trust).verify(_parse(data), expected=NL, at=pki.now)
    assert etree.tostring(verified.element, method="c14n", exclusive=True) == etree.tostring(
        reference.element, method="c14n", exclusive=True
    )
    tampered = _parse(data.replace(b">accept<", b">reject<"))
    with pytest.raises(SecurityError) as caught:
        Verifier(pki.trust).verify(tampered, expected=NL, at=pki.now)
    assert caught.value.code == "GW-SIG-INVALID"


@pytest.mark.parametrize("which", list(METHODS))
def test_xmlsec1_verifies_every_example_message_the_gateway_signs(
    xmlsec1: str, pki: GeneratedPki, tmp_path: Path, which: str
) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_bytes(pki.root.cert_pem)
    signer = pki.signer(getattr(pki, which))
    for (name, regime), message in EXAMPLES:
        signed = signer.sign(build_element(message), at=pki.now)
        path = tmp_path / f"{name}-{regime}.xml".replace("/", "-")
        path.write_bytes(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))
        result = _run(xmlsec1, "--verify", "--trusted-pem", str(ca), str(path))
        assert result.returncode == 0, (path.name, result.stderr)
