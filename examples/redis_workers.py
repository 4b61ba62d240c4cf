"""Several worker processes behind one push URL, sharing through Redis what WeChat counts per
appid: the access token (one fetch serves every process), the rate limit (50 calls a second
for the appid however many processes call) and the pushes' dedupe (a push WeChat retries to
another process runs once).

    pip install 'wechat-async[fastapi,redis,crypto]' uvicorn
    export REDIS_URL=redis://127.0.0.1:6379/0 WECHAT_APPID=wx... WECHAT_SECRET=... \
        WECHAT_PUSH_TOKEN=...   # and WECHAT_PUSH_AES_KEY for safe mode
    python examples/redis_workers.py --workers 4 --port 8000
    # or: uvicorn --factory redis_workers:create_app --app-dir examples --workers 4

Each paid gift card's push is handled by whichever worker gets it, which reads the order from
WeChat. Against the emulator: serve it (`wechat-async emulator serve`; its orders are
FAKE00000000, FAKE00000001...), start the workers with WECHAT_BASE_URL=http://127.0.0.1:8080
WECHAT_APPID=wxemulator000000 WECHAT_SECRET=emulator-app-secret, then push a paid order,
again and again with the same CreateTime as WeChat's retries do: one worker runs it, once.

    T=$(date +%s); wechat-async emulator push giftcard_pay_done \
        --to http://127.0.0.1:8000/wechat/push -f OrderId=FAKE00000001 -f CreateTime=$T

Against WeChat: give WeChat the workers' URL (behind HTTPS) with the same push token.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from wechat_async import WeChatClient
from wechat_async.callbacks import CallbackRouter, GiftCardPayDone
from wechat_async.integrations.fastapi import callback_api_router
from wechat_async.stores.redis import RedisDedupeStore, RedisRateLimiter, RedisTokenStore


def create_app() -> FastAPI:
    """One worker's app (each process builds its own; Redis holds what they share)."""
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    tokens = RedisTokenStore(redis_url)
    limiter = RedisRateLimiter(redis_url, rate=50)  # calls a second, all processes together
    dedupe = RedisDedupeStore(redis_url)
    client = WeChatClient(token_store=tokens, rate_limiter=limiter)  # credentials: WECHAT_*
    router = CallbackRouter(
        token=os.environ["WECHAT_PUSH_TOKEN"],
        encoding_aes_key=os.environ.get("WECHAT_PUSH_AES_KEY"),  # unset: plain mode
        app_id=os.environ["WECHAT_APPID"],
        dedupe=dedupe,
    )

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        reply = await client.giftcard.get_order(order_id=event.order_id)
        # Record it here (idempotently: see push_receiver_fastapi.py).
        print(
            f"worker {os.getpid()}: order {event.order_id} paid, {reply.order.total_price} fen",
            flush=True,
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with tokens, limiter, dedupe, client:  # closed when the worker stops
            yield

    app = FastAPI(lifespan=lifespan)
    app.include_router(callback_api_router(router, "/wechat/push"))

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Push workers sharing state through Redis.")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    uvicorn.run(
        "redis_workers:create_app",  # each worker process imports it and builds its app
        factory=True,
        app_dir=str(Path(__file__).parent),
        workers=args.workers,
        host=args.host,
        port=args.port,
    )


if __name__ == "__main__":
    main()
