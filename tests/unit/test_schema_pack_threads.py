"""The shipped schema pack is compiled once, whichever threads ask for it first."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from gateway.validation import schemas


def test_threads_asking_at_once_get_one_pack_compiled_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(schemas, "_DEFAULT", [])
    compiled = []
    real = schemas.SchemaPack

    def counting(root):  # type: ignore[no-untyped-def]
        compiled.append(root)
        return real(root)

    monkeypatch.setattr(schemas, "SchemaPack", counting)
    start = threading.Barrier(4)

    def first_use() -> schemas.SchemaPack:
        start.wait(10)
        return schemas.default_pack()

    with ThreadPoolExecutor(4) as pool:
        packs = list(pool.map(lambda _: first_use(), range(4)))

    assert len(compiled) == 1
    assert all(pack is packs[0] for pack in packs)
