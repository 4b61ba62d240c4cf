"""Shared work under overload and outages: what callers with deadlines get.

- ``rate``: 100 calls a second offered for ``--seconds`` against a limit of 50 a second, each
  call with a 1 s deadline, on the memory limiter and on Redis: calls served per second.
- ``slow-token``: a token endpoint taking 1.2 s, 160 calls with 1 s deadlines arriving over
  4 s: how many are served, and how many token fetches were made.
- ``blackhole``: Redis black-holed (a proxy that passes nothing), 200 concurrent rate-limited
  calls with 10 s deadlines: how many finish in time.

    python -m benchmarks.bench_overload [--scenario rate|slow-token|blackhole] [--seconds 8]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import anyio
import httpx
import respx

from tests.redis._proxy import RedisProxy
from tests.redis._server import RedisServer
from wechat_async import MemoryRateLimiter, RateLimiter, RetryPolicy, TransportError, WeChatClient
from wechat_async.stores.redis import RedisRateLimiter

BASE = "https://api.weixin.qq.com"
CALL = {"openid": "o", "biz_template_id": "t", "order_no": "1", "data": {"k": {"value": "v"}}}


async def _offer(limiter: RateLimiter, seconds: float) -> Counter[int]:
    """100 acquires a second, each with a 1 s deadline; served per second since the start."""
    served: Counter[int] = Counter()
    started = time.monotonic()

    async def one() -> None:
        with anyio.move_on_after(1.0):
            await limiter.acquire("wx", "/cityservice/sendmsgdata")
            served[int(time.monotonic() - started)] += 1

    async with anyio.create_task_group() as tg:
        for i in range(int(seconds * 100)):
            tg.start_soon(one)
            await anyio.sleep(max(0.0, started + (i + 1) / 100 - time.monotonic()))
    return served


def rate(seconds: float) -> None:
    server = RedisServer()
    server.start()
    try:
        for backend in ("asyncio", "trio"):
            for name in ("memory", "redis"):

                async def run(name: str = name) -> Counter[int]:
                    if name == "memory":
                        return await _offer(MemoryRateLimiter(50), seconds)
                    async with RedisRateLimiter(server.url, 50, prefix="bench:") as limiter:
                        return await _offer(limiter, seconds)

                served = anyio.run(run, backend=backend)
                per_second = [served.get(s, 0) for s in range(int(seconds))]
                total = sum(served.values())
                print(
                    f"rate {name:6} {backend:7}: {total} of {int(seconds * 100)} served, "
                    f"per second {per_second}"
                )
    finally:
        server.close()


async def _slow_token() -> tuple[int, int, int]:
    router = respx.Router()

    async def token(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(1.2)
        return httpx.Response(200, json={"access_token": "T", "expires_in": 7200})

    route = router.post(f"{BASE}/cgi-bin/stable_token").mock(side_effect=token)
    router.post(f"{BASE}/cityservice/sendmsgdata").respond(json={"errcode": 0, "errmsg": "ok"})
    ok = failed = 0
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http,
        WeChatClient("wx", "secret", http_client=http, retry=RetryPolicy(deadline=1.0)) as client,
    ):

        async def call() -> None:
            nonlocal ok, failed
            try:
                await client.cityservice.send_msg_data(**CALL)
                ok += 1
            except TransportError:
                failed += 1

        async with anyio.create_task_group() as tg:
            for _ in range(160):
                tg.start_soon(call)
                await anyio.sleep(4 / 160)
    return ok, failed, route.call_count


def slow_token() -> None:
    for backend in ("asyncio", "trio"):
        ok, failed, fetches = anyio.run(_slow_token, backend=backend)
        print(f"slow-token {backend:7}: {ok} of 160 served, {failed} cut off, {fetches} fetches")


async def _blackhole(url: str) -> tuple[int, float]:
    done = 0
    started = time.monotonic()
    async with RedisRateLimiter(url, 1000, prefix="bench:") as limiter:

        async def call() -> None:
            nonlocal done
            with anyio.move_on_after(10):
                await limiter.acquire("wx", "/cityservice/sendmsgdata")
                done += 1

        async with anyio.create_task_group() as tg:
            for _ in range(200):
                tg.start_soon(call)
    return done, time.monotonic() - started


def blackhole() -> None:
    server = RedisServer()
    server.start()
    try:
        for backend in ("asyncio", "trio"):
            with RedisProxy(server.port) as proxy:
                proxy.pause()
                done, took = anyio.run(_blackhole, proxy.url, backend=backend)
                print(
                    f"blackhole {backend:7}: {done} of 200 in time, all done in {took:.1f} s, "
                    f"{proxy.connections} connections reached the proxy"
                )
    finally:
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", choices=["rate", "slow-token", "blackhole", "all"])
    parser.add_argument("--seconds", type=float, default=8.0)
    args, _ = parser.parse_known_args()
    scenario = args.scenario or "all"
    if scenario in ("rate", "all"):
        rate(args.seconds)
    if scenario in ("slow-token", "all"):
        slow_token()
    if scenario in ("blackhole", "all"):
        blackhole()


if __name__ == "__main__":
    main()
