"""The TokenStore contract, run against the memory store and a real Redis: one suite, so
both behave alike (compare-and-delete invalidation, owned refresh locks that expire)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import anyio
import pytest

from tests.redis._server import RedisServer
from wechat_async import AccessToken, MemoryTokenStore, TokenStore
from wechat_async.stores import Ticket
from wechat_async.stores.redis import RedisTokenStore


@pytest.fixture(params=["memory", "redis"])
async def store(
    request: pytest.FixtureRequest, redis_server: RedisServer, prefix: str
) -> AsyncIterator[TokenStore]:
    if request.param == "memory":
        yield MemoryTokenStore()
    else:
        async with RedisTokenStore(redis_server.url, prefix=prefix) as redis_store:
            yield redis_store


def _token(value: str, life: float = 7200.0) -> AccessToken:
    return AccessToken(value, time.time() + life)


async def test_is_a_token_store(store: TokenStore) -> None:
    assert isinstance(store, TokenStore)


async def test_get_of_nothing_is_none(store: TokenStore) -> None:
    assert await store.get("wx-none") is None


async def test_set_then_get_returns_token_and_expiry_together(store: TokenStore) -> None:
    token = _token("T1")
    await store.set("wx", token)
    assert await store.get("wx") == token
    newer = _token("T2 with spaces", life=100.5)
    await store.set("wx", newer)
    assert await store.get("wx") == newer
    assert await store.get("other-appid") is None


async def test_invalidate_is_compare_and_delete(store: TokenStore) -> None:
    await store.set("wx", _token("NEW"))
    assert await store.invalidate("wx", "OLD") is False  # a late 40001 for an older token
    assert (await store.get("wx")) is not None
    assert await store.invalidate("wx", "NEW") is True
    assert await store.get("wx") is None
    assert await store.invalidate("wx", "NEW") is False


async def test_lock_is_held_by_one_owner(store: TokenStore) -> None:
    first = await store.lock("wx", ttl=10)
    assert first is not None
    assert await store.lock("wx", ttl=10) is None
    assert await store.lock("other-appid", ttl=10) is not None
    assert await store.unlock(Ticket("wx", "not-the-owner")) is False
    assert await store.lock("wx", ttl=10) is None  # still held
    assert await store.unlock(first) is True
    assert await store.unlock(first) is False
    assert await store.lock("wx", ttl=10) is not None


async def test_50_concurrent_lockers_get_one_ticket(store: TokenStore) -> None:
    tickets: list[Ticket] = []

    async def take() -> None:
        ticket = await store.lock("wx", ttl=10)
        if ticket is not None:
            tickets.append(ticket)

    async with anyio.create_task_group() as tg:
        for _ in range(50):
            tg.start_soon(take)
    assert len(tickets) == 1


async def test_dead_holders_lock_expires_and_its_late_unlock_cannot_free_the_next(
    store: TokenStore,
) -> None:
    dead = await store.lock("wx", ttl=0.05)
    assert dead is not None
    await anyio.sleep(0.1)
    alive = await store.lock("wx", ttl=10)
    assert alive is not None
    assert await store.unlock(dead) is False
    assert await store.lock("wx", ttl=10) is None  # the live holder still has it
    assert await store.unlock(alive) is True


@pytest.mark.slow
async def test_only_the_holder_renews_and_a_lapsed_lock_stays_lapsed(store: TokenStore) -> None:
    held = await store.lock("wx", ttl=0.2)
    assert held is not None
    assert await store.renew_lock(Ticket("wx", "not-the-owner"), ttl=10) is False
    for _ in range(3):  # renewed past its first TTL: still held
        await anyio.sleep(0.1)
        assert await store.renew_lock(held, ttl=0.2) is True
    assert await store.lock("wx", ttl=10) is None
    await anyio.sleep(0.3)  # not renewed: it lapses, and renewing cannot bring it back
    assert await store.renew_lock(held, ttl=10) is False
    assert await store.lock("wx", ttl=10) is not None
