"""Every class of hostile XML the gateway already held against, delivered to the serving
gateway's inbound endpoint over mutual TLS by a peer with a valid TLS certificate, on SQLite
and PostgreSQL: refused with its code, and nothing stored, acted on or audited (what could
not be verified could be anyone's)."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree
from security.attacker import Attacker, audit_of, nothing_stored
from signature_spoils import any_algorithm_signer
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.signer import XMLSigner
from simkit import Both

from gateway.domain.dublin import DublinRegime
from gateway.messages import DublinSubmission, Message, build_element, serialize
from gateway.messages.examples import example_content
from gateway.security.identity import PeerId
from gateway.security.pki import Issued, Usage, issue, make_root_ca
from gateway.security.signer import Signer, SigningKey
from gateway.security.verifier import DS

NL = PeerId(party="NL", system="dublinet")
Spoil = Callable[[bytes], bytes]


def _request(nl: Attacker, *, at: datetime | None = None) -> Message:
    example = example_content("dublinet.take-charge-request", DublinRegime.AMMR)
    assert isinstance(example, DublinSubmission)
    request = dataclasses.replace(example.request, requesting_state="NL", requested_state="BE")
    return nl.message(
        dataclasses.replace(example, request=request),
        message_type="dublinet.take-charge-request",
        regime=DublinRegime.AMMR,
        at=at,
    )


def _tree(body: bytes) -> etree._Element:
    return etree.fromstring(body)


def _bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _signature(root: etree._Element) -> etree._Element:
    found = root.find(f"{{{DS}}}Signature")
    assert found is not None
    return found


# -- XML bombs and oversize: refused by the one hardened parser before anything else --------


def _xxe(body: bytes) -> bytes:
    dtd = b'<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    return dtd + body.split(b"?>", 1)[-1]


def _laughs(_: bytes) -> bytes:
    lol = b"".join(
        b'<!ENTITY l%d "&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;">'
        % ((i,) + (i - 1,) * 10)
        for i in range(1, 10)
    )
    return b'<!DOCTYPE r [<!ENTITY l0 "lol">' + lol + b"]><r>&l9;</r>"


def _deep(_: bytes) -> bytes:
    return b"<a>" * 5000 + b"</a>" * 5000


def _oversized(body: bytes) -> bytes:
    return body + b" " * (9 * 1024 * 1024)


# -- signature wrapping ---------------------------------------------------------------------


def _two_signatures(body: bytes) -> bytes:
    root = _tree(body)
    root.append(copy.deepcopy(_signature(root)))
    return _bytes(root)


def _signature_in_a_child(body: bytes) -> bytes:
    root = _tree(body)
    signature = _signature(root)
    root.remove(signature)
    root[1].append(signature)
    return _bytes(root)


def _wrapped(body: bytes) -> bytes:
    """The classic wrapping: a forged copy of the document, keeping its signature, with the
    signed original tucked away inside it for the digest to find."""
    signed = _tree(body)
    forged = copy.deepcopy(signed)
    for node in forged.iter():
        if node.text == "Art 39(1) Regulation (EU) 2024/1351":
            node.text = "forged"
    forged.append(copy.deepcopy(signed))
    return _bytes(forged)


def _reference_by_id(body: bytes) -> bytes:
    root = _tree(body)
    reference = _signature(root).find(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
    assert reference is not None
    reference.set("URI", "#elsewhere")
    return _bytes(root)


def _no_signature_value(body: bytes) -> bytes:
    root = _tree(body)
    value = _signature(root).find(f"{{{DS}}}SignatureValue")
    assert value is not None
    value.text = ""
    return _bytes(root)


def _unsigned(body: bytes) -> bytes:
    root = _tree(body)
    root.remove(_signature(root))
    return _bytes(root)


SPOILED: dict[str, tuple[Spoil, str]] = {
    "xxe": (_xxe, "GW-XML-ENTITY"),
    "billion-laughs": (_laughs, "GW-XML-ENTITY-EXPANSION"),
    "deep": (_deep, "GW-XML-TOO-DEEP"),
    "oversized": (_oversized, "GW-API-TOO-LARGE"),
    "not-signed": (_unsigned, "GW-SIG-MISSING"),
    "two-signatures": (_two_signatures, "GW-SIG-WRAPPING"),
    "signature-in-a-child": (_signature_in_a_child, "GW-SIG-WRAPPING"),
    "wrapped": (_wrapped, "GW-SIG-WRAPPING"),
    "reference-by-id": (_reference_by_id, "GW-SIG-WRAPPING"),
    "no-signature-value": (_no_signature_value, "GW-SIG-MALFORMED"),
}


@pytest.mark.parametrize("attack", list(SPOILED))
async def test_hostile_xml_is_refused_and_changes_nothing(
    gateway: Both, nl: Attacker, attack: str
) -> None:
    spoil, code = SPOILED[attack]
    message = _request(nl)
    audit_before = len(await audit_of(gateway))
    status, problem = await nl.deliver(gateway, message, spoil=spoil)
    assert 400 <= status < 500
    assert problem.get("code") == code, problem
    await nothing_stored(gateway, message, audit_before)


# -- keys and algorithms the gateway does not accept ----------------------------------------


def _stranger() -> Issued:
    """An RSA key naming NL under a CA nobody trusts."""
    now = datetime.now(UTC)
    return issue(make_root_ca("Nobody's CA", now=now), peer=NL, usage=Usage.SIGNING, now=now)


async def _signed_with_is_refused(gateway: Both, nl: Attacker, key: SigningKey, code: str) -> None:
    """NL's request, signed with `key`, is refused (403 with `code`) and changes nothing."""
    signing = dataclasses.replace(nl, signer=Signer([key], active=key.key_id))
    message = _request(signing)
    audit_before = len(await audit_of(gateway))
    status, problem = await signing.deliver(gateway, message)
    assert (status, problem.get("code")) == (403, code)
    await nothing_stored(gateway, message, audit_before)


async def test_a_signature_by_a_key_nobody_trusts_is_refused(gateway: Both, nl: Attacker) -> None:
    issued = _stranger()
    key = SigningKey(key_id="other", private_key=issued.private_key, chain=(issued.certificate,))
    await _signed_with_is_refused(gateway, nl, key, "GW-SIG-UNTRUSTED")


async def test_a_revoked_signing_certificate_is_refused(
    gateway: Both, nl: Attacker, data_dir: Path
) -> None:
    folder = data_dir / "peers" / "nl-dublinet-revoked"
    key = SigningKey.from_pem(
        "revoked",
        (folder / "signing.key.pem").read_bytes(),
        (folder / "signing.cert.pem").read_bytes(),
    )
    await _signed_with_is_refused(gateway, nl, key, "GW-SIG-REVOKED")


@pytest.mark.parametrize(
    ("method", "digest"),
    [
        (SignatureMethod.RSA_SHA1, DigestAlgorithm.SHA256),
        (SignatureMethod.RSA_SHA256, DigestAlgorithm.SHA1),
        (SignatureMethod.HMAC_SHA256, DigestAlgorithm.SHA256),
    ],
    ids=["rsa-sha1", "sha1-digest", "hmac"],
)
async def test_weak_or_keyless_algorithms_are_refused(
    gateway: Both, nl: Attacker, method: SignatureMethod, digest: DigestAlgorithm
) -> None:
    """The algorithm is refused before any key or certificate is looked at."""
    message = _request(nl)
    signer = any_algorithm_signer(method, digest)
    element = build_element(message)
    if method is SignatureMethod.HMAC_SHA256:
        signed = signer.sign(element, key=b"a secret shared with nobody")
    else:
        issued = _stranger()
        signed = signer.sign(element, key=issued.private_key, cert=[issued.certificate])
    body = serialize(signed)
    audit_before = len(await audit_of(gateway))
    status, problem = await nl.deliver(gateway, message, spoil=lambda _: body)
    assert (status, problem.get("code")) == (403, "GW-SIG-ALGORITHM")
    await nothing_stored(gateway, message, audit_before)


def _signed_by_hand(data_dir: Path, message: Message) -> bytes:
    """Signed with NL's key whatever the time (the gateway's signer would refuse a time
    before the certificate; an attacker's tool does not ask)."""
    folder = data_dir / "peers" / "nl-dublinet"
    key = serialization.load_pem_private_key(
        (folder / "signing.key.pem").read_bytes(), password=None
    )
    chain = x509.load_pem_x509_certificates((folder / "signing.cert.pem").read_bytes())
    method = (
        SignatureMethod.ECDSA_SHA256
        if isinstance(key, ec.EllipticCurvePrivateKey)
        else SignatureMethod.RSA_SHA256
    )
    signer = XMLSigner(
        signature_algorithm=method,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    return serialize(signer.sign(build_element(message), key=key, cert=chain))


# -- replay ---------------------------------------------------------------------------------


async def test_a_replayed_request_opens_one_case_and_an_old_one_none(
    gateway: Both, nl: Attacker
) -> None:
    message = _request(nl)
    for _ in range(2):  # the same signed message again: the same acknowledgement, no more
        status, _ = await nl.deliver(gateway, message)
        assert status == 200
    tracking = gateway.services.tracking
    assert tracking is not None
    assert len(await tracking.store.cases()) == 1
    received = [e for e in await audit_of(gateway) if e.kind == "inbound.received"]
    assert [e.subject for e in received] == [str(message.envelope.message_id)]

    old = _request(nl, at=datetime.now(UTC) - timedelta(hours=25))
    audit_before = len(await audit_of(gateway))
    body = _signed_by_hand(gateway.services.settings.data_dir, old)
    status, problem = await nl.deliver(gateway, old, signed=body)
    assert (status, problem.get("code")) == (403, "GW-IN-STALE")
    assert await gateway.services.store.inbound(str(old.envelope.message_id)) is None
    assert len(await tracking.store.cases()) == 1
    assert len(await audit_of(gateway)) == audit_before
