from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from stores import KINDS, StoreFactory, store_factory

from gateway.ports import MessageStore


@pytest.fixture(params=KINDS)
async def stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StoreFactory]:
    async with store_factory(request.param, tmp_path) as factory:
        yield factory


@pytest.fixture
async def store(stores: StoreFactory) -> MessageStore:
    return await stores.open()
