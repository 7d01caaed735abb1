"""Hardened XML parsing and XSD validation of every message that crosses the border."""

from gateway.validation.parsing import DEFAULT_LIMITS, XmlLimits, parse_xml
from gateway.validation.schemas import SchemaPack, default_pack, pack_root
from gateway.validation.validator import element_path, validate

__all__ = [
    "DEFAULT_LIMITS",
    "SchemaPack",
    "XmlLimits",
    "default_pack",
    "element_path",
    "pack_root",
    "parse_xml",
    "validate",
]
