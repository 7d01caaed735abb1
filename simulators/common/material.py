"""Keys and certificates of the simulated parties, and the trust store they check with.

The layout is the one `eugw certs init` writes (`gateway.security.demo`):

    trust/<PARTY>/*.pem                       the trust store
    peers/<party>-<system>/signing.*.pem      a party's signing key and certificate
    peers/<party>-<system>/tls-server.*.pem   its TLS server certificate
    peers/<party>-<system>/tls-client.*.pem   its TLS client certificate
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from gateway.domain.frozen import frozen
from gateway.errors import ConfigError, SecurityError
from gateway.security.identity import PeerId
from gateway.security.pki import KeyType, Usage, issue, make_root_ca, write_pem_pair
from gateway.security.signer import Signer, SigningKey
from gateway.security.trust import TrustStore

__all__ = ["PartyMaterial", "load_party", "load_trust", "write_wrong_tls"]

MISSING = "GW-SIM-CERTS"


@frozen
class PartyMaterial:
    """What one simulated party signs and connects with."""

    peer: PeerId
    signer: Signer
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _folder(certs: Path, peer: PeerId) -> Path:
    return certs / "peers" / f"{peer.party.lower()}-{peer.system}"


def load_party(certs: Path, peer: PeerId) -> PartyMaterial:
    """The material of `peer` from a demo PKI directory, or a ConfigError naming what is missing."""
    folder = _folder(certs, peer)
    paths = {
        (name, kind): folder / f"{name}.{kind}.pem"
        for name in ("signing", "tls-server", "tls-client")
        for kind in ("cert", "key")
    }
    missing = [str(path) for path in paths.values() if not path.is_file()]
    if missing:
        raise ConfigError(
            MISSING,
            f"no keys and certificates for {peer} (run `eugw certs init` or pass --certs); "
            f"missing: {', '.join(missing)}",
            str(folder),
        )
    key = SigningKey.from_pem(
        f"{peer.party.lower()}-{peer.system}",
        paths[("signing", "key")].read_bytes(),
        paths[("signing", "cert")].read_bytes(),
    )
    return PartyMaterial(
        peer=peer,
        signer=Signer([key], active=key.key_id),
        server_cert=paths[("tls-server", "cert")],
        server_key=paths[("tls-server", "key")],
        client_cert=paths[("tls-client", "cert")],
        client_key=paths[("tls-client", "key")],
    )


def load_trust(certs: Path) -> TrustStore:
    """The trust store of a demo PKI directory; a ConfigError when there is none."""
    try:
        return TrustStore.from_directory(certs / "trust")
    except SecurityError as error:
        raise ConfigError(
            MISSING,
            f"no trust store in {certs} (run `eugw certs init DIR` and pass --certs DIR): "
            f"{error.message}",
            error.path,
        ) from None


def write_wrong_tls(
    directory: Path, peer: PeerId, *, now: datetime, usage: Usage = Usage.TLS_SERVER
) -> tuple[Path, Path]:
    """A TLS certificate for `peer` under a CA nobody trusts: a server certificate for the
    `tls` fault, a client certificate for `reply_tls`."""
    root = make_root_ca("Untrusted simulator CA (tls fault)", now=now, key_type=KeyType.EC)
    issued = issue(
        root,
        peer=peer,
        usage=usage,
        now=now,
        key_type=KeyType.EC,
        dns_names=["localhost"],
        ip_addresses=["127.0.0.1"],
    )
    name = "wrong-tls" if usage is Usage.TLS_SERVER else f"wrong-{usage.value}"
    return write_pem_pair(issued, directory, name)  # the key 0600 from its first byte
