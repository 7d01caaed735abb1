"""Build the signer, the verifier and the TLS contexts the settings describe.

Relative paths in the settings are under `data_dir`; absolute ones are used
as they are.
"""

from __future__ import annotations

import ssl
from pathlib import Path

from gateway.errors import ConfigError
from gateway.security.identity import PeerId
from gateway.security.signer import Signer, SigningKey
from gateway.security.tls import client_context, server_context
from gateway.security.trust import TrustStore
from gateway.security.verifier import Verifier
from gateway.settings import Settings

__all__ = [
    "client_context_from",
    "server_context_from",
    "signer_from",
    "trust_store_from",
    "verifier_from",
]


def _under_data_dir(settings: Settings, path: Path) -> Path:
    return settings.data_dir / path


def signer_from(settings: Settings) -> Signer:
    """The signing keys of `signing_keys_dir`, with `active_signing_key` active."""
    directory = _under_data_dir(settings, settings.signing_keys_dir)
    keys = SigningKey.from_directory(directory) if directory.is_dir() else []
    if not keys:
        raise ConfigError(
            "GW-PKI-NO-KEY",
            f"no signing key in {directory} (ID.key.pem, its certificate chain in ID.cert.pem): "
            "put the gateway's key there, or for a demo make a DEMO ONLY PKI with `eugw certs "
            "init DIR` and set EUGW_DATA_DIR=DIR",
            str(directory),
        )
    active = settings.active_signing_key
    if not active:
        if len(keys) != 1:
            raise ConfigError(
                "GW-CFG-INVALID",
                f"{len(keys)} signing keys found; set active_signing_key to the one to use",
                "EUGW_ACTIVE_SIGNING_KEY",
            )
        active = keys[0].key_id
    return Signer(keys, active=active)


def trust_store_from(settings: Settings) -> TrustStore:
    return TrustStore.from_directory(_under_data_dir(settings, settings.trust_dir))


def verifier_from(settings: Settings) -> Verifier:
    return Verifier(trust_store_from(settings))


def server_context_from(settings: Settings) -> ssl.SSLContext:
    return server_context(
        cert_file=_under_data_dir(settings, settings.tls_server_cert),
        key_file=_under_data_dir(settings, settings.tls_server_key),
        trust=trust_store_from(settings),
    )


def client_context_from(settings: Settings, server: PeerId | None = None) -> ssl.SSLContext:
    return client_context(
        cert_file=_under_data_dir(settings, settings.tls_client_cert),
        key_file=_under_data_dir(settings, settings.tls_client_key),
        trust=trust_store_from(settings),
        server=server,
    )
