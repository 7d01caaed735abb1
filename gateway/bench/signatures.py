"""How fast the gateway signs and verifies, against the raw cryptography underneath.

`bench_key` signs and verifies the same documents with the gateway's `Signer`
and `Verifier` (full checks: placement, algorithms, chain, revocation, peer),
with the raw `cryptography` operation of the key on a SHA-256 digest (the
floor: no XML at all), and with bare signxml (the reference the lean path
replaced). The three alternate within each round, and each keeps its best
round, so a neighbour's burst of load on a shared machine skews none of them;
rounds are timed in CPU time of this process (`time.process_time`), which a
neighbour taking the core away does not inflate either.

`bench_signatures` does it on a throw-away PKI and a sample message, with
RSA-2048 and ECDSA P-256; `eugw bench messages` does it on its messages.

Hot paths timed: `gateway.security.signer.Signer.sign` and
`gateway.security.verifier.Verifier.verify`, against `cryptography`'s raw sign and
verify and signxml's `XMLSigner.sign` and `XMLVerifier.verify`.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.signer import XMLSigner
from signxml.verifier import XMLVerifier

from gateway.domain.frozen import frozen
from gateway.security.identity import PeerId
from gateway.security.pki import KeyType, Usage, issue, make_crl, make_root_ca
from gateway.security.signer import Signer, SigningKey
from gateway.security.trust import TrustStore
from gateway.security.verifier import Verifier

__all__ = [
    "KEY_LABELS",
    "ROUNDS",
    "SIGN_AIM",
    "VERIFY_AIM",
    "SignatureBench",
    "bench_key",
    "bench_keys",
    "bench_signatures",
    "sample_message",
]

ROUNDS = 5
SIGN_AIM = 1.5  # the gateway's signing takes at most this many times the raw RSA signature
VERIFY_AIM = 3.0  # and its verification this many times the raw RSA verification
KEY_LABELS = {KeyType.RSA: "RSA-2048", KeyType.EC: "ECDSA P-256"}
_PEER = PeerId(party="BE", system="gateway")
_DIGEST = bytes(range(32))  # what the raw operations sign: a SHA-256 digest's worth


@frozen
class SignatureBench:
    """Signatures per second of one key type: the gateway's, the raw floor's, signxml's."""

    key_type: str
    count: int  # documents per round
    message_bytes: int  # their mean size, unsigned
    signs_per_second: float
    verifies_per_second: float
    raw_signs_per_second: float  # `cryptography` alone, on a SHA-256 digest
    raw_verifies_per_second: float
    signxml_signs_per_second: float  # bare signxml on the same documents
    signxml_verifies_per_second: float  # bare signxml, certificate given, no trust checks

    @property
    def sign_ratio(self) -> float:
        """How many times the raw signature the gateway's signing takes."""
        return self.raw_signs_per_second / self.signs_per_second

    @property
    def verify_ratio(self) -> float:
        return self.raw_verifies_per_second / self.verifies_per_second

    def __str__(self) -> str:
        return (
            f"{self.key_type:<12} {self.count} x {self.message_bytes} B: "
            f"sign {self.signs_per_second:,.0f}/s = {self.sign_ratio:.2f}x the raw "
            f"{self.raw_signs_per_second:,.0f}/s (signxml {self.signxml_signs_per_second:,.0f}/s), "
            f"verify {self.verifies_per_second:,.0f}/s = {self.verify_ratio:.2f}x the raw "
            f"{self.raw_verifies_per_second:,.0f}/s "
            f"(signxml {self.signxml_verifies_per_second:,.0f}/s)"
        )


def sample_message(size: int = 6000) -> etree._Element:
    """A message of roughly `size` bytes, shaped like an envelope with repeated records."""
    root = etree.Element("{urn:eu-gateway:bench}Message", nsmap={"m": "urn:eu-gateway:bench"})
    header = etree.SubElement(root, "{urn:eu-gateway:bench}Header")
    etree.SubElement(header, "{urn:eu-gateway:bench}MessageId").text = "0" * 36
    body = etree.SubElement(root, "{urn:eu-gateway:bench}Body")
    index = 0
    while len(etree.tostring(root)) < size:
        item = etree.SubElement(body, "{urn:eu-gateway:bench}Item", position=str(index))
        item.text = f"value {index:05d} " * 4
        index += 1
    return root


def bench_signatures(count: int = 200, size: int = 6000) -> list[SignatureBench]:
    """Sign then verify `count` copies of a sample message with each key type."""
    now = datetime.now(tz=UTC)
    message = sample_message(size)
    return [
        bench_key(key, verifier, [message] * max(1, count // ROUNDS), now=now)
        for key, verifier in bench_keys(now)
    ]


def bench_keys(
    now: datetime, peer: PeerId = _PEER, key_types: Sequence[KeyType] = tuple(KEY_LABELS)
) -> list[tuple[SigningKey, Verifier]]:
    """A throw-away root CA trusted for `peer`, and a signing key of each type under it."""
    root = make_root_ca("Bench Root CA", now=now)
    trust = TrustStore.checked(
        anchors={peer.party: [root.certificate]}, crls=[make_crl(root, [], now=now)]
    )
    verifier = Verifier(trust)
    keys = []
    for key_type in key_types:
        issued = issue(root, peer=peer, usage=Usage.SIGNING, now=now, key_type=key_type)
        chain = (issued.certificate,)
        label = KEY_LABELS[key_type]
        keys.append(
            (SigningKey(key_id=label, private_key=issued.private_key, chain=chain), verifier)
        )
    return keys


def bench_key(
    key: SigningKey,
    verifier: Verifier,
    documents: Sequence[etree._Element],
    *,
    now: datetime,
    peer: PeerId = _PEER,
    rounds: int = ROUNDS,
) -> SignatureBench:
    """Each way of signing and verifying over `documents`, `rounds` times interleaved."""
    signer = Signer([key], active=key.key_id)
    # verified as the gateway verifies: documents parsed from the bytes sent
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    signed = [
        etree.fromstring(etree.tostring(signer.sign(document, at=now)), parser)
        for document in documents
    ]
    raw_sign, raw_verify = _raw_operations(key)
    reference = XMLSigner(
        signature_algorithm=SignatureMethod(key.signature_method),
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    chain = list(key.chain)
    # As inbound verifies: each tree parsed for its call and handed over (verified in
    # place). Fresh trees are made before each round, outside the timing, as the parse is.
    handed: list[etree._Element] = []
    work: dict[str, Callable[[], object]] = {
        "raw sign": lambda: [raw_sign() for _ in documents],
        "sign": lambda: [signer.sign(document, at=now) for document in documents],
        "signxml sign": lambda: [
            reference.sign(document, key=key.private_key, cert=chain) for document in documents
        ],
        "raw verify": lambda: [raw_verify() for _ in documents],
        "verify": lambda: [
            verifier.verify(item, expected=peer, at=now, handed_over=True) for item in handed
        ],
        "signxml verify": lambda: [
            XMLVerifier().verify(item, x509_cert=key.certificate) for item in signed
        ],
    }
    best = dict.fromkeys(work, 0.0)
    for _ in range(rounds):
        for name, run in work.items():
            handed[:] = [copy.copy(item) for item in signed]
            started = time.process_time()
            run()
            seconds = max(time.process_time() - started, 1e-9)
            best[name] = max(best[name], len(documents) / seconds)
    return SignatureBench(
        key_type=key.key_id,
        count=len(documents),
        message_bytes=sum(len(etree.tostring(item)) for item in documents) // len(documents),
        signs_per_second=best["sign"],
        verifies_per_second=best["verify"],
        raw_signs_per_second=best["raw sign"],
        raw_verifies_per_second=best["raw verify"],
        signxml_signs_per_second=best["signxml sign"],
        signxml_verifies_per_second=best["signxml verify"],
    )


def _raw_operations(key: SigningKey) -> tuple[Callable[[], bytes], Callable[[], None]]:
    """Sign and verify a SHA-256 digest with the key alone: the floor under any XML-DSig."""
    prehashed = utils.Prehashed(hashes.SHA256())
    private_key, public_key = key.private_key, key.certificate.public_key()
    if isinstance(private_key, rsa.RSAPrivateKey) and isinstance(public_key, rsa.RSAPublicKey):
        pkcs1 = padding.PKCS1v15()
        rsa_signature = private_key.sign(_DIGEST, pkcs1, prehashed)
        rsa_public = public_key
        return (
            lambda: private_key.sign(_DIGEST, pkcs1, prehashed),
            lambda: rsa_public.verify(rsa_signature, _DIGEST, pkcs1, prehashed),
        )
    if isinstance(private_key, ec.EllipticCurvePrivateKey) and isinstance(
        public_key, ec.EllipticCurvePublicKey
    ):
        ecdsa = ec.ECDSA(prehashed)
        ec_signature = private_key.sign(_DIGEST, ecdsa)
        ec_public = public_key
        return (
            lambda: private_key.sign(_DIGEST, ecdsa),
            lambda: ec_public.verify(ec_signature, _DIGEST, ecdsa),
        )
    raise TypeError("only RSA and EC P-256 keys sign for the gateway")
