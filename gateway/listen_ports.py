"""Ports for servers that must be named before they listen (the demo's, the tests').

A port the kernel hands out for binding to port 0 lies in the ephemeral range,
from which every outgoing connection also takes its source port: between the
probe and the server's own bind, a client connection could take it ("address
already in use"). Ports below that range are never taken that way, so a free
one found there stays free until the server binds it.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

from gateway.errors import ConfigError

__all__ = ["free_port"]

_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_HANDED_OUT: set[int] = set()  # never the same port twice: two servers would clash


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on, below the ephemeral range, not handed
    out before in this process."""
    low = int(_RANGE.read_text().split()[0]) if _RANGE.exists() else 32768
    for _ in range(200):
        port = random.randrange(10000, low)  # noqa: S311 - not for security
        if port in _HANDED_OUT:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            _HANDED_OUT.add(port)
            return port
    raise ConfigError("GW-CFG-INVALID", "no free port on 127.0.0.1 below the ephemeral range")
