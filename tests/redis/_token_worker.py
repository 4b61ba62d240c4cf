"""One 'process' of the cross-process token test: from START until END (wall clock), TASKS
concurrent tasks call the emulator through a WeChatClient whose tokens live in Redis.
Prints ``<calls succeeded> <calls failed> <this process's token fetches>``."""

from __future__ import annotations

import sys
import time

import anyio

from tests.redis._processes import wait_for_start
from wechat_async import WeChatClient
from wechat_async.stores.redis import RedisTokenStore

DAY = 86400
START_OF_ORDERS = 1_767_225_600  # the emulator's order range starts 2026-01-01 UTC


async def main(
    redis_url: str, prefix: str, base_url: str, appid: str, secret: str, start: float, end: float
) -> None:
    ok = failed = 0
    async with (
        RedisTokenStore(redis_url, prefix=prefix) as store,
        WeChatClient(
            appid, secret, base_url=base_url, token_endpoint="token", token_store=store
        ) as client,
    ):
        await anyio.sleep(max(0.0, start - time.time()))

        async def caller() -> None:
            nonlocal ok, failed
            while time.time() < end:
                t0 = time.time()
                try:
                    await client.giftcard.batch_get_orders(
                        begin_time=START_OF_ORDERS,
                        end_time=START_OF_ORDERS + DAY,
                        offset=0,
                        count=1,
                    )
                    ok += 1
                except Exception as exc:
                    print(f"failed after {time.time() - t0:.2f} s: {exc!r}", file=sys.stderr)
                    failed += 1
                # 100 calls a second a process: the test is about tokens, not throughput.
                await anyio.sleep(min(2.0, max(0.0, end - time.time())))

        async with anyio.create_task_group() as tg:
            for _ in range(200):
                tg.start_soon(caller)
        fetches = client.tokens.fetch_count
    print(ok, failed, fetches)


if __name__ == "__main__":
    redis_url, prefix, base_url, appid, secret, seconds, backend = sys.argv[1:]
    start = wait_for_start()
    end = start + float(seconds)
    anyio.run(main, redis_url, prefix, base_url, appid, secret, start, end, backend=backend)
