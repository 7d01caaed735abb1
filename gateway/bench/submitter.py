"""The national system of the end-to-end benchmark, in a process of its own (as it is on a
machine of its own): `python -m gateway.bench.submitter API TOKEN COUNT CONCURRENCY`.

It POSTs COUNT numbered copies of the sample record, CONCURRENCY at a time, and
writes `start PERF_COUNTER`, then `MESSAGE_ID PERF_COUNTER` per accepted message
(when its POST began), then `done`. On Linux perf_counter is one clock for all
processes, so the caller can set these against the peer's acknowledgement times.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import TextIO

import aiohttp

from gateway.bench.pipeline import SAMPLE, numbered_record

__all__ = ["post_records"]


async def post_records(
    *, api: str, token: str, count: int, concurrency: int, report: TextIO
) -> None:
    sample = json.loads(SAMPLE.read_text())
    records = [numbered_record(sample, number) for number in range(count)]
    gate = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:

        async def submit(number: int, body: bytes) -> None:
            async with gate:
                began = time.perf_counter()
                async with session.post(
                    f"{api}/v1/submissions", data=body, headers={"Idempotency-Key": f"b-{number}"}
                ) as answer:
                    if answer.status != 202:
                        raise RuntimeError(f"refused: HTTP {answer.status} {await answer.text()}")
                    for message_id in (await answer.json())["message_ids"]:
                        print(message_id, began, file=report)

        print("start", time.perf_counter(), file=report, flush=True)
        await asyncio.gather(*(submit(number, body) for number, body in enumerate(records)))
    print("done", time.perf_counter(), file=report, flush=True)


if __name__ == "__main__":
    api, token, count, concurrency = sys.argv[1:5]
    asyncio.run(
        post_records(
            api=api, token=token, count=int(count), concurrency=int(concurrency), report=sys.stdout
        )
    )
