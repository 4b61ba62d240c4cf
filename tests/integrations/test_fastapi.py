"""FastAPI: ``callback_api_router`` included in an app, under a real server (uvicorn on
asyncio, hypercorn's trio worker on trio), answers WeChat at the bare path and with a
trailing slash without a redirect, beside the app's own routes, and stays out of OpenAPI."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from tests.integrations._scenario import MAX_BODY, Receiver
from wechat_async.integrations.fastapi import callback_api_router
from wechat_async.testing._serve import AsgiServer


def _app(receiver: Receiver, path: str) -> FastAPI:
    app = FastAPI()

    @app.get("/items/")
    async def items() -> list[str]:
        return ["a"]

    app.include_router(callback_api_router(receiver.router, path, max_body=MAX_BODY))
    return app


@pytest.mark.slow
@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_api_router_answers_both_paths_under_a_real_server(encrypted: bool) -> None:
    receiver = Receiver(encrypted=encrypted)
    app = _app(receiver, "/wechat/push")
    async with AsgiServer(app) as server:
        await receiver.check(server.base_url, "/wechat/push")
        async with httpx.AsyncClient(base_url=server.base_url) as http:
            assert (await http.get("/items/")).json() == ["a"]
            schema = (await http.get("/openapi.json")).json()
    assert list(schema["paths"]) == ["/items/"]


async def test_api_router_under_a_prefix_and_nested_routers() -> None:
    receiver = Receiver(encrypted=False)
    outer = APIRouter()
    outer.include_router(callback_api_router(receiver.router, "/push", max_body=MAX_BODY))
    app = FastAPI()
    app.include_router(outer, prefix="/wechat")
    async with AsgiServer(app) as server:
        await receiver.check(server.base_url, "/wechat/push")
