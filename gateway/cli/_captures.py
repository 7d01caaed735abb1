"""`eugw submit --source printrak`: each ANSI/NIST-ITL capture file is one submission."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

from gateway.domain.frozen import frozen
from gateway.errors import ConfigError, InputError, TransportError

__all__ = ["CaptureResult", "submit_captures"]


@frozen
class CaptureResult:
    file: Path
    accepted: bool
    answer: dict[str, Any]  # the submission's answer, or the problem document


async def submit_captures(
    *,
    url: str,
    token: str,
    files: list[Path],
    on_progress: Callable[[int], None] = lambda _: None,
) -> list[CaptureResult]:
    """POST each file to /v1/submissions?source=printrak, keyed by its SHA-256."""
    results = []
    try:
        async with aiohttp.ClientSession(base_url=url.rstrip("/") + "/") as session:
            for done, file in enumerate(files, start=1):
                data = file.read_bytes()
                headers = {
                    "Authorization": f"Bearer {token}",
                    "Idempotency-Key": f"printrak-{hashlib.sha256(data).hexdigest()}",
                }
                async with session.post(
                    "v1/submissions", params={"source": "printrak"}, data=data, headers=headers
                ) as response:
                    answer: dict[str, Any] = await response.json(content_type=None)
                    if response.status in (401, 403):
                        raise ConfigError(
                            str(answer.get("code")), str(answer.get("detail")), "--token"
                        )
                    if response.status not in (202, 422):
                        raise InputError(
                            str(answer.get("code")), str(answer.get("detail")), str(file)
                        )
                results.append(
                    CaptureResult(file=file, accepted=response.status == 202, answer=answer)
                )
                on_progress(done)
    except aiohttp.ClientError as error:
        raise TransportError("GW-TRN-REFUSED", f"cannot reach the gateway: {error}", url) from None
    except OSError as error:
        raise InputError("GW-IN-FILE", f"cannot read a file: {error.strerror}") from None
    return results
