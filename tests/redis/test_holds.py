"""Owned holds (the token refresh lock, a push claim) on a real Redis behind a proxy that holds
or loses replies: a caller cancelled while taking one never leaves it held by nobody, and a
lost reply re-sent by redis-py's retry finds its own hold instead of locking itself out."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import anyio
import pytest
import redis

from tests.helpers import APPID
from tests.redis._proxy import RedisProxy
from tests.redis._server import RedisServer
from tests.redis._signed_push import push_router, signed_push
from wechat_async import AccessToken, TokenManager
from wechat_async.stores import Ticket
from wechat_async.stores.dedupe import Claim
from wechat_async.stores.redis import RedisDedupeStore, RedisTokenStore


@pytest.fixture
def proxy(redis_server: RedisServer) -> Iterator[RedisProxy]:
    with RedisProxy(redis_server.port) as proxy:
        yield proxy


@pytest.fixture
def raw(redis_server: RedisServer) -> Iterator[redis.Redis]:
    """A direct connection (not through the proxy) to look at what Redis holds."""
    with redis.Redis.from_url(redis_server.url, decode_responses=True) as client:
        yield client


async def _until(check: Callable[[], bool]) -> bool:
    """Whether ``check`` came true within 5 s."""
    for _ in range(500):
        if check():
            return True
        await anyio.sleep(0.01)
    return check()


class Source:
    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> AccessToken:
        self.calls += 1
        return AccessToken(f"T{self.calls}", time.time() + 7200)


async def _cancel_once_sent(
    call: Callable[[], object], sent: Callable[[], bool], proxy: RedisProxy
) -> None:
    """Run ``call`` with its replies held; once ``sent`` says its command reached Redis,
    cancel it, then let the replies through."""
    with anyio.CancelScope() as scope:
        async with anyio.create_task_group() as tg:

            async def run() -> None:
                await call()  # type: ignore[misc]

            tg.start_soon(run)
            assert await _until(sent), "the command never reached Redis"
            scope.cancel()
            proxy.release_replies()
    proxy.release_replies()


# -- 7: cancelled while taking ------------------------------------------------------------------


async def test_a_delivery_cancelled_while_claiming_leaves_no_claim_held_by_nobody(
    proxy: RedisProxy, raw: redis.Redis, prefix: str
) -> None:
    async with RedisDedupeStore(proxy.url, prefix=prefix) as store:
        assert isinstance(await store.claim("warm-up"), Ticket)  # scripts loaded
        raw.delete(f"{prefix}push:warm-up")
        router, runs = push_router(store)
        query, body = signed_push("ORDER-C")
        proxy.hold_replies()
        await _cancel_once_sent(
            lambda: router.handle("POST", query, body),
            lambda: bool(raw.keys(f"{prefix}push:*")),
            proxy,
        )
        assert await _until(lambda: not raw.keys(f"{prefix}push:*")), "claim left held"
        # WeChat's retry runs the handler (was: 503 "push in progress" for a minute).
        assert (await router.handle("POST", *signed_push("ORDER-C"))).status == 200
        assert runs.count("ORDER-C") == 1


async def test_a_claim_cancelled_in_flight_is_given_back_not_returned(
    proxy: RedisProxy, raw: redis.Redis, prefix: str
) -> None:
    async with RedisDedupeStore(proxy.url, prefix=prefix) as store:
        assert isinstance(await store.claim("warm-up"), Ticket)
        got: list[Ticket | Claim] = []

        async def claim() -> None:
            got.append(await store.claim("k"))

        proxy.hold_replies()
        await _cancel_once_sent(claim, lambda: raw.exists(f"{prefix}push:k") == 1, proxy)
        assert got == []  # the caller was cancelled: it got its cancellation, not the claim
        assert await _until(lambda: raw.exists(f"{prefix}push:k") == 0)
        assert isinstance(await store.claim("k"), Ticket)


async def test_a_token_caller_cancelled_while_taking_the_lock_leaves_it_to_no_one(
    proxy: RedisProxy, raw: redis.Redis, redis_server: RedisServer, prefix: str
) -> None:
    lock_key = f"{prefix}token-lock:{APPID}"

    class HoldingLockReplies(RedisTokenStore):
        async def lock(self, key: str, ttl: float) -> Ticket | None:
            proxy.hold_replies()
            return await super().lock(key, ttl)

    source = Source()
    async with (
        HoldingLockReplies(proxy.url, prefix=prefix) as store,
        RedisTokenStore(redis_server.url, prefix=prefix) as other_store,
    ):
        warm = await RedisTokenStore.lock(store, "warm-up", 1)  # scripts loaded
        assert warm is not None
        await store.unlock(warm)
        manager = TokenManager(APPID, source, store)
        await _cancel_once_sent(manager.get, lambda: raw.exists(lock_key) == 1, proxy)
        # Nothing holds the lock for its 20 s TTL (another process would wait it out).
        assert await _until(lambda: raw.exists(lock_key) == 0), raw.pttl(lock_key)
        other = TokenManager(APPID, source, other_store, lock_wait=30)
        with anyio.fail_after(10):
            assert (await other.get()).startswith("T")
