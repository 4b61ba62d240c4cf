"""TokenManagers of several processes (here: several managers, each with its own Redis
connection) sharing one token through RedisTokenStore; Redis stopped and restarted."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable

import anyio
import httpx
import pytest
import respx

from tests.helpers import APPID, SECRET, fast_retry
from tests.redis._authority import CALL, TokenAuthority
from tests.redis._server import RedisServer
from wechat_async import AccessToken, MemoryTokenStore, TokenManager, WeChatClient
from wechat_async.stores import Ticket
from wechat_async.stores.redis import RedisTokenStore


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class Source:
    """A token endpoint shared by every 'process': counts fetches, can be held at a gate."""

    def __init__(self, life: float = 7200.0, clock: Callable[[], float] = time.time) -> None:
        self.life = life
        self.clock = clock
        self.calls = 0
        self.gate: anyio.Event | None = None

    async def __call__(self) -> AccessToken:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        await anyio.sleep(0.01)
        return AccessToken(f"T{self.calls}", self.clock() + self.life)


class CountingStore(RedisTokenStore):
    """Counts this process's Redis round trips."""

    calls = 0

    async def get(self, key: str) -> AccessToken | None:
        self.calls += 1
        return await super().get(key)

    async def lock(self, key: str, ttl: float) -> Ticket | None:
        self.calls += 1
        return await super().lock(key, ttl)


async def _crowd(count: int, call: Callable[[], Awaitable[str]]) -> list[str]:
    results: list[str] = []

    async def one() -> None:
        results.append(await call())

    async with anyio.create_task_group() as tg:
        for _ in range(count):
            tg.start_soon(one)
    return results


async def test_two_processes_of_100_callers_make_one_fetch(
    redis_server: RedisServer, prefix: str
) -> None:
    source = Source()
    async with (
        RedisTokenStore(redis_server.url, prefix=prefix) as store_a,
        RedisTokenStore(redis_server.url, prefix=prefix) as store_b,
    ):
        a = TokenManager(APPID, source, store_a)
        b = TokenManager(APPID, source, store_b)
        results: list[str] = []
        async with anyio.create_task_group() as tg:
            for manager in (a, b):
                tg.start_soon(lambda m=manager: _extend(results, _crowd(100, m.get)))
    assert source.calls == 1
    assert results == ["T1"] * 200


async def _extend(into: list[str], results: Awaitable[list[str]]) -> None:
    into.extend(await results)


@pytest.mark.slow
async def test_waiters_in_another_process_take_the_holders_token_with_few_round_trips(
    redis_server: RedisServer, prefix: str
) -> None:
    source = Source()
    source.gate = anyio.Event()
    async with (
        RedisTokenStore(redis_server.url, prefix=prefix) as store_a,
        CountingStore(redis_server.url, prefix=prefix) as store_b,
    ):
        holder = TokenManager(APPID, source, store_a)
        waiter = TokenManager(APPID, source, store_b)
        results: list[str] = []
        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: _extend(results, _crowd(1, holder.get)))
            await anyio.sleep(0.05)  # the holder has the Redis lock and is fetching
            tg.start_soon(lambda: _extend(results, _crowd(100, waiter.get)))
            await anyio.sleep(0.2)
            source.gate.set()
    assert source.calls == 1
    assert results == ["T1"] * 101
    # 100 waiting tasks, one process: its single flight polls Redis, not each task.
    assert store_b.calls < 30
    assert waiter.fetch_count == 0


@pytest.mark.slow
async def test_a_dead_holders_lock_frees_by_its_ttl_then_one_process_fetches(
    redis_server: RedisServer, prefix: str
) -> None:
    source = Source()
    async with RedisTokenStore(redis_server.url, prefix=prefix) as store:
        assert await store.lock(APPID, ttl=0.3) is not None  # taken, never released
        managers = [TokenManager(APPID, source, store) for _ in range(3)]
        started = time.monotonic()
        results: list[str] = []
        async with anyio.create_task_group() as tg:
            for manager in managers:
                tg.start_soon(lambda m=manager: _extend(results, _crowd(20, m.get)))
        assert time.monotonic() - started >= 0.25
    assert source.calls == 1
    assert results == ["T1"] * 60


@pytest.mark.slow
async def test_a_lock_held_past_the_wait_bound_lets_the_waiter_fetch_with_a_warning(
    redis_server: RedisServer, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    source = Source()
    async with RedisTokenStore(redis_server.url, prefix=prefix) as store:
        assert await store.lock(APPID, ttl=30) is not None
        manager = TokenManager(APPID, source, store, lock_wait=0.2)
        with caplog.at_level(logging.WARNING, logger="wechat_async.token"):
            assert await _crowd(20, manager.get) == ["T1"] * 20
    assert source.calls == 1
    assert "lock held by another process" in caplog.text


async def test_late_invalidation_in_one_process_keeps_the_newer_token_of_another(
    redis_server: RedisServer, prefix: str
) -> None:
    source = Source()
    async with (
        RedisTokenStore(redis_server.url, prefix=prefix) as store_a,
        RedisTokenStore(redis_server.url, prefix=prefix) as store_b,
    ):
        a = TokenManager(APPID, source, store_a)
        b = TokenManager(APPID, source, store_b)
        assert await a.get() == "T1"
        await b.invalidate("T1")  # b saw 40001 for T1 ...
        assert await b.get() == "T2"  # ... and refreshed
        await a.invalidate("T1")  # a's own 40001 for T1 arrives late
        assert (await store_a.get(APPID)) is not None  # T2 survived it
        assert await a.get() == "T2"  # adopted, not fetched
    assert source.calls == 2


async def test_redis_down_valid_tokens_keep_working_and_a_refresh_falls_back_once(
    own_redis_server: RedisServer, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    source = Source(clock=clock)
    async with RedisTokenStore(own_redis_server.url, prefix=prefix, timeout=0.3) as store:
        manager = TokenManager(APPID, source, store, clock=clock)
        assert await manager.get() == "T1"
        own_redis_server.stop()
        assert await _crowd(50, manager.get) == ["T1"] * 50  # no Redis on the fast path
        clock.now += 7200 - 30  # T1 is now inside its mandatory window
        with caplog.at_level(logging.WARNING, logger="wechat_async.token"):
            assert await _crowd(50, manager.get) == ["T2"] * 50
        assert "token store unavailable" in caplog.text
    assert source.calls == 2


@pytest.mark.slow
async def test_redis_restarted_mid_run_no_call_fails_and_token_requests_stay_bounded(
    own_redis_server: RedisServer, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    processes, tasks, life = 4, 25, 1
    authority = TokenAuthority(life=life, grace=10)
    router = respx.Router()
    authority.install(router)
    transport = httpx.MockTransport(router.async_handler)
    calls = 0
    failures: list[BaseException] = []

    finished = anyio.Event()

    async def worker(client: WeChatClient) -> None:
        nonlocal calls
        while not finished.is_set():
            try:
                await client.cityservice.send_msg_data(**CALL)
            except Exception as exc:
                failures.append(exc)
            calls += 1
            await anyio.sleep(0.01)

    async def outage() -> None:
        # Redis goes down after the first token and stays down until a refresh has met the
        # outage (timed by events, not sleeps: a loaded machine delays both); then 0.5 s more.
        while authority.issued == 0:  # noqa: ASYNC110 - a plain counter of the fake
            await anyio.sleep(0.005)
        first = time.monotonic()
        await anyio.sleep(0.2)
        stopped = time.monotonic()
        await anyio.to_thread.run_sync(own_redis_server.stop)
        with anyio.move_on_after(5):
            while authority.issued < 2:  # noqa: ASYNC110 - a plain counter of the fake
                await anyio.sleep(0.005)
        await anyio.sleep(0.1)
        await anyio.to_thread.run_sync(own_redis_server.start)
        await anyio.sleep(0.5)
        finished.set()
        spans.append(time.monotonic() - first)
        # From the stop to the end, a process may find Redis down (or its breaker still
        # open after the restart) and refresh alone.
        alone.append(time.monotonic() - stopped)

    async with httpx.AsyncClient(transport=transport) as http:
        stores = [
            RedisTokenStore(own_redis_server.url, prefix=prefix, timeout=0.3)
            for _ in range(processes)
        ]
        clients = [
            WeChatClient(
                APPID,
                SECRET,
                http_client=http,
                token_endpoint="token",
                token_store=store,
                retry=fast_retry(),
            )
            for store in stores
        ]
        spans: list[float] = []
        alone: list[float] = []
        with caplog.at_level(logging.WARNING, logger="wechat_async.token"):
            async with anyio.create_task_group() as tg:
                tg.start_soon(outage)
                for client in clients:
                    for _ in range(tasks):
                        tg.start_soon(worker, client)
        for store in stores:
            await store.aclose()

    assert failures == []
    assert authority.served == calls
    assert "token store unavailable" in caplog.text  # the outage met a refresh
    # One token a refresh (every 9/10 of a life), +1, and, while Redis is out of reach, each
    # process refreshing alone once a refresh window: never one fetch per waiting task.
    bound = math.ceil(spans[0] / (0.9 * life)) + 1 + processes * math.ceil(alone[0] / (0.9 * life))
    print(f"restart run: {calls} calls, {authority.issued} token requests (bound {bound})")
    assert authority.issued <= bound


async def test_advisory_refresh_does_not_wait_for_another_processs_lock(
    redis_server: RedisServer, prefix: str
) -> None:
    clock = Clock()
    source = Source(clock=clock)
    async with RedisTokenStore(redis_server.url, prefix=prefix) as store:
        manager = TokenManager(APPID, source, store, clock=clock)
        assert await manager.get() == "T1"
        assert await store.lock(APPID, ttl=30) is not None  # another process is refreshing
        clock.now += 7200 - 200  # advisory window: T1 is still good
        started = time.monotonic()
        assert await _crowd(20, manager.get) == ["T1"] * 20
        assert time.monotonic() - started < 0.5
        assert source.calls == 1
        await store.set(APPID, AccessToken("FROM_OTHER", clock.now + 7200))
        # The other process's token, adopted by the next refresh (beside the callers).
        for _ in range(500):
            if await manager.get() == "FROM_OTHER":
                break
            await anyio.sleep(0.01)
        assert await manager.get() == "FROM_OTHER"
    assert source.calls == 1


@pytest.mark.slow
@pytest.mark.parametrize("shared", ["memory", "redis"])
async def test_a_fetch_slower_than_the_lock_ttl_keeps_the_lock_one_fetch_in_all(
    shared: str, redis_server: RedisServer, prefix: str
) -> None:
    """The holder renews its lock while it fetches: a fetch outliving the TTL does not let a
    second process fetch too (under cgi-bin/token that fetch would kill the first token)."""
    source = Source()
    source.gate = anyio.Event()
    async with (
        RedisTokenStore(redis_server.url, prefix=prefix) as store_a,
        RedisTokenStore(redis_server.url, prefix=prefix) as store_b,
    ):
        memory = MemoryTokenStore()
        stores = (memory, memory) if shared == "memory" else (store_a, store_b)
        holder, waiter = (TokenManager(APPID, source, s, lock_ttl=0.2) for s in stores)
        results: list[str] = []
        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: _extend(results, _crowd(1, holder.get)))
            await anyio.sleep(0.05)  # the holder has the lock and is fetching
            tg.start_soon(lambda: _extend(results, _crowd(10, waiter.get)))
            await anyio.sleep(0.8)  # four TTLs
            source.gate.set()
    assert source.calls == 1
    assert results == ["T1"] * 11
    assert waiter.fetch_count == 0
