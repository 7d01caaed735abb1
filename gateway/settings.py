"""Settings: one frozen object, from defaults, an optional TOML file and `EUGW_*` variables.

Precedence, lowest first: the defaults below, the TOML file (named by
`--config` or `EUGW_CONFIG`), then environment variables. Each field `name`
is read from the TOML key `name` and the variable `EUGW_NAME`. A value the
gateway cannot use is refused at start, naming the variable or key.
"""

from __future__ import annotations

import dataclasses
import tomllib
import typing
from collections.abc import Callable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

from gateway.domain.frozen import frozen
from gateway.domain.member_states import is_member_state
from gateway.errors import ConfigError
from gateway.tracking.holidays import available_calendars

__all__ = ["ENV_PREFIX", "LogFormat", "LogLevel", "Settings", "load_settings"]

ENV_PREFIX = "EUGW_"
CONFIG_VARIABLE = "EUGW_CONFIG"
# Not settings: the API token that commands calling a gateway send (`eugw submit`, `eugw sim
# scenario`), and the old name of the simulators' control token (`gateway.cli._env`).
CLIENT_VARIABLES = frozenset({CONFIG_VARIABLE, "EUGW_TOKEN", "EUGW_SIM_TOKEN"})


class LogFormat(StrEnum):
    AUTO = "auto"  # readable on a terminal, JSON otherwise
    JSON = "json"
    CONSOLE = "console"


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


def _member_state(value: str) -> str | None:
    return None if is_member_state(value) else "not the ISO alpha-2 code of a Dublin state"


def _calendar(value: str) -> str | None:
    known = available_calendars()  # every state bound by the Dublin rules
    if value in known:
        return None
    return f"no state's holiday calendar (the states bound by the Dublin rules: {', '.join(known)})"


def _not_negative(value: int) -> str | None:
    return None if value >= 0 else "negative"


def _positive(value: int) -> str | None:
    return None if value > 0 else "not a positive whole number"


def _check(check: Callable[[Any], str | None]) -> dict[str, Any]:
    return {"check": check}


@frozen
class Settings:
    """Everything the gateway can be configured with."""

    member_state: str = dataclasses.field(default="BE", metadata=_check(_member_state))
    data_dir: Path = Path("var")
    log_level: LogLevel = LogLevel.INFO
    log_format: LogFormat = LogFormat.AUTO
    deadline_calendar: str = dataclasses.field(default="BE", metadata=_check(_calendar))
    # alerts (the console's Alerts page, its dashboard): a time limit due within this many
    # days, a certificate expiring within this many, this many dead letters or open circuits
    # (0: never an alert)
    deadline_alert_days: int = dataclasses.field(default=5, metadata=_check(_not_negative))
    certificate_alert_days: int = dataclasses.field(default=30, metadata=_check(_not_negative))
    dead_letter_alert_count: int = dataclasses.field(default=1, metadata=_check(_not_negative))
    open_circuit_alert_count: int = dataclasses.field(default=1, metadata=_check(_not_negative))
    max_xml_bytes: int = dataclasses.field(default=8 * 1024 * 1024, metadata=_check(_positive))
    max_xml_depth: int = dataclasses.field(default=32, metadata=_check(_positive))
    # security: relative paths are under data_dir
    signing_keys_dir: Path = Path("keys/signing")
    active_signing_key: str = ""  # empty: the only key in signing_keys_dir
    trust_dir: Path = Path("trust")
    tls_server_cert: Path = Path("tls/gateway-server.cert.pem")
    tls_server_key: Path = Path("tls/gateway-server.key.pem")
    tls_client_cert: Path = Path("tls/gateway-client.cert.pem")
    tls_client_key: Path = Path("tls/gateway-client.key.pem")
    # broker: store, delivery, HTTP
    database_url: str = ""  # empty: SQLite in data_dir; postgresql://... for shared work
    body_keys: str = ""  # "id:base64,...": AES-256 keys for bodies at rest; empty: a key file
    active_body_key: str = ""  # empty: the last key of body_keys
    body_retention_days: int = dataclasses.field(default=90, metadata=_check(_positive))
    api_host: str = "127.0.0.1"
    api_port: int = dataclasses.field(default=8080, metadata=_check(_not_negative))
    inbound_host: str = "127.0.0.1"
    inbound_port: int = dataclasses.field(default=8443, metadata=_check(_not_negative))
    max_request_bytes: int = dataclasses.field(default=16 * 1024 * 1024, metadata=_check(_positive))
    # the servers' resource limits (gateway/adapters/web/limits.py, server.py)
    header_timeout_seconds: int = dataclasses.field(default=10, metadata=_check(_positive))
    tls_handshake_timeout_seconds: int = dataclasses.field(default=10, metadata=_check(_positive))
    body_timeout_seconds: int = dataclasses.field(default=60, metadata=_check(_positive))
    # SIGTERM to exit at the most: work in flight gets half of it, then is cut short
    shutdown_timeout_seconds: int = dataclasses.field(default=30, metadata=_check(_positive))
    max_body_memory_bytes: int = dataclasses.field(
        default=128 * 1024 * 1024, metadata=_check(_positive)
    )
    rate_limit_per_second: int = dataclasses.field(default=100, metadata=_check(_not_negative))
    rate_limit_burst: int = dataclasses.field(default=200, metadata=_check(_positive))
    eurodac_url: str = "https://localhost:9443/eurodac"
    # A template naming the peer {party} (each on a host of its own), or PARTY=URL,...: here
    # the simulators' ports, one per peer, as a server presents one party's certificate.
    dublinet_url: str = (
        "NL=https://localhost:9444/dublinet/NL,FR=https://localhost:9445/dublinet/FR,"
        "DE=https://localhost:9446/dublinet/DE"
    )
    dublinet_peers: str = "NL,FR,DE"  # member states whose access points we deliver to
    retry_base_seconds: int = dataclasses.field(default=2, metadata=_check(_positive))
    retry_cap_seconds: int = dataclasses.field(default=600, metadata=_check(_positive))
    retry_max_attempts: int = dataclasses.field(default=12, metadata=_check(_positive))
    retry_max_age_hours: int = dataclasses.field(default=72, metadata=_check(_positive))
    lease_seconds: int = dataclasses.field(default=60, metadata=_check(_positive))
    crypto_threads: int = dataclasses.field(default=2, metadata=_check(_positive))
    # Worker processes that build, sign and verify the submissions and inbound messages
    # (each loads the keys); 0 keeps that work on the crypto threads of the gateway's process.
    crypto_processes: int = dataclasses.field(default=0, metadata=_check(_not_negative))
    # audit: signed checkpoints of the trail's head, kept outside the database
    audit_checkpoint_file: Path = Path("audit/checkpoints.log")  # relative: under data_dir
    # a checkpoint after this many new entries (0: not by count) ...
    audit_checkpoint_entries: int = dataclasses.field(default=1000, metadata=_check(_not_negative))
    # ... or this long after the last one when the trail moved (0: not by time)
    audit_checkpoint_seconds: int = dataclasses.field(default=300, metadata=_check(_not_negative))
    mappings_dir: Path = Path("mappings")
    max_batch_bytes: int = dataclasses.field(default=2 * 1024**3, metadata=_check(_positive))
    # tracking: results back to the national systems
    webhooks: str = ""  # "submitter=https://host/path;secret,...": results POSTed, HMAC-signed
    dublin_unit: str = ""  # the submitter whose inbox gets incoming Dublin requests' results
    # console: the simulators' control API, for testers (empty: no simulator page)
    simulator_control_url: str = ""  # e.g. http://127.0.0.1:9080
    simulator_control_token: str = ""  # its bearer token, when it was started with one

    def __post_init__(self) -> None:
        largest = max(self.max_request_bytes, self.max_xml_bytes)
        if self.max_body_memory_bytes < largest:
            raise ConfigError(
                "GW-CFG-INVALID",
                f"{self.max_body_memory_bytes} is less than one request body may be "
                f"({largest} bytes: max_request_bytes, max_xml_bytes)",
                f"{ENV_PREFIX}MAX_BODY_MEMORY_BYTES",
            )


def load_settings(environ: Mapping[str, str], config_file: Path | None = None) -> Settings:
    """Build the settings, or raise `ConfigError` naming the bad variable or key."""
    if config_file is None and environ.get(CONFIG_VARIABLE):
        config_file = Path(environ[CONFIG_VARIABLE])
    values: dict[str, Any] = {}
    if config_file is not None:
        values.update(_from_toml(config_file))
    values.update(_from_environ(environ))
    return Settings(**values)


def _fields() -> dict[str, dataclasses.Field[Any]]:
    return {field.name: field for field in dataclasses.fields(Settings)}


def _from_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            document = tomllib.load(file)
    except OSError as error:
        raise ConfigError(
            "GW-CFG-FILE", f"cannot read the configuration file: {error.strerror}", str(path)
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            "GW-CFG-FILE", f"the configuration file is not valid TOML: {error}", str(path)
        ) from None
    fields = _fields()
    values = {}
    for key, raw in document.items():
        where = f"{path}:{key}"
        if key not in fields:
            raise ConfigError("GW-CFG-UNKNOWN", f"unknown setting {key!r}", where)
        values[key] = _convert(fields[key], raw, where)
    return values


def _from_environ(environ: Mapping[str, str]) -> dict[str, Any]:
    fields = _fields()
    values = {}
    for variable, raw in environ.items():
        if not variable.startswith(ENV_PREFIX) or variable in CLIENT_VARIABLES:
            continue
        name = variable.removeprefix(ENV_PREFIX).lower()
        if name not in fields:
            raise ConfigError("GW-CFG-UNKNOWN", f"unknown setting variable {variable}", variable)
        values[name] = _convert(fields[name], raw, variable)
    return values


def _convert(field: dataclasses.Field[Any], raw: object, where: str) -> Any:
    kind = typing.get_type_hints(Settings)[field.name]
    value = _as_type(kind, raw, where)
    check = field.metadata.get("check")
    reason = check(value) if check else None
    if reason:
        raise ConfigError("GW-CFG-INVALID", f"{raw!r} is {reason}", where)
    return value


def _as_type(kind: Any, raw: object, where: str) -> Any:
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        try:
            return kind(str(raw).lower())
        except ValueError:
            allowed = ", ".join(member.value for member in kind)
            raise ConfigError(
                "GW-CFG-INVALID", f"{raw!r} is not one of: {allowed}", where
            ) from None
    if kind is Path:
        return Path(str(raw))
    if kind is int:
        try:
            return int(str(raw))
        except ValueError:
            raise ConfigError("GW-CFG-INVALID", f"{raw!r} is not a whole number", where) from None
    if kind is bool:
        text = str(raw).lower()
        if text not in {"true", "false", "1", "0", "yes", "no"}:
            raise ConfigError("GW-CFG-INVALID", f"{raw!r} is not true or false", where)
        return text in {"true", "1", "yes"}
    return str(raw)
