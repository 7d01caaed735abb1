"""What a SQLite store file must be before it is used: whole, and the one that held the data.

A damaged file is refused at open (`PRAGMA quick_check`; `eugw store check` runs the
full `integrity_check`), never worked on until some query trips over the damage. A
store that is missing or empty is new only when nothing says otherwise: at its first
start a store writes its id into the database and into a marker file beside it
(`gateway.sqlite3.created`, in the data directory with the keys); a store file that is
missing, empty or holds another id while its marker is there is refused, not silently
made again (that would forget every undelivered message and the audit trail). To start
an empty store on purpose, remove the marker.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from gateway.errors import ConfigError
from gateway.private_files import FOLDER_MODE, private_file

__all__ = [
    "CORRUPT_CODES",
    "integrity_problems",
    "is_damage",
    "marker_path",
    "open_checked",
]

CORRUPT_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
"""SQLite's primary result codes that mean the file is damaged, not busy or full."""

_QUICK_CHECK_LINES = 5  # problems quoted in a refusal; `eugw store check` lists them all


def marker_path(path: Path) -> Path:
    """The marker of the store in `path`: written at its first start, never removed by us."""
    return path.with_name(path.name + ".created")


def is_damage(error: sqlite3.Error) -> bool:
    """Whether SQLite says the file is damaged (malformed pages, not a database)."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in CORRUPT_CODES


def open_checked(
    path: Path, *, migrate: Callable[[sqlite3.Connection], None]
) -> sqlite3.Connection:
    """The connection to the store file `path`, checked and migrated (blocking: call it on
    the database's thread). Raises `ConfigError` GW-STORE-MISSING or GW-STORE-CORRUPT."""
    marker = _read_marker(marker_path(path))
    existed = path.exists() and path.stat().st_size > 0
    if marker is not None and not existed:
        raise ConfigError(
            "GW-STORE-MISSING",
            f"the store file {path} is {'empty' if path.exists() else 'missing'}, but "
            f"{marker_path(path).name} beside it says the store {marker} was created there: "
            "restore the file (with its -wal file) from a backup; to start an empty store "
            "on purpose, remove the marker",
        )
    path.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    for file in (path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm"))):
        if file == path or file.exists():
            private_file(file)  # SQLite gives the -wal and -shm files the database's mode
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        if existed:
            _quick_check(connection, path)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("PRAGMA busy_timeout = 5000")
        migrate(connection)
        _identify(connection, path, marker)
    except sqlite3.DatabaseError as error:
        connection.close()
        if isinstance(error, sqlite3.OperationalError) and not is_damage(error):
            raise
        raise _damaged(path, str(error)) from None
    except BaseException:
        connection.close()
        raise
    return connection


def integrity_problems(connection: sqlite3.Connection) -> list[str]:
    """Every problem `PRAGMA integrity_check` and `foreign_key_check` find; none: whole."""
    rows = [str(row[0]) for row in connection.execute("PRAGMA integrity_check").fetchall()]
    problems = [] if rows == ["ok"] else rows
    for table, rowid, parent, _ in connection.execute("PRAGMA foreign_key_check").fetchall():
        problems.append(f"row {rowid} of {table} names a missing row of {parent}")
    return problems


def _quick_check(connection: sqlite3.Connection, path: Path) -> None:
    rows = [str(row[0]) for row in connection.execute("PRAGMA quick_check").fetchall()]
    if rows != ["ok"]:
        shown = "; ".join(rows[:_QUICK_CHECK_LINES])
        hidden = len(rows) - _QUICK_CHECK_LINES
        raise _damaged(path, shown + (f" (and {hidden} more)" if hidden > 0 else ""))


def _damaged(path: Path, reason: str) -> ConfigError:
    return ConfigError(
        "GW-STORE-CORRUPT",
        f"the store file {path} is damaged ({reason}); the gateway does not work on it: "
        "restore it from a backup (`eugw store check` lists what is wrong)",
    )


def _identify(connection: sqlite3.Connection, path: Path, marker: str | None) -> None:
    """Check the database's id against the marker; give a new store its id and marker."""
    connection.execute(
        "CREATE TABLE IF NOT EXISTS store_identity (store_id TEXT NOT NULL, created_at TEXT)"
    )
    row = connection.execute("SELECT store_id FROM store_identity LIMIT 1").fetchone()
    stored = None if row is None else str(row[0])
    if marker is not None and stored != marker:
        raise ConfigError(
            "GW-STORE-MISSING",
            f"the store file {path} is not the store {marker} that "
            f"{marker_path(path).name} says was created there (it holds "
            f"{'no store id' if stored is None else 'the store ' + stored}): restore the "
            "file from a backup; to use this file instead, remove the marker",
        )
    if stored is None:
        stored = str(uuid.uuid4())
        connection.execute(
            "INSERT INTO store_identity (store_id, created_at) VALUES (?, ?)",
            (stored, datetime.now(tz=UTC).isoformat()),
        )
    if marker is None:
        _write_marker(marker_path(path), stored)


def _read_marker(marker: Path) -> str | None:
    try:
        text = marker.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(
            "GW-STORE-MISSING", f"the store marker {marker} cannot be read: {error}"
        ) from None
    try:
        return str(json.loads(text)["store_id"])
    except (ValueError, KeyError, TypeError):
        raise ConfigError(
            "GW-STORE-MISSING",
            f"the store marker {marker} is not one the gateway wrote (a JSON object with store_id)",
        ) from None


def _write_marker(marker: Path, store_id: str) -> None:
    """Write the marker whole or not at all (a file beside it, synced, renamed into place)."""
    document = {"store_id": store_id, "created_at": datetime.now(tz=UTC).isoformat()}
    partial = marker.with_name(marker.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(json.dumps(document) + "\n")
        file.flush()
        os.fsync(file.fileno())
    partial.replace(marker)
    folder = os.open(marker.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
