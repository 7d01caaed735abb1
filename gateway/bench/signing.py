"""Signing and verification stages for the message benchmark, and their bare signxml floor.

Each run makes a throw-away PKI (a root CA and the gateway's signing
certificate). The gateway's `sign` stage goes after outbound validation and
`verify` (full checks: placement, algorithms, chain, revocation, expected
signer) after inbound validation. The floor does what the issue names: a bare
loop of lxml XSD validation plus signxml sign and verify on the same documents.
"""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm
from signxml.signer import XMLSigner
from signxml.verifier import XMLVerifier

from gateway.bench.messages import Floor, Stage, add_floor, add_stage
from gateway.messages.envelope import GATEWAY_SYSTEM
from gateway.security.identity import PeerId
from gateway.security.pki import KeyType, Usage, issue, make_crl, make_root_ca
from gateway.security.signer import Signer, SigningKey
from gateway.security.trust import TrustStore
from gateway.security.verifier import Verifier
from gateway.validation import default_pack

__all__ = ["FLOOR_NAME", "add_signatures"]

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
