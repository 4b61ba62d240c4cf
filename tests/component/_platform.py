"""A third-party platform in processes, for the cross-process tests and the examples' tests:
WeChat (the emulator's process) pushing to the platform's web process (a thread here, with its
own event loop), which keeps the tickets in Redis; clients of the platform on the same Redis."""

from __future__ import annotations

import contextlib
import json
import subprocess
import threading
import urllib.request
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import anyio
import attrs

from tests.redis._processes import spawn
from tests.redis._server import RedisServer
from wechat_async.callbacks import CallbackApp
from wechat_async.component import ComponentClient
from wechat_async.stores.redis import RedisTokenStore
from wechat_async.testing import AsgiServer

PUSH_TOKEN = "platform-push-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
#: the emulator's platform
COMPONENT_APPID, COMPONENT_SECRET = "wxplatform000000", "emulator-component-secret"


@attrs.frozen
class Platform:
    """The emulator process and what it printed: where it listens, the platform and each
    merchant's authorization code."""

    process: subprocess.Popen[str]
    base_url: str
    component_appid: str
    secret: str
    codes: Mapping[str, str]

    def stats(self) -> dict[str, Any]:
        url = f"{self.base_url}/__emulator__/stats"
        with urllib.request.urlopen(url, timeout=10) as reply:  # noqa: S310 - our emulator
            stats: dict[str, Any] = json.load(reply)
        return stats

    def env(self) -> dict[str, str]:
        """The platform's settings as a deployment gives them to its processes."""
        return {
            "WECHAT_COMPONENT_APPID": self.component_appid,
            "WECHAT_COMPONENT_SECRET": self.secret,
            "WECHAT_COMPONENT_TOKEN": PUSH_TOKEN,
            "WECHAT_COMPONENT_AES_KEY": AES_KEY,
            "WECHAT_BASE_URL": self.base_url,
        }


@contextlib.contextmanager
def authorisation_event_url(redis: RedisServer, prefix: str) -> Iterator[str]:
    """The platform's web process: its router, on a port of its own, keeps the tickets
    WeChat pushes in Redis."""
    served: list[str] = []
    ready, stop = threading.Event(), threading.Event()

    async def serve() -> None:
        async with (
            RedisTokenStore(redis.url, prefix=prefix, timeout=0.3) as store,
            ComponentClient(
                COMPONENT_APPID,
                COMPONENT_SECRET,
                token=PUSH_TOKEN,
                encoding_aes_key=AES_KEY,
                store=store,
            ) as web,
            AsgiServer(CallbackApp(web.router)) as server,
        ):
            served.append(f"{server.base_url}/platform")
            ready.set()
            while not stop.is_set():  # noqa: ASYNC110 - a thread's flag
                await anyio.sleep(0.05)

    thread = threading.Thread(target=anyio.run, args=(serve,), daemon=True)
    thread.start()
    try:
        assert ready.wait(30), "the web process did not start"
        yield served[0]
    finally:
        stop.set()
        thread.join(30)


@contextlib.contextmanager
def emulated_platform(
    redis: RedisServer, prefix: str, merchants: Mapping[str, str], *options: str
) -> Iterator[Platform]:
    """The emulator's process (``options`` its command line) pushing to the platform's web
    process; ``merchants`` authorise the platform (``{"wxmerchant0001": "8/100"}``: permission
    set 8, 100 gift-card orders)."""
    with authorisation_event_url(redis, prefix) as url:
        grants = [
            arg for appid, sets in merchants.items() for arg in ("--authorize", f"{appid}={sets}")
        ]
        process = spawn(
            "wechat_async.testing",
            *options,
            *("--platform-push-to", url, "--platform-push-token", PUSH_TOKEN),
            *("--platform-aes-key", AES_KEY, *grants),
        )
        try:
            assert process.stdout is not None
            lines = [process.stdout.readline().split() for _ in range(3 + len(merchants))]
            (_, base_url, _, _), (_, appid, secret), _ = lines[:3]
            codes = {line[1]: line[2] for line in lines[3:]}
            yield Platform(process, base_url, appid, secret, codes)
        finally:
            process.terminate()
            process.communicate(timeout=10)


@contextlib.asynccontextmanager
async def platform_client(
    redis: RedisServer, prefix: str, wx: Platform
) -> AsyncIterator[ComponentClient]:
    async with (
        RedisTokenStore(redis.url, prefix=prefix) as store,
        ComponentClient(
            wx.component_appid,
            wx.secret,
            token=PUSH_TOKEN,
            encoding_aes_key=AES_KEY,
            store=store,
            base_url=wx.base_url,
        ) as platform,
    ):
        yield platform


def authorise(redis: RedisServer, prefix: str, wx: Platform) -> None:
    """Each merchant's authorization code exchanged (what the web process's ``Authorized``
    handler does): its refresh token goes to Redis."""

    async def run() -> None:
        async with platform_client(redis, prefix, wx) as platform:
            for code in wx.codes.values():
                await platform.query_auth(code)

    anyio.run(run)
