"""Golden files: every message type and regime, built from fixed examples, compared after C14N.

Set EUGW_WRITE_GOLDEN=1 to write missing golden files (then read and commit them).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lxml import etree

from gateway.messages import (
    MESSAGE_TYPES,
    Message,
    MessageRegime,
    build_element,
    read_message,
    transmitted,
)
from gateway.messages.examples import example_messages
from gateway.messages.registry import NAMESPACES
from gateway.validation import default_pack, parse_xml, validate

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
EXAMPLES = example_messages()


def golden_path(name: str, regime: str) -> Path:
    return GOLDEN / f"{name}.{regime.replace('/', '-')}.xml"


def canonical(root: etree._Element) -> bytes:
    return etree.tostring(root, method="c14n", exclusive=True)


def read_golden(path: Path) -> etree._Element:
    # Trusted test data, pretty-printed for people: layout whitespace is dropped before C14N.
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)
    return etree.parse(str(path), parser).getroot()


@pytest.mark.parametrize(
    ("name", "regime"), list(EXAMPLES), ids=[f"{n}@{r.value}" for n, r in EXAMPLES]
)
def test_the_built_message_matches_its_golden_file(name: str, regime: MessageRegime) -> None:
    message = EXAMPLES[(name, regime)]
    built = build_element(message)
    path = golden_path(name, message.envelope.regime.value)
    if not path.exists() and os.environ.get("EUGW_WRITE_GOLDEN") == "1":
        etree.ElementTree(built).write(
            str(path), pretty_print=True, xml_declaration=True, encoding="UTF-8"
        )
    assert path.exists(), f"no golden file {path.name} (EUGW_WRITE_GOLDEN=1 writes it)"
    assert canonical(built) == canonical(read_golden(path))


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.xml")), ids=lambda p: p.name)
def test_each_golden_file_is_valid_and_reads_back_as_its_example(path: Path) -> None:
    root = parse_xml(path.read_bytes())
    validate(root)
    assert etree.QName(root).namespace in default_pack().namespaces
    message = read_message(path.read_bytes())
    example: Message = EXAMPLES[(message.envelope.message_type, message.envelope.regime)]
    assert message == transmitted(example)


def test_every_type_and_regime_has_an_example_and_a_golden_file() -> None:
    expected = {(name, regime) for name, kind in MESSAGE_TYPES.items() for regime in kind.regimes}
    assert set(EXAMPLES) == expected
    assert {p.name for p in GOLDEN.glob("*.xml")} == {
        golden_path(name, regime.value).name for name, regime in expected
    }


def test_each_golden_root_is_in_its_regimes_namespace() -> None:
    for (name, regime), message in EXAMPLES.items():
        root = build_element(message)
        assert etree.QName(root).namespace == NAMESPACES[regime]
        assert etree.QName(root).localname == MESSAGE_TYPES[name].root
        assert root.get("Id") is None  # signed with URI="": xmlsec1 needs no --id-attr
