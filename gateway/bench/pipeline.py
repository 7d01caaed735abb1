"""How fast the gateway accepts submissions (`eugw bench pipeline`): decode, domain rules,
build, validate, sign, seal and store, with the submission and its message in one
transaction; several submissions in flight as a national system's batch would be.

Hot path timed: `Submissions.submit` (decode, `gateway.domain` rules, `Wire` build,
validate and sign on the signing threads, `Outbox` seal and `SqliteStore` enqueue).
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from gateway.adapters.clock import SystemClock
from gateway.adapters.sqlite_store import SqliteStore
from gateway.broker.outbox import Outbox
from gateway.broker.sealing import BodyCipher
from gateway.domain.frozen import frozen
from gateway.pipeline.submissions import SubmissionRequest, Submissions
from gateway.pipeline.wire import Wire
from gateway.security.configured import signer_from
from gateway.security.demo import write_demo_pki
from gateway.settings import Settings

__all__ = [
    "SAMPLE",
    "PipelineFigures",
    "bench_pipeline",
    "numbered_record",
    "numbered_records",
    "run_pipeline",
]

SAMPLE = Path(__file__).resolve().parents[2] / "mappings/samples/canonical/applicant-2026.json"
"""The canonical record the benchmarks submit, numbered."""


@frozen
class PipelineFigures:
    count: int
    concurrency: int
    seconds: float
    submissions_per_s: float


def numbered_records(sample: dict[str, Any], count: int) -> list[bytes]:
    """`count` copies of a canonical record, each with its own Eurodac reference number."""
    return [numbered_record(sample, number) for number in range(count)]


def numbered_record(sample: dict[str, Any], number: int) -> bytes:
    """A copy of a canonical record with Eurodac reference number `number`."""
    record = json.loads(json.dumps(sample))
    record["transaction"]["reference"] = f"BE1{number:015d}"
    return json.dumps(record).encode()


async def bench_pipeline(
    submissions: Submissions, records: list[bytes], *, concurrency: int = 8
) -> PipelineFigures:
    gate = asyncio.Semaphore(concurrency)

    async def submit(number: int, body: bytes) -> None:
        async with gate:
            submission = await submissions.submit(
                SubmissionRequest(submitter="bench", idempotency_key=f"bench-{number}", body=body)
            )
            if submission.http_status != 202:
                raise RuntimeError(f"the benchmark record was refused: {submission.response}")

    started = time.perf_counter()
    await asyncio.gather(*(submit(number, body) for number, body in enumerate(records)))
    seconds = time.perf_counter() - started
    return PipelineFigures(
        count=len(records),
        concurrency=concurrency,
        seconds=seconds,
        submissions_per_s=len(records) / seconds,
    )


async def run_pipeline(*, count: int, concurrency: int, threads: int) -> PipelineFigures:
    """`bench_pipeline` of `count` numbered sample records through a gateway's submission
    service on a fresh SQLite store, with a throw-away demo PKI and `threads` signing threads."""
    with tempfile.TemporaryDirectory() as directory:
        data = Path(directory)
        write_demo_pki(data)
        settings = Settings(data_dir=data)
        store = await SqliteStore.open(data / "bench.sqlite3")
        executor = ThreadPoolExecutor(threads)
        clock = SystemClock()
        try:
            submissions = Submissions(
                outbox=Outbox(store, BodyCipher.generate(), clock),
                wire=Wire(member_state="BE", signer=signer_from(settings)),
                clock=clock,
                executor=executor,
            )
            records = numbered_records(json.loads(SAMPLE.read_text()), count)
            return await bench_pipeline(submissions, records, concurrency=concurrency)
        finally:
            executor.shutdown()
            await store.close()
