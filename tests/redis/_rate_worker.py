"""One 'process' of the shared rate-limit test: acquires from START until START + SECONDS
(wall clock) with 8 concurrent tasks; prints when it began, then the time of each slot."""

from __future__ import annotations

import sys
import time

import anyio

from tests.redis._processes import wait_for_start
from wechat_async.stores.redis import RedisRateLimiter


async def main(url: str, prefix: str, rate: float, start: float, seconds: float) -> None:
    stamps: list[float] = []
    async with RedisRateLimiter(url, rate, prefix=prefix) as limiter:
        await anyio.sleep(max(0.0, start - time.time()))
        ready = time.time()  # later than START when this process started late

        async def caller() -> None:
            while time.time() < start + seconds:
                await limiter.acquire("wx-shared", "/cityservice/sendmsgdata")
                stamps.append(time.time())

        async with anyio.create_task_group() as tg:
            for _ in range(8):
                tg.start_soon(caller)
    print(f"{ready:.6f}")
    print(" ".join(f"{stamp:.6f}" for stamp in stamps))


if __name__ == "__main__":
    url, prefix, rate, seconds, backend = sys.argv[1:]
    start = wait_for_start()
    anyio.run(main, url, prefix, float(rate), start, float(seconds), backend=backend)
