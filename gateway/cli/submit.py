"""`eugw submit FILE --source S`: upload a source export as a batch and follow it until done."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from gateway.cli._context import settings_from
from gateway.cli._env import TOKEN, from_environment
from gateway.cli._parsers import Subcommands, add_command
from gateway.domain.problems import Problem
from gateway.errors import ConfigError, GatewayError, InputError, TransportError
from gateway.sources import PRINTRAK, SOURCES

if TYPE_CHECKING:  # the HTTP client and the mapping are imported when the command runs
    import aiohttp

__all__ = ["bar", "estimate_records", "progress_line", "register", "submit_file"]
_POLL_SECONDS = 0.5
_SHOWN_REJECTIONS = 20
_BAR = 30


def register(commands: Subcommands) -> None:
    parser = add_command(
        commands,
        "submit",
        "Upload FILE to POST /v1/batches of a running gateway as a batch of SOURCE records, "
        "then follow GET /v1/batches/{id} until every record is queued or rejected: a "
        "progress bar on a terminal, then a summary (read, mapped, rejected, queued) and "
        "the problems of the first rejected records ('FILE:LINE: CODE: sentence (at "
        "path)'). The idempotency key is by default the file's SHA-256, so submitting the "
        "same file again follows the first batch instead of queueing twice. The format is "
        "taken from the file's name (.json, .jsonl, .csv, .txt) unless --format gives it; "
        "an export whose header does not fit the source's specification is refused whole "
        "(GW-MAP-HEADER, naming the column), nothing queued. Exit status 0 "
        "when every record was queued, 1 when any was rejected or the batch failed. "
        "Printrak: FILE is a capture or a directory of them (*.eft, *.an2), each sent to "
        "POST /v1/submissions?source=printrak, keyed by its SHA-256.",
    )
    parser.add_argument("file", metavar="FILE", help="the export file")
    parser.add_argument(
        "--source",
        required=True,
        choices=("evibel", "actio", "waiting-register", "canonical", PRINTRAK),
        help="the records' source; canonical: canonical records as JSON lines ('eugw merge')",
    )
    parser.add_argument(
        "--format",
        choices=("json", "csv", "fixed"),
        help="the file's format (default: from its name, else the source's own)",
    )
    parser.add_argument(
        "--url", help="the gateway's API (default: http://<api_host>:<api_port> of the settings)"
    )
    parser.add_argument("--token", help=f"a submitter's API token (default: ${TOKEN})")
    parser.add_argument("--key", help="the Idempotency-Key (default: the file's SHA-256)")
    parser.set_defaults(run=_run)


def estimate_records(path: Path, fmt: str | None) -> int | None:
    """How many records the file holds, counted by lines (None for a JSON array)."""
    with path.open("rb") as file:
        if file.read(4096).lstrip().startswith(b"["):
            return None
        file.seek(0)
        lines = sum(1 for line in file if line.strip())
    return max(lines - 1, 0) if fmt == "csv" else lines


def progress_line(batch: dict[str, Any], expected: int | None) -> str:
    """`[#####.....]  45% 4,500/10,000 records (mapped ..., rejected ..., queued ...)`."""
    done = batch["total"]
    counts = (
        f"mapped {batch['mapped']:,}, rejected {batch['rejected']:,}, queued {batch['queued']:,}"
    )
    if not expected:
        return f"{done:,} records ({counts})"
    return f"{bar(done, expected)} records ({counts})"


def bar(done: int, expected: int) -> str:
    """`[#####.....]  45% 4,500/10,000`."""
    share = min(done / expected, 1.0) if expected else 1.0
    filled = round(share * _BAR)
    return f"[{'#' * filled}{'.' * (_BAR - filled)}] {share:4.0%} {done:,}/{expected:,}"


async def submit_file(
    *,
    url: str,
    token: str,
    path: Path,
    source: str,
    fmt: str | None,
    key: str,
    on_progress: Callable[[dict[str, Any]], None] = lambda _: None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Upload, then poll until the batch is done; the final progress and its rejections."""
    import aiohttp  # noqa: PLC0415 - when the command runs

    headers = {"Authorization": f"Bearer {token}"}
    query = {"source": source, **({"format": fmt} if fmt else {})}
    try:
        async with aiohttp.ClientSession(base_url=url.rstrip("/") + "/") as session:
            with path.open("rb") as file:
                async with session.post(
                    "v1/batches",
                    params=query,
                    data=file,
                    headers={**headers, "Idempotency-Key": key},
                ) as response:
                    batch = await _answer(response)
            status_path = f"v1/batches/{batch['batch_id']}"
            while True:
                on_progress(batch)
                if batch["done"]:
                    break
                await asyncio.sleep(_POLL_SECONDS)
                async with session.get(
                    status_path,
                    params={"rejections_limit": str(_SHOWN_REJECTIONS)},
                    headers=headers,
                ) as response:
                    batch = await _answer(response)
    except aiohttp.ClientError as error:
        raise TransportError("GW-TRN-REFUSED", f"cannot reach the gateway: {error}", url) from None
    return batch, batch.get("rejections", [])


async def _answer(response: aiohttp.ClientResponse) -> dict[str, Any]:
    document: dict[str, Any] = await response.json(content_type=None)
    if response.status >= 400:
        code = str(document.get("code", "GW-API-REQUEST"))
        message = str(document.get("detail", response.reason))
        if response.status in (401, 403):
            raise ConfigError(code, message, "--token")
        problems = [
            Problem(code=str(p["code"]), message=str(p["message"]), path=str(p.get("path") or ""))
            for p in document.get("problems") or []
        ]
        raise InputError(code, message, problems=problems)
    return document


def _run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    token = args.token or from_environment(TOKEN)
    if not token:
        raise ConfigError(
            "GW-CFG-USAGE", f"a submitter's token is needed (--token or ${TOKEN})", "--token"
        )
    path = Path(args.file)
    url = args.url or f"http://{settings.api_host}:{settings.api_port}"
    if args.source == PRINTRAK:
        return _submit_captures(url, token, path)
    fmt = args.format
    if fmt is None and args.source in SOURCES:
        from gateway.mapping import format_of_file  # noqa: PLC0415 - when the command runs

        mappings = settings.mappings_dir if settings.mappings_dir.is_dir() else None
        fmt = format_of_file(mappings, args.source, path.name)
    try:
        key = args.key or f"{args.source}-{_sha256(path)}"
        expected = estimate_records(path, fmt)
    except OSError as error:
        raise InputError(
            "GW-IN-FILE", f"cannot read the file: {error.strerror}", args.file
        ) from None
    err: TextIO = sys.stderr
    live = err.isatty()

    def show(batch: dict[str, Any]) -> None:
        if live:
            err.write("\r\033[K" + progress_line(batch, expected))
            err.flush()

    try:
        batch, rejections = asyncio.run(
            submit_file(
                url=url, token=token, path=path, source=args.source, fmt=fmt, key=key,
                on_progress=show,
            )
        )  # fmt: skip
    except GatewayError:
        if live:
            err.write("\n")
        raise
    if live:
        err.write("\n")
    for rejection in rejections:
        line = rejection.get("line") or rejection["record"]
        for problem in rejection["problems"]:
            where = f" (at {problem['path']})" if problem["path"] else ""
            err.write(f"{path}:{line}: {problem['code']}: {problem['message']}{where}\n")
    if batch["rejected"] > len(rejections):
        err.write(f"... and {batch['rejected'] - len(rejections)} more rejected records\n")
    summary = (
        f"{path}: batch {batch['batch_id']} {batch['state']}: read {batch['total']:,}, "
        f"mapped {batch['mapped']:,}, rejected {batch['rejected']:,}, queued {batch['queued']:,}"
    )
    print(summary + (f"; {batch['error']}" if batch.get("error") else ""))
    return 0 if batch["state"] == "done" and not batch["rejected"] else 1


def _submit_captures(url: str, token: str, path: Path) -> int:
    # imported when the command runs, not for its --help
    from gateway.cli._captures import submit_captures  # noqa: PLC0415
    from gateway.mapping.printrak_source import printrak_files  # noqa: PLC0415

    files = printrak_files(path)
    err: TextIO = sys.stderr
    live = err.isatty()

    def show(done: int) -> None:
        if live:
            err.write(f"\r\033[K{bar(done, len(files))} captures")
            err.flush()

    results = asyncio.run(submit_captures(url=url, token=token, files=files, on_progress=show))
    if live:
        err.write("\n")
    for result in results:
        if not result.accepted:
            for problem in result.answer.get("problems", []):
                where = f" (at {problem['path']})" if problem.get("path") else ""
                err.write(f"{result.file}: {problem['code']}: {problem['message']}{where}\n")
    accepted = sum(result.accepted for result in results)
    print(
        f"{path}: {len(results)} captures: {accepted} accepted, {len(results) - accepted} rejected"
    )
    return 0 if accepted == len(results) else 1


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
