"""Damaging SQLite store files as an operator's disk or hand would: for the tests that a
damaged store is refused or noticed, never worked on in silence."""

from __future__ import annotations

import sqlite3
from pathlib import Path

PAGE_GARBAGE = b"\xde\xad\xbe\xef"


def settle(path: Path) -> None:
    """Move what the write-ahead log holds into the file itself (so that the file is what a
    later damage changes), and leave the log empty."""
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    sqlite3.connect(path).close()


def pages_of(path: Path, table: str) -> list[int]:
    """The numbers of the pages that hold `table` and its indexes (1 is the first page)."""
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT pageno FROM dbstat WHERE name IN"
            " (SELECT name FROM sqlite_master WHERE tbl_name = ?)",
            (table,),
        ).fetchall()
    return sorted({int(row[0]) for row in rows})


def garbage_pages(path: Path, table: str) -> list[int]:
    """Overwrite every page of `table` (and its indexes) with garbage; the pages written."""
    settle(path)
    pages = pages_of(path, table)
    with sqlite3.connect(path) as db:
        size = int(db.execute("PRAGMA page_size").fetchone()[0])
    with path.open("r+b") as file:
        for page in pages:
            file.seek((page - 1) * size)
            file.write(PAGE_GARBAGE * (size // len(PAGE_GARBAGE)))
    return pages


def wake_readers(path: Path) -> None:
    """Commit a change through a connection of our own, so that the other connections to the
    file drop their cached pages and read the file again (SQLite's WAL index tells them)."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE IF NOT EXISTS test_nudge (n INTEGER)")
        db.execute("INSERT INTO test_nudge VALUES (1)")
