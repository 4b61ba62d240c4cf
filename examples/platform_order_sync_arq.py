"""A third-party platform syncing its merchants' gift-card orders, one arq job per merchant,
spread over as many worker processes as you start, all on the platform's one Redis.

    pip install 'wechat-async[redis,examples]'   # arq (it pins redis-py below 6)
    python examples/platform_order_sync_arq.py 2026-01-01 2026-04-10   # one job a merchant
    python -m arq examples.platform_order_sync_arq.WorkerSettings      # start N of these

Against the emulator: the tests run it so (``tests/examples/``); by hand, serve it as a
platform pushing to your web process, with merchants authorised (``wechat-async emulator serve
--platform-push-to URL --platform-push-token T --platform-aes-key K --authorize
wxmerchant0001=8``), and set ``WECHAT_BASE_URL`` to it. Against WeChat: the open platform's
settings below, nothing else.

Everything shared lives in that Redis (``REDIS_URL``): arq's queue; the platform's verify
ticket, component token and each merchant's access and refresh tokens (``RedisTokenStore``);
a rate limit per merchant across every worker (``RedisRateLimiter``); and each merchant's sync
checkpoint with its orders. Orders and checkpoint are written in one transaction every page of
orders, so a job cut short anywhere (a worker killed, a deploy, a quota) is resumed by whichever
worker runs it next, from the last page written, every order stored once.

Why arq rather than Celery: its jobs are ``async def`` functions run on the worker's event
loop, so the SDK's one client per process (pool, token single flight) serves every job, and
it needs only the Redis the platform already has; a Celery task is synchronous and would need
an event loop, a client and a token fetch of its own per task.

The platform's web process (``examples/platform_delivery.py``) receives WeChat's pushes and
exchanges each merchant's authorization code; the workers need only the same settings:
``REDIS_URL``, ``WECHAT_COMPONENT_APPID``, ``WECHAT_COMPONENT_SECRET``,
``WECHAT_COMPONENT_TOKEN``, ``WECHAT_COMPONENT_AES_KEY`` (and ``WECHAT_BASE_URL`` for the
emulator).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from typing import Any, ClassVar

import anyio
from arq import Retry, create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.worker import func

from wechat_async import QuotaExceededError, SystemBusyError, TransportError
from wechat_async.component import ComponentClient
from wechat_async.giftcard import Order, SyncCheckpoint, UnreadOrdersError
from wechat_async.stores.redis import RedisRateLimiter, RedisTokenStore

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
#: calls a second per merchant, all workers together
RATE = float(os.environ.get("MERCHANT_RATE", "20"))
CHINA = dt.timezone(dt.timedelta(hours=8))


def _keys(appid: str, begin: int, end: int) -> tuple[str, str]:
    """(the merchant's orders hash, the sync's checkpoint)."""
    return f"orders:{appid}", f"orders-checkpoint:{appid}:{begin}:{end}"


async def startup(ctx: dict[str, Any]) -> None:
    """One platform client per worker process: every job shares its pool and tokens."""
    store = RedisTokenStore(REDIS_URL, prefix="platform:")
    limiter = RedisRateLimiter(REDIS_URL, rate=RATE, burst=int(RATE), prefix="platform:")
    ctx["stores"] = (store, limiter)
    ctx["platform"] = ComponentClient(
        os.environ["WECHAT_COMPONENT_APPID"],
        os.environ["WECHAT_COMPONENT_SECRET"],
        token=os.environ["WECHAT_COMPONENT_TOKEN"],
        encoding_aes_key=os.environ["WECHAT_COMPONENT_AES_KEY"],
        store=store,
        rate_limiter=limiter,
    )


async def shutdown(ctx: dict[str, Any]) -> None:
    await ctx["platform"].aclose()
    for store in ctx["stores"]:
        await store.aclose()


async def sync_merchant(ctx: dict[str, Any], appid: str, begin: int, end: int) -> dict[str, Any]:
    """Sync one merchant's orders created in ``[begin, end]``, from its checkpoint if a run
    before was cut short."""
    redis: ArqRedis = ctx["redis"]
    orders_key, checkpoint_key = _keys(appid, begin, end)
    saved = await redis.get(checkpoint_key)
    checkpoint = SyncCheckpoint.from_dict(json.loads(saved)) if saved else None
    merchant = ctx["platform"].authorizer(appid)
    sync = merchant.giftcard.iter_orders(begin, end, checkpoint=checkpoint)
    batch: dict[str, str] = {}
    stored = 0

    async def write() -> None:
        nonlocal stored
        async with redis.pipeline(transaction=True) as tx:  # orders and checkpoint together
            if batch:
                tx.hset(orders_key, mapping=batch)
            tx.set(checkpoint_key, json.dumps(sync.checkpoint.to_dict()))
            await tx.execute()
        stored += len(batch)
        batch.clear()

    unread: list[Any] = []
    try:
        async with sync:
            async for order in sync:
                batch[order.order_id] = json.dumps(_row(order))
                if len(batch) >= 100:
                    await write()
    except (TransportError, SystemBusyError, QuotaExceededError) as exc:
        await write()  # what was read is kept; any worker goes on from here
        raise Retry(defer=ctx["job_try"] * 10) from exc
    except UnreadOrdersError as exc:
        unread = [str(u) for u in exc.unread]  # every other order was read
    await write()
    return {"appid": appid, "stored": stored, "unread": unread, "worker": os.getpid()}


def _row(order: Order) -> dict[str, Any]:
    """What the platform keeps of an order (its accounting's columns)."""
    return {
        "order_id": order.order_id,
        "create_time": order.create_time,
        "total_price": order.total_price,  # fen
        "open_id": order.open_id,
        "cards": [card.card_id for card in order.card_list],
    }


async def enqueue_syncs(redis: ArqRedis, platform: ComponentClient, begin: int, end: int) -> int:
    """One job per merchant that authorised the platform; enqueueing the same sync twice
    makes one job (its id names the merchant and the period)."""
    jobs = 0
    async for authorizer in platform.iter_authorizers():
        appid = authorizer.authorizer_appid
        job_id = f"sync:{appid}:{begin}:{end}"
        if await redis.enqueue_job("sync_merchant", appid, begin, end, _job_id=job_id):
            jobs += 1
    return jobs


class WorkerSettings:
    """``python -m arq examples.platform_order_sync_arq.WorkerSettings``."""

    functions: ClassVar = [func(sync_merchant, max_tries=5, timeout=3600)]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(REDIS_URL)
    max_jobs = 4  # merchants synced at once by one worker


async def main(first_day: str, last_day: str) -> None:
    begin = int(dt.datetime.fromisoformat(first_day).replace(tzinfo=CHINA).timestamp())
    end = int(dt.datetime.fromisoformat(last_day).replace(tzinfo=CHINA).timestamp()) + 86399
    ctx: dict[str, Any] = {}
    await startup(ctx)
    redis = await create_pool(WorkerSettings.redis_settings)
    try:
        print(f"{await enqueue_syncs(redis, ctx['platform'], begin, end)} jobs enqueued")
    finally:
        await redis.aclose()
        await shutdown(ctx)


if __name__ == "__main__":
    first_day, last_day = sys.argv[1:3]
    anyio.run(main, first_day, last_day)
