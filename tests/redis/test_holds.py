"""Owned holds (the token refresh lock, a push claim) on a real Redis behind a proxy that holds
or loses replies: a caller cancelled while taking one never leaves it held by nobody, and a
lost reply re-sent by redis-py's retry finds its own hold instead of locking itself out."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import anyio
import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from tests.helpers import APPID
from tests.redis._proxy import RedisProxy
from tests.redis._server import RedisServer
from tests.redis._signed_push import push_router, signed_push
from wechat_async import AccessToken, StoreUnavailableError, TokenManager
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


def _claims(raw: redis.Redis, prefix: str) -> list[str]:
    """The push claims Redis holds (not the used-nonce marks written with them)."""
    return [k for k in raw.keys(f"{prefix}push:*") if not k.startswith(f"{prefix}push:nonce-")]


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
            lambda: router.handle("POST", query, body), lambda: bool(_claims(raw, prefix)), proxy
        )
        assert await _until(lambda: not _claims(raw, prefix)), "claim left held"
        # The claim's used-nonce mark stays: it holds this very body, so the retry passes it.
        assert len(raw.keys(f"{prefix}push:nonce-pair:*")) == 1
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


# -- 8: a lost reply, the command re-sent or timed out -------------------------------------------


@pytest.mark.parametrize("client", ["url", "own"])
async def test_a_lock_whose_reply_was_lost_and_resent_by_the_retry_is_ours(
    proxy: RedisProxy, raw: redis.Redis, prefix: str, client: str
) -> None:
    # A client of the user's own, with retries of its own (every error redis-py retries).
    own = redis.Redis.from_url(proxy.url, retry=Retry(NoBackoff(), 3))
    async with RedisTokenStore(proxy.url if client == "url" else own, prefix=prefix) as store:
        warm = await store.lock("warm-up", 1)  # scripts loaded: the lost reply is the lock's
        assert warm is not None
        proxy.lose_reply_to(f"{prefix}token-lock:wx".encode())
        ticket = await store.lock("wx", 20)  # sent, reply lost, re-sent by redis-py's retry
        assert ticket is not None  # was: None, the process locked out by its own lock
        assert raw.get(f"{prefix}token-lock:wx") == ticket.owner
        assert await store.unlock(ticket)
    own.close()


async def test_a_token_refresh_whose_lock_reply_was_lost_fetches_at_once(
    proxy: RedisProxy, raw: redis.Redis, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    source = Source()
    async with RedisTokenStore(proxy.url, prefix=prefix) as store:
        warm = await store.lock("warm-up", 1)
        assert warm is not None
        proxy.lose_reply_to(f"{prefix}token-lock:{APPID}".encode())
        manager = TokenManager(APPID, source, store)  # waits up to 20 s for another holder
        with anyio.fail_after(10):
            assert await manager.get() == "T1"
    assert source.calls == 1
    assert "held by another process" not in caplog.text
    assert raw.exists(f"{prefix}token-lock:{APPID}") == 0  # released after the fetch


async def test_a_claim_whose_reply_was_lost_and_resent_by_the_retry_runs_the_handler(
    proxy: RedisProxy, prefix: str
) -> None:
    async with RedisDedupeStore(proxy.url, prefix=prefix) as store:
        assert isinstance(await store.claim("warm-up"), Ticket)
        proxy.lose_reply_to(f"{prefix}push:k".encode())
        assert isinstance(await store.claim("k"), Ticket)  # was: Claim.RUNNING, its own
        router, runs = push_router(store)
        proxy.lose_reply_to(f"{prefix}push:".encode())  # the router's claim, whatever its key
        assert (await router.handle("POST", *signed_push("ORDER-L"))).status == 200
        assert runs == ["ORDER-L"]  # was: 503 on the first try and every retry, never run


@pytest.mark.parametrize("hold", ["lock", "claim"])
async def test_a_hold_whose_reply_timed_out_is_given_back_not_left_to_its_ttl(
    proxy: RedisProxy, raw: redis.Redis, prefix: str, hold: str
) -> None:
    async with (
        RedisTokenStore(proxy.url, prefix=prefix, timeout=0.3) as tokens,
        RedisDedupeStore(proxy.url, prefix=prefix, timeout=0.3) as pushes,
    ):
        warm = await tokens.lock("warm-up", 1)
        assert isinstance(await pushes.claim("warm-up"), Ticket)
        assert warm is not None
        key = f"{prefix}token-lock:wx" if hold == "lock" else f"{prefix}push:wx"
        proxy.lose_reply_to(key.encode(), close=False)  # taken; its reply never comes
        with pytest.raises(StoreUnavailableError, match="Timeout"):
            await (tokens.lock("wx", 20) if hold == "lock" else pushes.claim("wx"))
        assert raw.exists(key) == 0  # was: held by nobody for 20 s (lock) or 60 s (claim)
        assert proxy.commands_with(key.encode()) == 2  # taken once (not re-sent), given back
