"""What a caller can make `eugw serve` hold, on real sockets of a real process: connections
that never finish their headers or their TLS handshake are closed, many large bodies at once
are refused (503) instead of filling memory, and the data files are the gateway's alone."""

from __future__ import annotations

import asyncio
import os
import re
import ssl
import stat
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from eugw_process import child_env, create_token, served
from polling import eventually
from web_rig import demo_data_dir

from gateway.security.identity import PeerId
from gateway.security.tls import client_context
from gateway.security.trust import TrustStore

HEADER_TIMEOUT = 1
HANDSHAKE_TIMEOUT = 1
MIB = 1024 * 1024
BODY = 2 * MIB  # the largest request body
BUDGET = 4 * BODY  # bodies held at once
BURST = 48
SLACK = 5.0  # seconds beyond a timeout before the test gives up on the close


@dataclass(frozen=True)
class Gateway:
    process: subprocess.Popen[bytes]
    api: tuple[str, int]
    inbound: tuple[str, int]
    data: Path
    token: str


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None
    assert parts.port is not None
    return parts.hostname, parts.port


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    data = demo_data_dir(tmp_path_factory.mktemp("limits") / "data")
    data.chmod(0o755)  # as an older version (or a copy) left it: serve tightens it
    env = child_env(
        {
            "EUGW_DATA_DIR": str(data),
            "EUGW_API_PORT": "0",
            "EUGW_INBOUND_PORT": "0",
            "EUGW_DUBLINET_PEERS": "",
            "EUGW_LOG_FORMAT": "json",
            "EUGW_HEADER_TIMEOUT_SECONDS": str(HEADER_TIMEOUT),
            "EUGW_TLS_HANDSHAKE_TIMEOUT_SECONDS": str(HANDSHAKE_TIMEOUT),
            "EUGW_BODY_TIMEOUT_SECONDS": "120",
            "EUGW_MAX_REQUEST_BYTES": str(BODY),
            "EUGW_MAX_XML_BYTES": str(BODY),
            "EUGW_MAX_BODY_MEMORY_BYTES": str(BUDGET),
            "EUGW_RATE_LIMIT_PER_SECOND": "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    token = create_token(env, "evibel", "submitter")
    pattern = r"API on (http://\S+), inbound \(mutual TLS\) on (https://\S+)"
    with served(env, data, pattern) as (process, found):
        yield Gateway(
            process=process,
            api=_address(found.group(1)),
            inbound=_address(found.group(2)),
            data=data,
            token=token,
        )


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> float:
    """How long the server took to close the connection (fails after `seconds`)."""
    started = time.monotonic()
    async with asyncio.timeout(seconds):
        while True:
            try:
                if not await reader.read(65536):
                    break
            except ConnectionResetError:
                break
    return time.monotonic() - started


async def test_a_connection_that_never_finishes_its_headers_is_closed(gateway: Gateway) -> None:
    reader, writer = await asyncio.open_connection(*gateway.api)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: gateway\r\nX-Slow: ")  # and no more
    await writer.drain()
    await _closed_within(reader, HEADER_TIMEOUT + SLACK)
    writer.close()
    # A caller that finishes its headers is answered on the same server meanwhile.
    reader, writer = await asyncio.open_connection(*gateway.api)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n")
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 200")


async def _as_a_peer(gateway: Gateway) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection to the inbound port over mutual TLS, with a peer's client certificate."""
    return await asyncio.open_connection(
        gateway.inbound[0],
        gateway.inbound[1],
        ssl=_peer_context(gateway),
        server_hostname="localhost",
    )


async def test_slow_headers_over_mutual_tls_are_closed_too(gateway: Gateway) -> None:
    reader, writer = await _as_a_peer(gateway)
    writer.write(b"POST /v1/inbound HTTP/1.1\r\nHost: gateway\r\n")
    await writer.drain()
    await _closed_within(reader, HEADER_TIMEOUT + SLACK)
    writer.close()


async def test_a_tls_handshake_that_never_starts_is_closed(gateway: Gateway) -> None:
    # A raw TCP connection to the TLS port that never sends its ClientHello.
    reader, writer = await asyncio.open_connection(*gateway.inbound)
    await _closed_within(reader, HANDSHAKE_TIMEOUT + SLACK)
    writer.close()


async def test_many_large_bodies_at_once_are_refused_not_held(gateway: Gateway) -> None:
    """Fill the body budget with requests whose bodies are still coming, then send 48 more
    of 2 MiB at once: each is refused (503, Retry-After) before it is read, and the
    gateway's memory grows by less than half of what they would have taken (96 MiB; it grew
    by about 140 MiB without the budget, about 30 with it: what each connection buffers)."""
    before = _reset_peak(gateway.process.pid)
    held = [await _start_upload(gateway, BODY, sent=64 * 1024) for _ in range(BUDGET // BODY)]
    try:
        await _until_busy(gateway)
        answers = await asyncio.gather(*(_upload(gateway, BODY) for _ in range(BURST)))
    finally:
        for _, writer in held:
            writer.close()
    statuses = [status for status, _ in answers]
    assert statuses == [503] * BURST
    assert all("retry-after: 1" in head.lower() for _, head in answers)
    assert all("GW-API-BUSY" in head for _, head in answers)
    grown = _memory(gateway.process.pid, "VmHWM") - before
    assert grown < BURST * BODY / 2, f"the gateway grew by {grown / MIB:.0f} MiB"
    # The budget is given back as the held requests end: a body fits again.
    await eventually(lambda: _status_is_not(gateway, 1024, 503), within=30, every=0.05)


async def test_one_body_too_large_is_refused_before_it_is_read(gateway: Gateway) -> None:
    status, head = await _upload(gateway, BODY + 1, send_body=False)
    assert status == 413
    assert "GW-API-TOO-LARGE" in head


def test_the_data_files_are_the_gateways_alone(gateway: Gateway) -> None:
    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    database = gateway.data / "gateway.sqlite3"
    assert mode(gateway.data) == 0o700
    assert mode(database) == 0o600
    for suffix in ("-wal", "-shm"):
        assert mode(database.with_name(database.name + suffix)) == 0o600
    assert mode(gateway.data / "keys" / "body.keys") == 0o600


async def test_a_request_it_cannot_parse_names_no_versions(gateway: Gateway) -> None:
    reader, writer = await asyncio.open_connection(*gateway.api)
    writer.write(b"\x16\x03\x01 not http at all\r\n\r\n")
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    head = answer.split(b"\r\n\r\n")[0].decode("latin-1")
    assert re.match(r"HTTP/1\.[01] 400 ", head), head
    assert re.search(r"(?im)^server: eu-gateway$", head), head
    assert "aiohttp" not in head
    assert "Python" not in head


async def _start_upload(
    gateway: Gateway, size: int, *, sent: int
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A submission of `size` bytes of which only `sent` have come."""
    reader, writer = await asyncio.open_connection(*gateway.api)
    writer.write(_head(gateway, size) + b" " * sent)
    await writer.drain()
    return reader, writer


async def _upload(gateway: Gateway, size: int, *, send_body: bool = True) -> tuple[int, str]:
    """Send a submission of `size` bytes (or only its headers); its status and headers."""
    reader, writer = await asyncio.open_connection(*gateway.api)
    try:
        writer.write(_head(gateway, size))
        if send_body:
            writer.write(b" " * size)
        await writer.drain()
        head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)).decode("latin-1")
        body = await asyncio.wait_for(reader.read(4096), 30)
    except ConnectionResetError:  # the server answered and closed before taking the rest
        return 0, ""
    finally:
        writer.close()
    return int(head.split()[1]), head + body.decode("utf-8", "replace")


def _head(gateway: Gateway, size: int) -> bytes:
    return (
        f"POST /v1/submissions HTTP/1.1\r\nHost: gateway\r\n"
        f"Authorization: Bearer {gateway.token}\r\nIdempotency-Key: k-{os.urandom(4).hex()}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
    ).encode()


async def _until_busy(gateway: Gateway) -> None:
    """Until the held uploads hold the whole budget (a small body is refused)."""

    async def busy() -> bool:
        return (await _upload(gateway, 10))[0] == 503

    await eventually(busy, within=30, every=0.05)


async def _status_is_not(gateway: Gateway, size: int, status: int) -> bool:
    return (await _upload(gateway, size))[0] != status


def _reset_peak(pid: int) -> int:
    """Start the process's resident high-water mark again from now (Linux: clear_refs 5);
    the memory resident now."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    return _memory(pid, "VmHWM")


def _memory(pid: int, field: str) -> int:
    """A line of /proc/PID/status in bytes: VmRSS now, VmHWM the most ever resident."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(rf"^{field}:\s+(\d+) kB$", status, re.MULTILINE)
    assert found is not None, status
    return int(found.group(1)) * 1024


async def test_the_tls_port_still_serves_peers(gateway: Gateway) -> None:
    # The handshake timeout does not cut a peer that says hello at once.
    reader, writer = await _as_a_peer(gateway)
    writer.write(b"GET /v1/inbound HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n")
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 405")
    assert b"Strict-Transport-Security: max-age=31536000" in answer


def _peer_context(gateway: Gateway) -> ssl.SSLContext:
    """The TLS client of the simulated Central System, from the demo PKI."""
    peer = gateway.data / "peers" / "eu-eurodac"
    return client_context(
        cert_file=peer / "tls-client.cert.pem",
        key_file=peer / "tls-client.key.pem",
        trust=TrustStore.from_directory(gateway.data / "trust"),
        server=PeerId(party="BE", system="gateway"),
    )
