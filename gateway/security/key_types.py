"""The kinds of key the gateway signs with, apart from `pki` (which needs `cryptography`) so
that a command's options can offer them without importing it."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["KeyType"]


class KeyType(StrEnum):
    RSA = "rsa"  # RSA-2048, signs with RSA-SHA256
    EC = "ec"  # P-256, signs with ECDSA-SHA256
