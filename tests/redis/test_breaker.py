"""Redis black-holed (a proxy that passes nothing): after the first commands time out, no
store asks Redis until a probe a pause later, so calls take their fallback at once instead of
queueing for the worker-thread pool behind commands bound to time out."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import anyio
import pytest

from tests.redis._proxy import RedisProxy
from tests.redis._server import RedisServer
from wechat_async import AccessToken, StoreUnavailableError
from wechat_async.stores.redis import RedisDedupeStore, RedisRateLimiter, RedisTokenStore

PATH = "/cityservice/sendmsgdata"


@pytest.fixture
def proxy(redis_server: RedisServer) -> Iterator[RedisProxy]:
    with RedisProxy(redis_server.port) as proxy:
        yield proxy


async def test_200_rate_limited_calls_with_redis_black_holed_ask_it_about_once_per_thread(
    proxy: RedisProxy, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with RedisRateLimiter(proxy.url, 1000, prefix=prefix, timeout=0.3) as limiter:
        await limiter.acquire("wx", PATH)  # scripts loaded, a connection pooled
        proxy.pause()
        done = 0

        async def call() -> None:
            nonlocal done
            with anyio.fail_after(30):  # a bound on the test, not a timing
                await limiter.acquire("wx", PATH)
            done += 1

        with caplog.at_level(logging.INFO, logger="wechat_async.stores"):
            async with anyio.create_task_group() as tg:
                for _ in range(200):
                    tg.start_soon(call)
            assert done == 200  # every call limited by this process alone
            # Only the commands already in worker threads when the first timed out were
            # sent (anyio's pool holds 40); was: all 200, each waiting for its timeout.
            asked = proxy.connections
            assert asked <= 45
            async with anyio.create_task_group() as tg:
                for _ in range(50):
                    tg.start_soon(call)
            assert proxy.connections == asked  # open: not asked at all
            proxy.resume()
            # A probe after the pause (1 s) finds Redis again; bounded wait for it.
            for _ in range(100):
                await limiter.acquire("wx", PATH)
                if "answers again" in caplog.text:
                    break
                await anyio.sleep(0.05)
    down = [r for r in caplog.records if "Redis not asked for" in r.getMessage()]
    back = [r for r in caplog.records if "answers again" in r.getMessage()]
    assert (len(down), len(back)) == (1, 1)  # one line a change, not one a call


@pytest.mark.parametrize("store", ["tokens", "dedupe"])
async def test_every_store_stops_asking_a_black_holed_redis(
    proxy: RedisProxy, prefix: str, store: str
) -> None:
    async with (
        RedisTokenStore(proxy.url, prefix=prefix, timeout=0.3) as tokens,
        RedisDedupeStore(proxy.url, prefix=prefix, timeout=0.3) as pushes,
    ):
        if store == "tokens":
            calls = [
                lambda: tokens.get("wx"),
                lambda: tokens.set("wx", AccessToken("T", time.time() + 60)),
                lambda: tokens.lock("wx", 10),
            ]
        else:
            calls = [lambda: pushes.claim("k")]
        await calls[0]()  # a connection pooled
        proxy.pause()
        with pytest.raises(StoreUnavailableError, match="Timeout"):
            await calls[0]()
        sent = proxy.commands
        for call in calls * 5:
            with pytest.raises(StoreUnavailableError, match="not sent"):
                await call()
        assert proxy.commands == sent
