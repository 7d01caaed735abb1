"""Builders refuse parts that do not fit; readers refuse what the model cannot hold."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from lxml import etree

from gateway.domain.dublin import DublinRegime, DublinReply, RequestType
from gateway.domain.eurodac import Operation, Regime
from gateway.errors import InputError
from gateway.messages import (
    MESSAGE_TYPES,
    Message,
    build_element,
    build_message,
    message_type,
    parse_message,
    read_message,
    serialize,
)
from gateway.messages.examples import example_messages
from gateway.messages.registry import NAMESPACES
from gateway.validation import validate

EXAMPLES = example_messages()
C = "urn:eu-gateway:common:v1"


def example(name: str, regime: Regime | DublinRegime) -> Message:
    return EXAMPLES[(name, regime)]


def refused(action: object) -> InputError:
    assert callable(action)
    with pytest.raises(InputError) as caught:
        action()
    return caught.value


def refused_under(message: Message, regime: Regime | DublinRegime) -> InputError:
    """What building `message` raises when its envelope names `regime`."""
    envelope = dataclasses.replace(message.envelope, regime=regime)
    return refused(lambda: build_element(dataclasses.replace(message, envelope=envelope)))


def test_the_registry_lists_the_types_of_the_issue() -> None:
    expected = {
        "eurodac.enrolment", "eurodac.search", "eurodac.mark", "eurodac.unmark",
        "eurodac.delete", "eurodac.correct", "eurodac.ack", "eurodac.hit", "eurodac.no-hit",
        "eurodac.error", "eurodac.status", "eurodac.marking-notice", "dublinet.take-charge-request",
        "dublinet.take-back-request",
        "dublinet.take-back-notification", "dublinet.info-request",
        "dublinet.dependent-persons-request", "dublinet.minor-family-request",
        "dublinet.pre-transfer-information", "dublinet.health-certificate", "dublinet.reply",
        "dublinet.reexamination-request", "dublinet.reexamination-reply",
        "dublinet.transfer-arrangement", "dublinet.ack",
    }  # fmt: skip
    assert set(MESSAGE_TYPES) == expected
    assert {k.request_type for k in MESSAGE_TYPES.values() if k.request_type} == set(RequestType)
    assert MESSAGE_TYPES["dublinet.take-back-request"].regimes == (DublinRegime.DUBLIN3,)
    assert MESSAGE_TYPES["dublinet.take-back-notification"].regimes == (DublinRegime.AMMR,)
    assert MESSAGE_TYPES["eurodac.enrolment"].schemas == {
        Regime.EURODAC_2013: "urn:eu-gateway:eurodac:603-2013:v1",
        Regime.EURODAC_2024: "urn:eu-gateway:eurodac:2024-1358:v1",
    }


def test_an_unknown_type_names_the_known_ones() -> None:
    error = refused(lambda: message_type("eurodac.nonsense"))
    assert error.code == "GW-MSG-UNKNOWN-TYPE"
    assert "eurodac.enrolment" in error.message


def test_content_of_the_wrong_kind_is_refused() -> None:
    enrolment = example("eurodac.enrolment", Regime.EURODAC_2024)
    ack = example("eurodac.ack", Regime.EURODAC_2024)
    mixed = dataclasses.replace(enrolment, content=ack.content)
    assert refused(lambda: build_element(mixed)).code == "GW-MSG-CONTENT"


@pytest.mark.parametrize(
    ("regime", "envelope_of", "content_of", "path"),
    [
        pytest.param(
            Regime.EURODAC_2024, "eurodac.enrolment", "eurodac.search", "transaction.operation",
            id="an operation that is not the type's",
        ),
        pytest.param(
            DublinRegime.AMMR, "dublinet.info-request", "dublinet.take-charge-request",
            "request.request_type", id="a dublin request of another type",
        ),
    ],
)  # fmt: skip
def test_the_content_of_another_type_is_refused(
    regime: Regime | DublinRegime, envelope_of: str, content_of: str, path: str
) -> None:
    envelope = example(envelope_of, regime).envelope
    wrong = dataclasses.replace(example(content_of, regime), envelope=envelope)
    error = refused(lambda: build_element(wrong))
    assert (error.code, error.path) == ("GW-MSG-CONTENT", path)


def test_the_envelope_regime_must_be_the_contents() -> None:
    error = refused_under(example("eurodac.enrolment", Regime.EURODAC_2024), Regime.EURODAC_2013)
    assert (error.code, error.path) == ("GW-MSG-REGIME", "envelope.regime")


def test_a_take_back_request_does_not_exist_under_the_ammr() -> None:
    error = refused_under(
        example("dublinet.take-back-request", DublinRegime.DUBLIN3), DublinRegime.AMMR
    )
    assert error.code == "GW-MSG-REGIME"


def test_a_dublin_request_needs_the_registration_date() -> None:
    charge = example("dublinet.take-charge-request", DublinRegime.AMMR)
    content = charge.content
    assert hasattr(content, "record")
    application = dataclasses.replace(content.record.application, registered_on=None)
    record = dataclasses.replace(content.record, application=application)
    bare = dataclasses.replace(charge, content=dataclasses.replace(content, record=record))
    error = refused(lambda: build_element(bare))
    assert (error.code, error.path) == ("GW-MSG-REGIME", "record.application.registered_on")


def test_the_dublin_regime_follows_the_registration_date() -> None:
    error = refused_under(
        example("dublinet.take-charge-request", DublinRegime.AMMR), DublinRegime.DUBLIN3
    )
    assert error.code == "GW-MSG-REGIME"
    assert "2024/1351" in error.message


def test_the_603_2013_enrolment_carries_no_name_and_no_face() -> None:
    root = build_element(example("eurodac.enrolment", Regime.EURODAC_2013))
    text = serialize(root)
    assert b"HADDAD" not in text
    assert b"FacialImage" not in text
    assert b"<e:Sex>M</e:Sex>" in text


def test_no_message_carries_national_file_numbers() -> None:
    for message in EXAMPLES.values():
        assert b"9876543<" not in build_message(message)


def test_a_root_that_disagrees_with_its_envelope_is_refused() -> None:
    root = build_element(example("eurodac.search", Regime.EURODAC_2024))
    root.find(f"{{{C}}}Envelope/{{{C}}}MessageType").text = "eurodac.enrolment"
    validate(root)
    error = refused(lambda: parse_message(root))
    assert (error.code, error.path) == ("GW-MSG-TYPE-MISMATCH", "/Search/Envelope/MessageType")


def test_a_regime_that_disagrees_with_the_namespace_is_refused() -> None:
    root = build_element(example("eurodac.no-hit", Regime.EURODAC_2024))
    root.find(f"{{{C}}}Envelope/{{{C}}}Regime").text = "603/2013"
    error = refused(lambda: parse_message(root))
    assert (error.code, error.path) == ("GW-MSG-REGIME", "/NoHit/Envelope/Regime")


def test_a_value_the_schema_allows_but_the_model_cannot_hold_names_its_element() -> None:
    root = build_element(example("eurodac.enrolment", Regime.EURODAC_2024))
    birth = root.find(f".//{{{C}}}BirthDate")
    assert birth is not None
    birth.text = "1990-02-31"
    validate(root)
    error = refused(lambda: read_message(serialize(root)))
    assert (error.code, error.path) == ("GW-MSG-VALUE", "/Enrolment/Subject/BirthDate")


@pytest.mark.parametrize(
    ("name", "regime", "element", "value", "path"),
    [
        ("eurodac.enrolment", Regime.EURODAC_2024, "Quality", "101",
         "/Enrolment/Biometrics/Fingerprint[1]/Quality"),
        ("eurodac.enrolment", Regime.EURODAC_2013, "Category", "7",
         "/Enrolment/Transaction/Category"),
        ("eurodac.hit", Regime.EURODAC_2024, "Marked", "perhaps", "/Hit/Match/Marked"),
        ("dublinet.take-charge-request", DublinRegime.AMMR, "RequestedState", "XX",
         "/TakeChargeRequest/RequestedState"),
        ("dublinet.reply", DublinRegime.DUBLIN3, "Outcome", "maybe", "/Reply/Outcome"),
    ],
)  # fmt: skip
def test_schema_invalid_documents_name_the_bad_element(
    name: str, regime: Regime | DublinRegime, element: str, value: str, path: str
) -> None:
    root = build_element(example(name, regime))
    namespace = NAMESPACES[regime]
    target = root.find(f".//{{{namespace}}}{element}")
    assert target is not None
    target.text = value
    error = refused(lambda: read_message(serialize(root)))
    assert error.code == "GW-VAL-SCHEMA"
    assert [problem.path for problem in error.problems] == [path]


def test_a_missing_required_element_names_its_parent() -> None:
    root = build_element(example("dublinet.transfer-arrangement", DublinRegime.AMMR))
    namespace = NAMESPACES[DublinRegime.AMMR]
    mode = root.find(f"{{{namespace}}}Mode")
    assert mode is not None
    root.remove(mode)
    error = refused(lambda: read_message(serialize(root)))
    assert error.code == "GW-VAL-SCHEMA"
    assert error.problems[0].path == "/TransferArrangement"


def test_a_mark_reason_of_the_2024_regime_is_refused_under_603_2013() -> None:
    root = build_element(example("eurodac.mark", Regime.EURODAC_2013))
    reason = root.find(f"{{{NAMESPACES[Regime.EURODAC_2013]}}}Reason")
    assert reason is not None
    reason.text = "residence-document"
    error = refused(lambda: read_message(serialize(root)))
    assert [p.path for p in error.problems] == ["/Mark/Reason"]


def test_the_root_has_no_id_and_every_example_has_a_fresh_identity() -> None:
    ids = {message.envelope.message_id for message in EXAMPLES.values()}
    assert len(ids) == len(EXAMPLES)
    assert all(isinstance(i, uuid.UUID) for i in ids)
    for message in EXAMPLES.values():
        assert build_element(message).attrib == {}


def test_an_operation_is_given_for_every_eurodac_request() -> None:
    operations = {kind.operation for kind in MESSAGE_TYPES.values() if kind.operation}
    assert operations == set(Operation)
    assert (
        etree.QName(build_element(example("eurodac.delete", Regime.EURODAC_2024))).localname
        == "Delete"
    )


def test_text_that_xml_cannot_carry_is_refused_when_building() -> None:
    enrolment = example("eurodac.enrolment", Regime.EURODAC_2024)
    record = enrolment.content
    assert hasattr(record, "person")
    person = dataclasses.replace(record.person, birth_place="Alep\x00po")
    broken = dataclasses.replace(enrolment, content=dataclasses.replace(record, person=person))
    assert refused(lambda: build_element(broken)).code == "GW-MSG-CONTENT"


def test_text_is_read_whole_across_a_comment_inside_it() -> None:
    """`.text` stops at a comment; the canonical form a signature covers reads on."""
    message = example_messages()[("dublinet.reply", DublinRegime.AMMR)]
    body = serialize(build_element(message))
    spoiled = body.replace(b">No proof of", b">No<!-- a comment --> proof of")
    assert spoiled != body
    reply = read_message(spoiled).content
    assert isinstance(reply, DublinReply)
    assert reply.explanation == "No proof of the stay in the Netherlands was provided."
