"""One process of a third-party platform, for the cross-process tests: a ComponentClient whose
tickets, tokens and refresh tokens live in Redis, serving one merchant.

``run``: from START until END (wall clock), TASKS concurrent tasks call the merchant's gift-card
orders; prints ``<calls succeeded> <calls failed>``.

``die-before-refresh-store`` / ``die-before-access-store``: force one refresh of the merchant's
access token and be killed (SIGKILL, no cleanup) when the rotated refresh token is about to be
stored, or once it is stored and the new access token is about to be: a crash between WeChat's
reply and the store.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import Any

import anyio

from tests.redis._processes import wait_for_start
from wechat_async.component import ComponentClient
from wechat_async.stores import AccessToken
from wechat_async.stores.redis import RedisTokenStore

DAY = 86400
START_OF_ORDERS = 1_767_225_600  # the emulator's order range starts 2026-01-01 UTC
TASKS = 50
PUSH_TOKEN = "platform-push-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


class DyingStore(RedisTokenStore):
    """Redis, and this process killed at the chosen write."""

    die_at = ""

    async def swap_credential(self, key: str, expected: str | None, value: str | None) -> bool:
        if self.die_at == "die-before-refresh-store" and expected and value:
            os.kill(os.getpid(), signal.SIGKILL)  # WeChat rotated it; nothing stored yet
        return await super().swap_credential(key, expected, value)

    async def set(self, key: str, token: AccessToken) -> None:
        if self.die_at == "die-before-access-store" and key.startswith("authorizer:"):
            os.kill(os.getpid(), signal.SIGKILL)  # the rotated refresh token is stored
        await super().set(key, token)


async def main(mode: str, args: list[str]) -> None:
    redis_url, prefix, base_url, component_appid, secret, merchant_appid, seconds = args
    store = DyingStore(redis_url, prefix=prefix, timeout=0.3)
    store.die_at = mode
    async with (
        store,
        ComponentClient(
            component_appid,
            secret,
            token=PUSH_TOKEN,
            encoding_aes_key=AES_KEY,
            store=store,
            base_url=base_url,
        ) as platform,
    ):
        merchant = platform.authorizer(merchant_appid)
        if mode != "run":
            await merchant.tokens.invalidate(await merchant.tokens.get())
            await merchant.tokens.get()
            print("survived", flush=True)  # the test fails on this line
            return
        start = wait_for_start()
        end = start + float(seconds)
        ok = failed = 0
        await anyio.sleep(max(0.0, start - time.time()))

        async def caller() -> None:
            nonlocal ok, failed
            while time.time() < end:
                try:
                    await merchant.giftcard.batch_get_orders(
                        begin_time=START_OF_ORDERS, end_time=START_OF_ORDERS + DAY, count=1
                    )
                    ok += 1
                except Exception as exc:
                    print(f"failed: {exc!r}", file=sys.stderr)
                    failed += 1
                # 100 calls a second a process: the test is about tokens, not throughput.
                await anyio.sleep(min(0.5, max(0.0, end - time.time())))

        async with anyio.create_task_group() as tg:
            for _ in range(TASKS):
                tg.start_soon(caller)
    print(ok, failed, flush=True)


if __name__ == "__main__":
    mode, backend, *rest = sys.argv[1:]
    options: dict[str, Any] = {"backend": backend}
    anyio.run(main, mode, rest, **options)
