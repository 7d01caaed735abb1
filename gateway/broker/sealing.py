"""Message bodies at rest: AES-256-GCM with a key ring, so keys can be rotated.

A sealed body is `version (1 byte) | key id length (1) | key id | nonce (12) |
ciphertext+tag`. The message id is authenticated as associated data, so a body
copied onto another message's row does not open. Old keys stay in the ring to
open what they sealed; the active key seals everything new.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gateway.errors import ConfigError, SecurityError

__all__ = ["BodyCipher", "parse_key_ring"]

_VERSION = 1
_NONCE = 12
_KEY_BYTES = 32


@dataclass(frozen=True, slots=True)
class BodyCipher:
    """Seals and opens message bodies with the keys of a ring."""

    keys: Mapping[str, bytes]
    active: str

    def __post_init__(self) -> None:
        if self.active not in self.keys:
            raise ConfigError(
                "GW-CFG-INVALID", f"the active body key {self.active!r} is not in the key ring"
            )
        for key_id, key in self.keys.items():
            if len(key) != _KEY_BYTES or not 0 < len(key_id.encode()) < 256:
                raise ConfigError(
                    "GW-CFG-INVALID", f"body key {key_id!r} must be 32 bytes with a short id"
                )

    @classmethod
    def generate(cls, key_id: str = "k1") -> BodyCipher:
        """A ring with one fresh random key (tests and first start)."""
        return cls({key_id: AESGCM.generate_key(bit_length=256)}, key_id)

    def seal(self, body: bytes, *, message_id: str) -> bytes:
        key_id = self.active.encode()
        nonce = os.urandom(_NONCE)
        sealed = AESGCM(self.keys[self.active]).encrypt(nonce, body, message_id.encode())
        return bytes([_VERSION, len(key_id)]) + key_id + nonce + sealed

    def open(self, sealed: bytes, *, message_id: str) -> bytes:
        if len(sealed) < 2 or sealed[0] != _VERSION:
            raise SecurityError("GW-SEAL-FORMAT", "a stored body is not in a known sealed format")
        end = 2 + sealed[1]
        key_id = sealed[2:end].decode(errors="replace")
        key = self.keys.get(key_id)
        if key is None:
            raise SecurityError(
                "GW-SEAL-KEY", f"the key {key_id!r} that sealed a stored body is not in the ring"
            )
        nonce, ciphertext = sealed[end : end + _NONCE], sealed[end + _NONCE :]
        try:
            return AESGCM(key).decrypt(nonce, ciphertext, message_id.encode())
        except InvalidTag:
            raise SecurityError(
                "GW-SEAL-TAMPERED", "a stored body was altered or belongs to another message"
            ) from None

    def key_of(self, sealed: bytes) -> str:
        """The id of the key that sealed a body (for re-sealing after rotation)."""
        return sealed[2 : 2 + sealed[1]].decode(errors="replace")


def parse_key_ring(text: str, where: str) -> dict[str, bytes]:
    """Keys from `id:base64,id:base64` (the EUGW_BODY_KEYS setting)."""
    ring: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key_id, _, encoded = item.partition(":")
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise ConfigError(
                "GW-CFG-INVALID", f"{where}: key {key_id!r} is not base64", where
            ) from None
        if not key_id or len(key) != _KEY_BYTES:
            raise ConfigError(
                "GW-CFG-INVALID", f"{where}: each key is 'id:base64 of 32 bytes'", where
            )
        ring[key_id] = key
    return ring
