"""Who a certificate names: the peer in its `urn:eu-gateway:peer:PARTY:system` SAN URI.

A peer is a party (the ISO alpha-2 code of a member state, or `EU` for the
central systems) and one of its systems (`eurodac`, `dublinet`, `gateway`).
Names in the subject are for people; the gateway decides on the SAN URI only,
because a URI is exact where a common name is free text.
"""

from __future__ import annotations

import re

from cryptography import x509

from gateway.domain.frozen import frozen
from gateway.errors import SecurityError

__all__ = ["PEER_URI_PREFIX", "PeerId", "peer_ids_of", "peer_of_certificate"]

PEER_URI_PREFIX = "urn:eu-gateway:peer:"
_PARTY = re.compile(r"[A-Z]{2}")
_SYSTEM = re.compile(r"[a-z][a-z0-9-]{0,31}")


@frozen
class PeerId:
    """A party and one of its systems, e.g. `NL:dublinet` or `EU:eurodac`."""

    party: str
    system: str

    def __post_init__(self) -> None:
        if not _PARTY.fullmatch(self.party) or not _SYSTEM.fullmatch(self.system):
            raise ValueError(f"not a peer id: {self.party!r}:{self.system!r}")

    @classmethod
    def parse(cls, text: str) -> PeerId:
        """`NL:dublinet` → `PeerId(party="NL", system="dublinet")`; ValueError otherwise."""
        party, sep, system = text.partition(":")
        if not sep:
            raise ValueError(f"not a peer id (PARTY:system): {text!r}")
        return cls(party=party, system=system)

    @property
    def uri(self) -> str:
        return f"{PEER_URI_PREFIX}{self.party}:{self.system}"

    def __str__(self) -> str:
        return f"{self.party}:{self.system}"


def peer_ids_of(certificate: x509.Certificate) -> list[PeerId]:
    """Every well-formed peer URI in the certificate's subject alternative names."""
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    peers = []
    for uri in names.value.get_values_for_type(x509.UniformResourceIdentifier):
        if uri.startswith(PEER_URI_PREFIX):
            try:
                peers.append(PeerId.parse(uri.removeprefix(PEER_URI_PREFIX)))
            except ValueError:
                continue
    return peers


def peer_of_certificate(certificate: x509.Certificate) -> PeerId:
    """The one peer the certificate names, or a SecurityError when it names none or several."""
    peers = peer_ids_of(certificate)
    if len(peers) != 1:
        raise SecurityError(
            "GW-PKI-NO-PEER-ID",
            f"the certificate names {len(peers)} peers; exactly one "
            f"'{PEER_URI_PREFIX}PARTY:system' subject alternative name is required",
            certificate.subject.rfc4514_string(),
        )
    return peers[0]
