"""MemoryDedupeStore: claim/complete/release semantics, TTLs and the size bound."""

from __future__ import annotations

import anyio
import anyio.lowlevel

from wechat_async.stores.dedupe import Claim, DedupeStore, MemoryDedupeStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_claim_then_running_then_done() -> None:
    store = MemoryDedupeStore()
    assert await store.claim("k") is Claim.NEW
    assert await store.claim("k") is Claim.RUNNING
    await store.complete("k")
    assert await store.claim("k") is Claim.DONE


async def test_release_lets_the_next_delivery_run() -> None:
    store = MemoryDedupeStore()
    assert await store.claim("k") is Claim.NEW
    await store.release("k")
    assert await store.claim("k") is Claim.NEW


async def test_a_crashed_workers_claim_expires() -> None:
    clock = Clock()
    store = MemoryDedupeStore(clock=clock)
    assert await store.claim("k", ttl=60) is Claim.NEW
    clock.now += 59
    assert await store.claim("k", ttl=60) is Claim.RUNNING
    clock.now += 2
    assert await store.claim("k", ttl=60) is Claim.NEW


async def test_done_is_remembered_past_wechats_24_hour_retry_span() -> None:
    clock = Clock()
    store = MemoryDedupeStore(clock=clock)
    await store.claim("k")
    await store.complete("k")
    clock.now += 24 * 3600
    assert await store.claim("k") is Claim.DONE
    clock.now += 2 * 3600
    assert await store.claim("k") is Claim.NEW


async def test_size_is_bounded_oldest_first() -> None:
    store = MemoryDedupeStore(max_keys=3)
    for key in "abcd":
        await store.claim(key)
        await store.complete(key)
    assert len(store) == 3
    assert await store.claim("a") is Claim.NEW  # evicted
    assert await store.claim("d") is Claim.DONE


async def test_concurrent_claims_have_exactly_one_winner() -> None:
    store = MemoryDedupeStore()
    results: list[Claim] = []

    async def claim() -> None:
        await anyio.lowlevel.checkpoint()
        results.append(await store.claim("k"))

    async with anyio.create_task_group() as tg:
        for _ in range(50):
            tg.start_soon(claim)
    assert results.count(Claim.NEW) == 1
    assert results.count(Claim.RUNNING) == 49


def test_memory_store_satisfies_the_protocol() -> None:
    assert isinstance(MemoryDedupeStore(), DedupeStore)
    assert not isinstance(object(), DedupeStore)
