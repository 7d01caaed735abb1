"""Faults a tester switches on per simulated endpoint, and how signed bytes are spoiled.

An endpoint is `eurodac` or a member state code of a DubliNet peer (`NL`);
`*` applies to every endpoint that has no faults of its own. The faults act
on the way in (the gateway's POST: dropped, delayed, answered 5xx, a wrong
TLS certificate), on the acknowledgement (signature corrupt or missing) and
on the way out (replies with a spoiled signature or presenting an untrusted
TLS client certificate, delivered twice, or out of order). Faults on the way
out act at each delivery attempt, so a reply refused while one is on goes
through once it is switched off.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from lxml import etree

from gateway.domain.frozen import frozen
from gateway.errors import InputError
from gateway.security.verifier import DS
from gateway.validation import parse_xml

__all__ = [
    "ANY_ENDPOINT",
    "FaultBoard",
    "Faults",
    "SignatureFault",
    "spoil_signature",
]

ANY_ENDPOINT = "*"
BAD_FAULT = "GW-SIM-FAULT"


class SignatureFault(StrEnum):
    NONE = "none"
    CORRUPT = "corrupt"  # the signature value is changed: the signature no longer holds
    MISSING = "missing"  # the signature element is removed


@frozen
class Faults:
    """What goes wrong at one endpoint. The default is nothing."""

    drop: bool = False  # close the connection without an answer
    delay_ms: int = 0  # wait before answering
    http_status: int | None = None  # answer this status (5xx) instead of an acknowledgement
    tls: bool = False  # present an untrusted certificate in the TLS handshake
    ack_signature: SignatureFault = SignatureFault.NONE
    reply_signature: SignatureFault = SignatureFault.NONE
    reply_tls: bool = False  # deliver replies with an untrusted TLS client certificate
    duplicate: bool = False  # deliver each reply twice
    out_of_order: bool = False  # hold a reply back until the next one has been delivered

    def __post_init__(self) -> None:
        if self.delay_ms < 0:
            raise ValueError("delay_ms is not negative")
        if self.http_status is not None and not 400 <= self.http_status <= 599:
            raise ValueError("http_status is an error status, 400 to 599")

    @property
    def active(self) -> bool:
        return self != Faults()

    @classmethod
    def from_json(cls, data: object) -> Faults:
        """Faults from a JSON object; unknown names and bad values are an `InputError`."""
        if not isinstance(data, Mapping):
            raise InputError(BAD_FAULT, "faults are a JSON object", "/")
        known = {field.name: field for field in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name not in known:
                raise InputError(
                    BAD_FAULT, f"no fault {name!r} (faults: {', '.join(sorted(known))})", name
                )
            values[name] = _convert(name, value)
        try:
            return cls(**values)
        except ValueError as error:
            raise InputError(BAD_FAULT, str(error), "/") from None

    def to_json(self) -> dict[str, Any]:
        return {
            field.name: getattr(self, field.name).value
            if isinstance(getattr(self, field.name), StrEnum)
            else getattr(self, field.name)
            for field in dataclasses.fields(self)
        }


def _convert(name: str, value: object) -> object:
    if name in {"ack_signature", "reply_signature"}:
        try:
            return SignatureFault(str(value))
        except ValueError:
            allowed = ", ".join(fault.value for fault in SignatureFault)
            raise InputError(BAD_FAULT, f"{name} is one of {allowed}", name) from None
    if name in {"delay_ms", "http_status"}:
        if value is None and name == "http_status":
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(BAD_FAULT, f"{name} is a whole number", name)
        return value
    if not isinstance(value, bool):
        raise InputError(BAD_FAULT, f"{name} is true or false", name)
    return value


class FaultBoard:
    """The faults of every endpoint, changed at run time by the control API."""

    def __init__(self) -> None:
        self._faults: dict[str, Faults] = {}
        self._lock = threading.Lock()  # the TLS callback reads it outside the event loop's flow

    def set(self, endpoint: str, faults: Faults) -> None:
        with self._lock:
            if faults.active:
                self._faults[endpoint] = faults
            else:
                self._faults.pop(endpoint, None)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def of(self, endpoint: str) -> Faults:
        with self._lock:
            return self._faults.get(endpoint) or self._faults.get(ANY_ENDPOINT) or Faults()

    def snapshot(self) -> dict[str, Faults]:
        with self._lock:
            return dict(self._faults)


def spoil_signature(signed: bytes, fault: SignatureFault) -> bytes:
    """The signed document with its signature corrupted or removed (or as it is)."""
    if fault is SignatureFault.NONE:
        return signed
    root = parse_xml(signed)
    signature = root.find(f"{{{DS}}}Signature")
    if signature is None:
        return signed
    if fault is SignatureFault.MISSING:
        root.remove(signature)
    else:
        # A different first character of the signature value: still base64, no longer valid.
        value = signature.find(f"{{{DS}}}SignatureValue")
        text = "".join((value.text or "").split()) if value is not None else ""
        if value is not None and text:
            value.text = ("B" if text[0] == "A" else "A") + text[1:]
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
