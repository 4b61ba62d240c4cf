"""MemoryDedupeStore: the shared store contract, plus what only memory has (size bound,
injected clock)."""

from __future__ import annotations

import sys
import threading
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


@pytest.mark.slow
def test_one_ticket_a_key_across_threads() -> None:
    """Flask's async views run an event loop per request thread against one router: claims
    from threads racing for the same keys get one ticket a key (forced thread switches)."""
    store = MemoryDedupeStore()
    keys = [f"push-{i}" for i in range(20_000)]
    tickets = [0] * len(keys)
    start = threading.Barrier(4)

    def claim_all() -> None:
        start.wait()
        for i, key in enumerate(keys):
            coro = store.claim(key)
            with pytest.raises(StopIteration) as done:  # no awaits inside: done at once
                coro.send(None)
            if isinstance(done.value.value, Ticket):
                tickets[i] += 1  # += on a list slot: a race here only loses counts

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=claim_all) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        sys.setswitchinterval(interval)
    assert max(tickets) == 1
