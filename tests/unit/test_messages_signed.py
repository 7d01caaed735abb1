"""Messages as built here, signed and verified by the security layer, stay valid and readable."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

from gateway.domain.dublin import DublinRegime
from gateway.domain.eurodac import Regime
from gateway.messages import build_element, parse_message, serialize, transmitted
from gateway.messages.examples import example_messages
from gateway.security.identity import PeerId
from gateway.security.pki import Usage, issue, make_crl, make_root_ca
from gateway.security.signer import Signer, SigningKey
from gateway.security.trust import TrustStore
from gateway.security.verifier import Verifier
from gateway.validation import parse_xml, validate

NOW = datetime(2026, 9, 15, 10, 30, tzinfo=UTC)
GATEWAY = PeerId(party="BE", system="gateway")
EXAMPLES = example_messages()


@pytest.fixture(scope="module")
def signer_and_verifier() -> tuple[Signer, Verifier]:
    root = make_root_ca("Test Root CA", now=NOW)
    issued = issue(root, peer=GATEWAY, usage=Usage.SIGNING, now=NOW)
    key = SigningKey(key_id="test", private_key=issued.private_key, chain=(issued.certificate,))
    trust = TrustStore.checked(
        anchors={"BE": [root.certificate]}, crls=[make_crl(root, [], now=NOW)]
    )
    return Signer([key], active="test"), Verifier(trust)


@pytest.mark.parametrize(
    ("name", "regime"),
    [
        ("eurodac.enrolment", Regime.EURODAC_2024),
        ("eurodac.mark", Regime.EURODAC_2013),
        ("dublinet.take-charge-request", DublinRegime.AMMR),
        ("dublinet.reexamination-request", DublinRegime.DUBLIN3),
    ],
)
def test_a_signed_message_validates_verifies_and_reads_back(
    signer_and_verifier: tuple[Signer, Verifier], name: str, regime: Regime | DublinRegime
) -> None:
    signer, verifier = signer_and_verifier
    message = EXAMPLES[(name, regime)]
    assert message.envelope.sender.system == GATEWAY.system
    signed = signer.sign(build_element(message), at=message.envelope.created_at)
    received = parse_xml(serialize(signed))
    validate(received)  # ds:Signature sits in the schema's signature slot
    assert etree.QName(received[-1]).localname == "Signature"
    verified = verifier.verify(received, expected=GATEWAY, at=message.envelope.created_at)
    assert parse_message(verified.element) == transmitted(message)
