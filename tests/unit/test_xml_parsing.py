"""The hardened parser refuses every classic XML attack, each with its own code."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from network_probe import probe

from gateway.errors import ConfigError, InputError
from gateway.settings import load_settings
from gateway.validation import XmlLimits, parse_xml

SMALL = XmlLimits(max_bytes=4096, max_depth=8)


def refusal(data: bytes, limits: XmlLimits = SMALL) -> InputError:
    with pytest.raises(InputError) as caught:
        parse_xml(data, limits)
    return caught.value


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    return path


@pytest.fixture
def listener() -> Iterator[tuple[str, threading.Event]]:
    with probe() as found:
        yield found


def test_a_plain_document_parses() -> None:
    root = parse_xml(b"<a><b>text</b></a>", SMALL)
    assert root.tag == "a"
    assert root.findtext("b") == "text"


def test_external_entity_to_a_file_is_refused(secret_file: Path) -> None:
    document = (
        f'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file://{secret_file}">]><a>&x;</a>'
    ).encode()
    error = refusal(document)
    assert error.code == "GW-XML-ENTITY"
    assert "TOP-SECRET" not in str(error)


def test_external_parameter_entity_is_refused(secret_file: Path) -> None:
    document = f'<!DOCTYPE a [<!ENTITY % p SYSTEM "file://{secret_file}"> %p;]><a/>'.encode()
    assert refusal(document).code == "GW-XML-ENTITY"


def test_external_entity_over_the_network_is_refused_without_connecting(
    listener: tuple[str, threading.Event],
) -> None:
    url, touched = listener
    document = f'<!DOCTYPE a [<!ENTITY x SYSTEM "{url}">]><a>&x;</a>'.encode()
    assert refusal(document).code == "GW-XML-ENTITY"
    assert not touched.is_set()


def test_billion_laughs_is_refused() -> None:
    levels = ['<!ENTITY l0 "lol">'] + [
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    ]
    document = f"<!DOCTYPE a [{''.join(levels)}]><a>&l9;</a>".encode()
    assert refusal(document, XmlLimits()).code == "GW-XML-ENTITY-EXPANSION"


def test_external_dtd_is_refused_without_fetching(listener: tuple[str, threading.Event]) -> None:
    url, touched = listener
    document = f'<!DOCTYPE a SYSTEM "{url}"><a/>'.encode()
    assert refusal(document).code == "GW-XML-DTD"
    assert not touched.is_set()


def test_any_doctype_is_refused() -> None:
    assert refusal(b"<!DOCTYPE a><a/>").code == "GW-XML-DTD"


def test_an_undeclared_entity_is_refused() -> None:
    assert refusal(b"<a>&undeclared;</a>").code == "GW-XML-ENTITY"


def test_an_oversized_document_is_refused_before_parsing() -> None:
    document = b"<a>" + b"x" * SMALL.max_bytes + b"</a>"
    error = refusal(document)
    assert error.code == "GW-XML-TOO-LARGE"
    # a document at the limit itself is accepted
    at_limit = b"<a>" + b"x" * (SMALL.max_bytes - 7) + b"</a>"
    assert len(at_limit) == SMALL.max_bytes
    assert parse_xml(at_limit, SMALL).tag == "a"


@pytest.mark.parametrize("depth", [SMALL.max_depth + 1, 100, 1000])
def test_an_over_deep_document_is_refused(depth: int) -> None:
    document = b"<a>" * depth + b"</a>" * depth
    limits = XmlLimits(max_depth=SMALL.max_depth)
    assert refusal(document, limits).code == "GW-XML-TOO-DEEP"


def test_the_depth_limit_itself_is_accepted() -> None:
    depth = SMALL.max_depth
    root = parse_xml(b"<a>" * depth + b"</a>" * depth, SMALL)
    assert len(list(root.iter())) == depth


@pytest.mark.parametrize("document", [b"", b"<a>", b"<a></b>", b"not xml", b"<a/><b/>"], ids=repr)
def test_malformed_documents_are_syntax_errors(document: bytes) -> None:
    error = refusal(document)
    assert error.code == "GW-XML-SYNTAX"
    assert error.path.startswith("line ")


def test_limits_are_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        XmlLimits(max_bytes=0)


def test_the_limits_are_settings_with_the_same_defaults() -> None:
    settings = load_settings({})
    assert (settings.max_xml_bytes, settings.max_xml_depth) == (
        XmlLimits().max_bytes,
        XmlLimits().max_depth,
    )
    assert load_settings({"EUGW_MAX_XML_DEPTH": "12"}).max_xml_depth == 12
    with pytest.raises(ConfigError) as caught:
        load_settings({"EUGW_MAX_XML_BYTES": "0"})
    assert caught.value.path == "EUGW_MAX_XML_BYTES"
