"""The national system of the end-to-end benchmark, in a process of its own (as it is on a
machine of its own): `python -m gateway.bench.submitter API[,API...] TOKEN COUNT CONCURRENCY`.

It POSTs COUNT numbered copies of the sample record over CONCURRENCY kept-alive
connections (spread over the gateways when several APIs are named), and writes
`start PERF_COUNTER`, then `MESSAGE_ID PERF_COUNTER` per accepted message (when its POST
began), then `done`. On Linux perf_counter is one clock for all processes, so the caller
can set these against the peer's acknowledgement times.

It shares the gateway's two cores, so it speaks plain HTTP/1.1 on asyncio
streams: a load generator should cost less than what it measures (an
aiohttp client session took about twice the CPU per request).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Iterator
from typing import TextIO
from urllib.parse import urlsplit

from gateway.bench.pipeline import SAMPLE, numbered_record

__all__ = ["post_records"]


async def post_records(
    *, api: str, token: str, count: int, concurrency: int, report: TextIO
) -> None:
    sample = json.loads(SAMPLE.read_text())
    numbers = iter(range(count))
    addresses = [urlsplit(one) for one in api.split(",")]
    print("start", time.perf_counter(), file=report, flush=True)
    await asyncio.gather(
        *(
            _post_over_one_connection(
                address.hostname or "127.0.0.1",
                port=address.port or 80,
                token=token,
                sample=sample,
                numbers=numbers,
                report=report,
            )
            for address in (addresses[n % len(addresses)] for n in range(concurrency))
        )
    )
    print("done", time.perf_counter(), file=report, flush=True)


async def _post_over_one_connection(
    host: str,
    *,
    port: int,
    token: str,
    sample: dict[str, object],
    numbers: Iterator[int],
    report: TextIO,
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for number in numbers:  # shared by every connection: each record is sent once
            body = numbered_record(sample, number)
            head = (
                f"POST /v1/submissions HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Authorization: Bearer {token}\r\nIdempotency-Key: b-{number}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            began = time.perf_counter()
            writer.write(head.encode() + body)
            status, answer = await _response(reader)
            if status != 202:
                raise RuntimeError(f"refused: HTTP {status} {answer.decode(errors='replace')}")
            for message_id in json.loads(answer)["message_ids"]:
                print(message_id, began, file=report)
    finally:
        writer.close()


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """The status and body of one HTTP/1.1 response with a Content-Length."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(":", 1) for line in header_lines if line)
    lengths = [value for name, value in headers.items() if name.lower() == "content-length"]
    if not lengths:
        raise RuntimeError(f"an answer without a Content-Length: {status_line}")
    return int(status_line.split()[1]), await reader.readexactly(int(lengths[0]))


if __name__ == "__main__":
    api, token, count, concurrency = sys.argv[1:5]
    asyncio.run(
        post_records(
            api=api, token=token, count=int(count), concurrency=int(concurrency), report=sys.stdout
        )
    )
