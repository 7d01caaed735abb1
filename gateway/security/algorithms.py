"""The only XML-DSig algorithms the gateway signs with or accepts.

Everything else (SHA-1 above all, RSA-PSS, DSA, HMAC, XPath and XSLT
transforms, inclusive C14N) is refused on verification: a short list is
easier to audit than a long one, and both sides of our exchanges use these.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ALLOWED_TRANSFORMS",
    "C14N_EXCLUSIVE",
    "DIGEST_SHA256",
    "ENVELOPED",
    "SIGNATURE_ECDSA_SHA256",
    "SIGNATURE_METHODS",
    "SIGNATURE_RSA_SHA256",
]

C14N_EXCLUSIVE: Final = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED: Final = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
DIGEST_SHA256: Final = "http://www.w3.org/2001/04/xmlenc#sha256"
SIGNATURE_RSA_SHA256: Final = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SIGNATURE_ECDSA_SHA256: Final = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"

SIGNATURE_METHODS: Final = frozenset({SIGNATURE_RSA_SHA256, SIGNATURE_ECDSA_SHA256})
ALLOWED_TRANSFORMS: Final = frozenset({ENVELOPED, C14N_EXCLUSIVE})
