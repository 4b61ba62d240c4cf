"""One 'process' of the push dedupe tests: once every worker is ready, at the common start it
handles one signed push through a CallbackRouter whose claims live in Redis. The handler counts
its runs in Redis, then takes HANDLER_SECONDS and returns, or (``crash``) kills its own process
mid-run. Prints the reply's status."""

from __future__ import annotations

import os
import sys
import time

import anyio
import anyio.to_thread
import redis

from tests.redis._processes import wait_for_start
from tests.redis._signed_push import PUSH_TOKEN, signed_push
from wechat_async.callbacks import CallbackRouter, GiftCardPayDone
from wechat_async.stores.redis import RedisDedupeStore

# Longer than a loaded machine's spread between processes' deliveries, so they overlap: the
# later ones find the claim running (503), which shows the claim was contended.
HANDLER_SECONDS = 1.0


def push(order_id: str) -> tuple[dict[str, str], bytes]:
    """The same delivery in every worker: one nonce, as one push sent to several processes."""
    return signed_push(order_id, nonce="n1")


def make_router(redis_url: str, prefix: str, claim_ttl: float, crash: bool) -> CallbackRouter:
    router = CallbackRouter(
        PUSH_TOKEN, dedupe=RedisDedupeStore(redis_url, prefix=prefix), claim_ttl=claim_ttl
    )
    counter = redis.Redis.from_url(redis_url)

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        await anyio.to_thread.run_sync(counter.incr, f"{prefix}runs:{event.order_id}")
        await anyio.sleep(HANDLER_SECONDS)
        if crash:
            os._exit(17)

    return router


async def main(redis_url: str, prefix: str, start: float, mode: str, order_id: str) -> None:
    router = make_router(redis_url, prefix, claim_ttl=0.5, crash=mode == "crash")
    query, body = push(order_id)
    await anyio.sleep(max(0.0, start - time.time()))
    reply = await router.handle("POST", query, body)
    print(reply.status)


if __name__ == "__main__":
    redis_url, prefix, mode, order_id, backend = sys.argv[1:]
    start = wait_for_start()
    anyio.run(main, redis_url, prefix, start, mode, order_id, backend=backend)
