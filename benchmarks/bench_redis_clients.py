"""Which Redis client the shared stores use: round trips per second on a local redis-server.

The stores need one client that works under asyncio AND trio. Candidates: redis-py's sync
client in worker threads (``anyio.to_thread``, what ``wechat_async.stores.redis`` ships),
coredis (built on anyio), and redis-py's asyncio client (asyncio only, for reference). Each
does the same GETs, one at a time and from 50 concurrent tasks; medians of rounds. Also the
rate limiter's cost per call when it need not wait (one Lua script round trip).

    python -m benchmarks.bench_redis_clients [--ops 3000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Awaitable, Callable

import anyio

from benchmarks._harness import median, print_table
from tests.redis._server import RedisServer
from wechat_async.stores.redis import RedisRateLimiter, RedisTokenStore

SHIPPED = "redis-py in threads (shipped)"


async def _drive(get: Callable[[], Awaitable[object]], ops: int, tasks: int) -> float:
    async def worker(count: int) -> None:
        for _ in range(count):
            await get()

    started = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for _ in range(tasks):
            tg.start_soon(worker, ops // tasks)
    return ops / (time.perf_counter() - started)


async def _shipped(url: str, ops: int, tasks: int) -> float:
    async with RedisTokenStore(url, prefix="bench:") as store:
        return await _drive(lambda: store.get("wx"), ops, tasks)


async def _rate_limiter(url: str, ops: int, tasks: int) -> float:
    # A rate far above what is measured: every acquire is one script round trip, no waiting.
    async with RedisRateLimiter(url, rate=1_000_000, prefix="bench:") as limiter:
        return await _drive(lambda: limiter.acquire("wx", "/path"), ops, tasks)


async def _coredis(url: str, ops: int, tasks: int) -> float:
    import coredis

    async with coredis.Redis.from_url(url) as client:
        return await _drive(lambda: client.get("bench:token:wx"), ops, tasks)


async def _redis_asyncio(url: str, ops: int, tasks: int) -> float:
    import redis.asyncio

    client = redis.asyncio.Redis.from_url(url)
    try:
        return await _drive(lambda: client.get("bench:token:wx"), ops, tasks)
    finally:
        await client.aclose()


def run(ops: int, rounds: int) -> dict[str, float]:
    server = RedisServer()
    server.start()
    rates: dict[str, list[float]] = {}
    candidates = [
        (SHIPPED, _shipped, ("asyncio", "trio")),
        ("RedisRateLimiter.acquire (Lua)", _rate_limiter, ("asyncio", "trio")),
        ("coredis", _coredis, ("asyncio", "trio")),
        ("redis.asyncio", _redis_asyncio, ("asyncio",)),
    ]
    try:
        for _ in range(rounds):
            for tasks in (1, 50):
                for name, measure, backends in candidates:
                    for backend in backends:
                        label = f"{name}, {backend}, {tasks} task{'s' if tasks > 1 else ''}"
                        rate = anyio.run(measure, server.url, ops, tasks, backend=backend)
                        rates.setdefault(label, []).append(rate)
    finally:
        server.close()
    return {label: median(values) for label, values in rates.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ops", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args, _ = parser.parse_known_args()
    rates = run(args.ops, args.rounds)
    for tasks in ("1 task", "50 tasks"):
        chosen = {label: rate for label, rate in rates.items() if label.endswith(tasks)}
        reference = f"{SHIPPED}, asyncio, {tasks}"
        print_table(f"Redis GET round trips, {tasks}", chosen, "GET/s", [reference])


if __name__ == "__main__":
    main()
