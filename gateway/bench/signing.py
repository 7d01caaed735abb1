"""Signing and verification stages for the message benchmark, their bare signxml floor, and
the signatures against the raw cryptography underneath.

Each run makes a throw-away PKI (a root CA and the gateway's signing
certificate). The gateway's `sign` stage goes after outbound validation and
`verify` (full checks: placement, algorithms, chain, revocation, expected
signer) after inbound validation. The floor does what the issue names: a bare
loop of lxml XSD validation plus signxml sign and verify on the same documents.

`signature_benches` measures signing and verification of the same messages
with RSA-2048 and ECDSA P-256 keys, each against the raw `cryptography`
signature of a SHA-256 digest with the same key and against bare signxml,
interleaved round by round (`gateway.bench.signatures`); `format_signatures`
says whether the aims hold (RSA: signing within 1.5x of the raw signature,
verification within 3x of the raw verification).

Hot paths timed: `gateway.security.signer.Signer.sign` and
`gateway.security.verifier.Verifier.verify` (full checks) on the messages' elements.
"""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm
from signxml.signer import XMLSigner
from signxml.verifier import XMLVerifier

from gateway.bench.messages import Floor, Stage, add_floor, add_stage, sample_messages
from gateway.bench.signatures import (
    KEY_LABELS,
    ROUNDS,
    SIGN_AIM,
    VERIFY_AIM,
    SignatureBench,
    bench_key,
    bench_keys,
)
from gateway.messages import build_element
from gateway.messages.envelope import GATEWAY_SYSTEM
from gateway.security.identity import PeerId
from gateway.security.pki import KeyType, Usage, issue, make_crl, make_root_ca
from gateway.security.signer import Signer, SigningKey
from gateway.security.trust import TrustStore
from gateway.security.verifier import Verifier
from gateway.validation import default_pack

__all__ = [
    "FLOOR_NAME",
    "add_signatures",
    "format_signatures",
    "signature_benches",
    "signatures_json",
]

FLOOR_NAME = "lxml validate + signxml sign + verify"
_GATEWAY = PeerId(party="BE", system=GATEWAY_SYSTEM)


def add_signatures(
    pipeline: list[Stage],
    floor_list: list[Floor],
    *,
    key_type: KeyType = KeyType.RSA,
    now: datetime | None = None,
) -> None:
    """Insert `sign` and `verify` into the pipeline, and their floor into the floors."""
    now = now or datetime.now(UTC)
    root = make_root_ca("Bench Root CA", now=now)
    issued = issue(root, peer=_GATEWAY, usage=Usage.SIGNING, now=now, key_type=key_type)
    key = SigningKey(key_id="bench", private_key=issued.private_key, chain=(issued.certificate,))
    signer = Signer([key], active=key.key_id)
    trust = TrustStore.checked(
        anchors={_GATEWAY.party: [root.certificate]}, crls=[make_crl(root, [], now=now)]
    )
    verifier = Verifier(trust)

    def sign(element: etree._Element) -> etree._Element:
        return signer.sign(element, at=now)

    def verify(element: etree._Element) -> etree._Element:
        return verifier.verify(element, expected=_GATEWAY, at=now).element

    add_stage(pipeline, Stage(name="sign", run=sign), after="validate")
    add_stage(pipeline, Stage(name="verify", run=verify), after="validate inbound")

    bare_signer = XMLSigner(
        signature_algorithm=key.signature_method,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    pack = default_pack()

    def bare(element: etree._Element) -> etree._Element:
        pack.schema_for(etree.QName(element).namespace).assertValid(element)
        signed: etree._Element = bare_signer.sign(
            element, key=key.private_key, cert=[key.certificate]
        )
        XMLVerifier().verify(signed, x509_cert=key.certificate)
        return signed

    add_floor(floor_list, Floor(name=FLOOR_NAME, covers=("validate", "sign", "verify"), run=bare))


def signature_benches(
    count: int, *, key_types: tuple[KeyType, ...] = tuple(KEY_LABELS), now: datetime | None = None
) -> list[SignatureBench]:
    """Sign and verify `count` // ROUNDS sample messages per round with each key type."""
    now = now or datetime.now(UTC)
    pack = default_pack()
    documents = [build_element(message) for message in sample_messages(max(1, count // ROUNDS))]
    for document in documents:
        pack.schema_for(etree.QName(document).namespace).assertValid(document)
    return [
        bench_key(key, verifier, documents, now=now, peer=_GATEWAY)
        for key, verifier in bench_keys(now, _GATEWAY, key_types)
    ]


def format_signatures(benches: list[SignatureBench]) -> str:
    """A table of the signatures per second, and whether the RSA aims hold."""
    lines = [
        f"signatures: best of {ROUNDS} interleaved rounds of {benches[0].count} messages "
        f"(~{benches[0].message_bytes:,} B unsigned), CPU time; "
        "raw = cryptography alone on a SHA-256 digest",
        f"{'key':<13}{'sign/s':>9}{'raw':>9}{'x raw':>7}{'signxml':>9}"
        f"{'verify/s':>10}{'raw':>9}{'x raw':>7}{'signxml':>9}",
    ]
    lines += [
        f"{bench.key_type:<13}{bench.signs_per_second:>9,.0f}{bench.raw_signs_per_second:>9,.0f}"
        f"{bench.sign_ratio:>7.2f}{bench.signxml_signs_per_second:>9,.0f}"
        f"{bench.verifies_per_second:>10,.0f}{bench.raw_verifies_per_second:>9,.0f}"
        f"{bench.verify_ratio:>7.2f}{bench.signxml_verifies_per_second:>9,.0f}"
        for bench in benches
    ]
    for bench in benches:
        if bench.key_type == KEY_LABELS[KeyType.RSA]:
            met = bench.sign_ratio <= SIGN_AIM and bench.verify_ratio <= VERIFY_AIM
            lines.append(
                f"aims ({bench.key_type}: sign within {SIGN_AIM}x, verify within {VERIFY_AIM}x "
                f"of the raw operation): {'met' if met else 'NOT met'}"
            )
    return "\n".join(lines)


def signatures_json(benches: list[SignatureBench]) -> dict[str, dict[str, float]]:
    return {
        bench.key_type: {
            "messages": bench.count,
            "sign": round(bench.signs_per_second, 1),
            "raw_sign": round(bench.raw_signs_per_second, 1),
            "sign_ratio": round(bench.sign_ratio, 2),
            "signxml_sign": round(bench.signxml_signs_per_second, 1),
            "verify": round(bench.verifies_per_second, 1),
            "raw_verify": round(bench.raw_verifies_per_second, 1),
            "verify_ratio": round(bench.verify_ratio, 2),
            "signxml_verify": round(bench.signxml_verifies_per_second, 1),
        }
        for bench in benches
    }
