"""aiohttp.web: ``callback_subapp`` and ``callback_handler`` under aiohttp's own server answer
WeChat at the bare path and with a trailing slash without a redirect. aiohttp runs on asyncio
only, so these tests do too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from aiohttp import web

from tests.integrations._scenario import MAX_BODY, Receiver
from wechat_async.integrations.aiohttp import callback_handler, callback_subapp


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # aiohttp is built on asyncio


@asynccontextmanager
async def _serving(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


async def _home(request: web.Request) -> web.Response:
    return web.Response(text="home")


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_subapp_answers_both_paths_under_aiohttps_server(encrypted: bool) -> None:
    receiver = Receiver(encrypted=encrypted)
    app = web.Application()
    app.router.add_get("/", _home)
    app.add_subapp("/wechat/push", callback_subapp(receiver.router, max_body=MAX_BODY))
    async with _serving(app) as base_url:
        await receiver.check(base_url, "/wechat/push")
        async with httpx.AsyncClient(base_url=base_url) as http:
            assert (await http.get("/")).text == "home"
            assert (await http.get("/wechat/pushx")).status_code == 404  # the prefix, not more


async def test_handler_routed_at_both_paths() -> None:
    receiver = Receiver(encrypted=True)
    handler = callback_handler(receiver.router, max_body=MAX_BODY)
    app = web.Application()
    app.router.add_route("*", "/hooks/wx", handler)
    app.router.add_route("*", "/hooks/wx/", handler)
    async with _serving(app) as base_url:
        await receiver.check(base_url, "/hooks/wx")
