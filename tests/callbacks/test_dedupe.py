"""MemoryDedupeStore: the shared store contract, plus what only memory has (size bound,
injected clock)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest

from tests.stores.dedupe_contract import *  # noqa: F403 - the shared contract suite
from wechat_async.stores.dedupe import Claim, DedupeStore, MemoryDedupeStore, Ticket


@pytest.fixture
def dedupe_store() -> Callable[[], AbstractAsyncContextManager[MemoryDedupeStore]]:
    @asynccontextmanager
    async def make() -> AsyncIterator[MemoryDedupeStore]:
        yield MemoryDedupeStore()

    return make


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_done_is_remembered_past_wechats_24_hour_retry_span() -> None:
    clock = Clock()
    store = MemoryDedupeStore(clock=clock)
    ticket = await store.claim("k")
    assert isinstance(ticket, Ticket)
    await store.complete(ticket)
    clock.now += 24 * 3600
    assert await store.claim("k") is Claim.DONE
    clock.now += 2 * 3600
    assert isinstance(await store.claim("k"), Ticket)


async def test_size_is_bounded_oldest_first() -> None:
    store = MemoryDedupeStore(max_keys=3)
    for key in "abcd":
        ticket = await store.claim(key)
        assert isinstance(ticket, Ticket)
        await store.complete(ticket)
    assert len(store) == 3
    assert isinstance(await store.claim("a"), Ticket)  # evicted
    assert await store.claim("d") is Claim.DONE


def test_memory_store_satisfies_the_protocol() -> None:
    assert isinstance(MemoryDedupeStore(), DedupeStore)
    assert not isinstance(object(), DedupeStore)
