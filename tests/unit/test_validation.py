"""XSD validation: the schema pack, the fast path, and diagnostics with element paths."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from lxml import etree
from network_probe import probe

from gateway.errors import ConfigError, InputError
from gateway.validation import (
    SchemaPack,
    default_pack,
    element_path,
    pack_root,
    parse_xml,
    validator,
)
from gateway.validation import validate as validate_root

PROJECT = Path(__file__).resolve().parents[2]
XS = "{http://www.w3.org/2001/XMLSchema}"
NS = {"xs": XS[1:-1]}

ACK = b"""<d:Acknowledgement xmlns:d="urn:eu-gateway:dublinet:v1"
    xmlns:c="urn:eu-gateway:common:v1">
  <c:Envelope>
    <c:MessageId>4f0c8a5e-2b1d-4c3e-9f7a-1a2b3c4d5e6f</c:MessageId>
    <c:ConversationId>4f0c8a5e-2b1d-4c3e-9f7a-1a2b3c4d5e6f</c:ConversationId>
    <c:Sender><c:Authority>NL</c:Authority><c:System>nap</c:System></c:Sender>
    <c:Recipient><c:Authority>BE</c:Authority><c:System>eu-gateway</c:System></c:Recipient>
    <c:CreatedAt>2026-09-15T10:00:00Z</c:CreatedAt>
    <c:Regime>2024/1351</c:Regime>
    <c:SchemaVersion>1.0</c:SchemaVersion>
    <c:MessageType>dublinet.ack</c:MessageType>
  </c:Envelope>
  <d:AcknowledgedMessageId>9b2e7c1d-0a4f-4e8b-8c6d-5f3a2b1c0d9e</d:AcknowledgedMessageId>
  <d:ReceivedAt>2026-09-15T10:00:00Z</d:ReceivedAt>
</d:Acknowledgement>"""

SIGNATURE = b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X/></ds:Signature>'


def check(document: bytes) -> InputError:
    with pytest.raises(InputError) as caught:
        validate_root(parse_xml(document))
    return caught.value


def test_a_valid_document_passes() -> None:
    validate_root(parse_xml(ACK))


def test_a_signature_is_allowed_as_last_child_only() -> None:
    validate_root(
        parse_xml(ACK.replace(b"</d:Acknowledgement>", SIGNATURE + b"</d:A" + b"cknowledgement>"))
    )
    moved = ACK.replace(b"  <d:AcknowledgedMessageId>", SIGNATURE + b"<d:AcknowledgedMessageId>")
    assert check(moved).code == "GW-VAL-SCHEMA"


def test_schema_location_hints_in_a_document_are_not_followed() -> None:
    with probe() as (url, touched):
        hint = (
            '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:schemaLocation="http://www.w3.org/2000/09/xmldsig# {url}"><ds:X/></ds:Signature>'
        ).encode()
        document = ACK.replace(b"</d:Acknowledgement>", hint + b"</d:Acknowledgement>")
        error = check(document.replace(b"<c:SchemaVersion>1.0", b"<c:SchemaVersion>v1.0"))
    assert error.code == "GW-VAL-SCHEMA"
    assert not touched.is_set()


def test_each_bad_element_is_reported_with_its_path() -> None:
    bad = ACK.replace(b"5e6f</c:MessageId>", b"5e6X</c:MessageId>").replace(
        b"10:00:00Z</d:ReceivedAt>", b"10:00:00</d:ReceivedAt>"
    )
    error = check(bad)
    assert error.code == "GW-VAL-SCHEMA"
    assert [problem.path for problem in error.problems] == [
        "/Acknowledgement/Envelope/MessageId",
        "/Acknowledgement/ReceivedAt",
    ]
    assert all(problem.code == "GW-VAL-SCHEMA" for problem in error.problems)


def test_a_missing_element_names_its_parent() -> None:
    missing = re.sub(rb"\s*<c:Regime>.*?</c:Regime>", b"", ACK)
    error = check(missing)
    assert error.problems[0].path == "/Acknowledgement/Envelope"
    assert "Regime" in error.problems[0].message


def test_an_unknown_member_state_is_refused() -> None:
    error = check(ACK.replace(b">NL<", b">XX<"))
    assert error.problems[0].path == "/Acknowledgement/Envelope/Sender/Authority"


def test_an_unknown_namespace_is_refused() -> None:
    error = check(b'<a xmlns="urn:example:other"/>')
    assert error.code == "GW-VAL-NAMESPACE"
    assert check(b"<a/>").code == "GW-VAL-NAMESPACE"


def test_element_paths_number_repeated_names() -> None:
    root = etree.fromstring(b"<a><b/><c><d/><d/></c></a>")
    assert element_path(root) == "/a"
    assert element_path(root[1][1]) == "/a/c/d[2]"
    assert element_path(root[0]) == "/a/b"


def test_the_pack_is_read_from_the_repository_in_an_editable_install() -> None:
    assert pack_root() == PROJECT / "schemas"


def test_the_catalogue_names_each_schema_by_its_target_namespace() -> None:
    pack = default_pack()
    assert len(pack.namespaces) == 3
    for namespace in pack.namespaces:
        document = etree.parse(str(pack.path_of(namespace)))
        assert document.getroot().get("targetNamespace") == namespace
        assert re.fullmatch(r"urn:eu-gateway:[a-z]+(:[0-9-]+)?:v\d+", namespace)


def test_every_message_and_type_of_the_packs_cites_an_article() -> None:
    uncited = []
    for path in (PROJECT / "schemas").rglob("*.xsd"):
        schema = etree.parse(str(path)).getroot()
        documented = [*schema.iterchildren(f"{XS}element"), *schema.iter(f"{XS}complexType")]
        for node in documented:
            text = " ".join(node.xpath("xs:annotation/xs:documentation/text()", namespaces=NS))
            if not re.search(r"Arts? \d+|Annex", text):
                uncited.append(f"{path.parent.name}/{path.name}: {node.get('name')}")
    assert uncited == []


def write_pack(folder: Path, import_location: str) -> Path:
    folder.mkdir()
    (folder / "catalog.toml").write_text(
        '[[schema]]\nnamespace = "urn:t"\nfile = "t.xsd"\n', encoding="utf-8"
    )
    (folder / "t.xsd").write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t">'
        f'<xs:import namespace="urn:o" schemaLocation="{import_location}"/>'
        '<xs:element name="t" type="xs:string"/></xs:schema>',
        encoding="utf-8",
    )
    return folder


def test_a_schema_may_not_import_a_file_outside_its_pack(tmp_path: Path) -> None:
    (tmp_path / "outside.xsd").write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:o"/>',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        SchemaPack(write_pack(tmp_path / "pack", "../outside.xsd"))
    assert caught.value.code == "GW-CFG-SCHEMA-PACK"


def test_a_schema_may_not_import_from_the_network(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        SchemaPack(write_pack(tmp_path / "pack", "http://127.0.0.1:9/o.xsd"))
    assert caught.value.code == "GW-CFG-SCHEMA-PACK"


def test_a_pack_without_catalogue_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        SchemaPack(tmp_path)
    assert caught.value.code == "GW-CFG-SCHEMA-PACK"


def test_diagnostics_stop_after_a_bounded_number_of_problems(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    golden = (PROJECT / "tests" / "golden" / "dublinet.reply.2024-1351.xml").read_bytes()
    codes = b"".join(b"<d:ReasonCode>BAD CODE</d:ReasonCode>" for _ in range(12))
    flooded = golden.replace(b"<d:ReasonCode>no-evidence</d:ReasonCode>", codes)
    assert len(check(flooded).problems) == 12
    monkeypatch.setattr(validator, "MAX_PROBLEMS", 3)
    assert len(check(flooded).problems) == 3


def test_the_pack_works_wherever_it_is_installed(tmp_path: Path) -> None:
    # as in a wheel, where the pack is gateway/_schemas beside the code
    installed = tmp_path / "gateway" / "_schemas"
    shutil.copytree(PROJECT / "schemas", installed)
    pack = SchemaPack(installed)
    golden = (PROJECT / "tests" / "golden" / "eurodac.enrolment.2024-1358.xml").read_bytes()
    validate_root(parse_xml(golden), pack)
    assert all(pack.path_of(ns).is_relative_to(installed) for ns in pack.namespaces)
