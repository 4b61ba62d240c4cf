"""The TokenStore contract (and CredentialStore's, its extension for durable credentials),
run against the memory store and a real Redis: one suite, so both behave alike
(compare-and-delete invalidation, owned refresh locks that expire, compare-and-set
credentials)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import anyio
import pytest

from tests.redis._server import RedisServer
from wechat_async import AccessToken, MemoryTokenStore, TokenStore
from wechat_async.stores import CredentialStore, Ticket
from wechat_async.stores.redis import RedisTokenStore


@pytest.fixture(params=["memory", "redis"])
async def store(
    request: pytest.FixtureRequest, redis_server: RedisServer, prefix: str
) -> AsyncIterator[CredentialStore]:
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


async def test_is_a_credential_store(store: CredentialStore) -> None:
    assert isinstance(store, CredentialStore)


async def test_credential_is_set_only_over_the_value_expected(store: CredentialStore) -> None:
    assert await store.get_credential("refresh:wx") is None
    assert await store.swap_credential("refresh:wx", "R0", "R1") is False  # nothing there
    assert await store.get_credential("refresh:wx") is None
    assert await store.swap_credential("refresh:wx", None, "R1") is True
    assert await store.swap_credential("refresh:wx", None, "R9") is False  # R1 is there
    assert await store.swap_credential("refresh:wx", "R0", "R2") is False  # a stale rotation
    assert await store.get_credential("refresh:wx") == "R1"
    assert await store.swap_credential("refresh:wx", "R1", "R2 with spaces") is True
    assert await store.get_credential("refresh:wx") == "R2 with spaces"
    assert await store.get_credential("refresh:other") is None


async def test_a_swap_resent_after_its_reply_was_lost_finds_its_own_write(
    store: CredentialStore,
) -> None:
    assert await store.swap_credential("refresh:wx", None, "R1") is True
    assert await store.swap_credential("refresh:wx", None, "R1") is True
    assert await store.swap_credential("refresh:wx", "R1", "R2") is True
    assert await store.swap_credential("refresh:wx", "R1", "R2") is True  # the re-send
    assert await store.get_credential("refresh:wx") == "R2"


async def test_credential_is_deleted_only_when_it_holds_the_value_expected(
    store: CredentialStore,
) -> None:
    await store.swap_credential("refresh:wx", None, "R1")
    assert await store.swap_credential("refresh:wx", "R0", None) is False
    assert await store.get_credential("refresh:wx") == "R1"
    assert await store.swap_credential("refresh:wx", "R1", None) is True
    assert await store.get_credential("refresh:wx") is None
    assert await store.swap_credential("refresh:wx", "R1", None) is True  # already gone


async def test_credentials_do_not_expire_and_live_apart_from_tokens(
    store: CredentialStore,
) -> None:
    await store.swap_credential("wx", None, "R1")
    await store.set("wx", _token("T1", life=0.05))
    await anyio.sleep(0.1)
    assert await store.get_credential("wx") == "R1"
    assert await store.invalidate("wx", "T1") in (True, False)
    assert await store.get_credential("wx") == "R1"


async def test_50_concurrent_rotations_of_one_credential_one_wins(
    store: CredentialStore,
) -> None:
    await store.swap_credential("refresh:wx", None, "R0")
    won: list[str] = []

    async def rotate(n: int) -> None:
        if await store.swap_credential("refresh:wx", "R0", f"R{n + 1}"):
            won.append(f"R{n + 1}")

    async with anyio.create_task_group() as tg:
        for n in range(50):
            tg.start_soon(rotate, n)
    assert len(won) == 1
    assert await store.get_credential("refresh:wx") == won[0]
