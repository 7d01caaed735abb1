"""A local TCP port that records whether anything connected: proof that nothing was fetched."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def probe() -> Iterator[tuple[str, threading.Event]]:
    """An `http://127.0.0.1:PORT/x` URL, and an event set if anyone connects to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.05)
    touched = threading.Event()
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            touched.set()
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/x", touched
    finally:
        stop.set()
        thread.join()
        server.close()
