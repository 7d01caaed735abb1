"""What was verified is what is read: content a signature does not cover never rides along
with a peer's message (issue: a comment put into signed text after signing still verified,
and the next message we signed carried the family name as far as the comment)."""

from __future__ import annotations

import dataclasses

from security.attacker import Attacker, audit_of, nothing_stored
from simkit import Both

from gateway.domain.dublin import DublinRegime
from gateway.messages import DublinSubmission, Message
from gateway.messages.examples import example_content


def _take_charge_request(nl: Attacker, family: str) -> Message:
    example = example_content("dublinet.take-charge-request", DublinRegime.AMMR)
    assert isinstance(example, DublinSubmission)
    request = dataclasses.replace(
        example.request,
        requesting_state="NL",
        requested_state="BE",
        national_reference="NL-2026-COMMENT",
    )
    name = dataclasses.replace(example.record.person.name, family=family, family_original=None)
    person = dataclasses.replace(example.record.person, name=name)
    record = dataclasses.replace(example.record, person=person)
    return nl.message(
        DublinSubmission(request=request, record=record),
        message_type="dublinet.take-charge-request",
        regime=DublinRegime.AMMR,
    )


async def test_a_comment_put_into_signed_text_is_refused(gateway: Both, nl: Attacker) -> None:
    message = _take_charge_request(nl, "HADDAD")
    audit_before = len(await audit_of(gateway))
    status, problem = await nl.deliver(
        gateway, message, spoil=lambda body: body.replace(b">HADDAD<", b">HAD<!--x-->DAD<")
    )
    assert (status, problem["code"]) == (403, "GW-SIG-UNSIGNED")
    await nothing_stored(gateway, message, audit_before)


async def test_unsigned_content_in_the_signature_is_refused(gateway: Both, nl: Attacker) -> None:
    message = _take_charge_request(nl, "HADDAD")
    audit_before = len(await audit_of(gateway))
    ds = b"http://www.w3.org/2000/09/xmldsig#"

    def with_object(body: bytes) -> bytes:
        closing = body.rindex(b"</")  # the signature's own end tag is the last but one
        end = body.rindex(b"</", 0, closing)
        extra = b'<ds:Object xmlns:ds="' + ds + b'"><Family>SMITH</Family></ds:Object>'
        return body[:end] + extra + body[end:]

    status, problem = await nl.deliver(gateway, message, spoil=with_object)
    assert (status, problem["code"]) == (403, "GW-SIG-UNSIGNED")
    await nothing_stored(gateway, message, audit_before)


async def test_the_same_request_unspoiled_opens_its_case_with_the_whole_name(
    gateway: Both, nl: Attacker
) -> None:
    """The control: signed and delivered as it is, the request is NL's to send."""
    message = _take_charge_request(nl, "HADDAD")
    status, _ = await nl.deliver(gateway, message)
    assert status == 200
    tracking = gateway.services.tracking
    assert tracking is not None
    [case] = await tracking.store.cases()
    assert (case.other_state, case.reference) == ("NL", "NL-2026-COMMENT")
