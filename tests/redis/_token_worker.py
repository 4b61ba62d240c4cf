"""One 'process' of the cross-process token test: from START (wall clock), ROUNDS rounds of
TASKS concurrent calls through a WeChatClient whose tokens live in Redis. Prints
``<calls succeeded> <calls failed> <this process's token fetches>``."""

from __future__ import annotations

import sys
import time

import anyio

from wechat_async import WeChatClient
from wechat_async.stores.redis import RedisTokenStore

DAY = 86400
START_OF_ORDERS = 1_767_225_600  # the fake's order range starts 2026-01-01 UTC


async def main(
    redis_url: str, prefix: str, base_url: str, appid: str, secret: str, start: float
) -> None:
    ok = failed = 0
    async with (
        RedisTokenStore(redis_url, prefix=prefix) as store,
        WeChatClient(
            appid, secret, base_url=base_url, token_endpoint="token", token_store=store
        ) as client,
    ):
        await anyio.sleep(max(0.0, start - time.time()))

        async def call() -> None:
            nonlocal ok, failed
            try:
                await client.giftcard.batch_get_orders(
                    begin_time=START_OF_ORDERS, end_time=START_OF_ORDERS + DAY, offset=0, count=1
                )
                ok += 1
            except Exception as exc:
                print(repr(exc), file=sys.stderr)
                failed += 1

        for _ in range(3):
            async with anyio.create_task_group() as tg:
                for _ in range(200):
                    tg.start_soon(call)
        fetches = client.tokens.fetch_count
    print(ok, failed, fetches)


if __name__ == "__main__":
    redis_url, prefix, base_url, appid, secret, start, backend = sys.argv[1:]
    anyio.run(main, redis_url, prefix, base_url, appid, secret, float(start), backend=backend)
