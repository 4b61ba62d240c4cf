"""Starlette: ``callback_routes`` under a real server (uvicorn on asyncio, hypercorn's trio
worker on trio) answers WeChat at the bare path and with a trailing slash, never redirecting;
the ``Mount`` it replaces redirects the bare path, which is why it is not offered."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from tests.integrations._scenario import MAX_BODY, Receiver
from wechat_async.callbacks import CallbackApp
from wechat_async.errors import ConfigurationError
from wechat_async.integrations.starlette import callback_routes
from wechat_async.testing._serve import AsgiServer


async def _home(request: object) -> PlainTextResponse:
    return PlainTextResponse("home")


@pytest.mark.slow
@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_routes_answer_both_paths_under_a_real_server(encrypted: bool) -> None:
    receiver = Receiver(encrypted=encrypted)
    app = Starlette(routes=[Route("/", _home)])  # an app that exists, redirect_slashes on
    app.router.routes.extend(callback_routes(receiver.router, "/wechat/push", max_body=MAX_BODY))
    async with AsgiServer(app) as server:
        await receiver.check(server.base_url, "/wechat/push")
        async with httpx.AsyncClient(base_url=server.base_url) as http:
            assert (await http.get("/")).text == "home"  # the app's own routes untouched


async def test_routes_in_the_constructor_and_a_path_given_with_its_slash() -> None:
    receiver = Receiver(encrypted=False)
    app = Starlette(routes=[*callback_routes(receiver.router, "/hooks/wx/", max_body=MAX_BODY)])
    async with AsgiServer(app) as server:
        await receiver.check(server.base_url, "/hooks/wx")


async def test_a_mount_redirects_the_bare_path_which_wechat_does_not_follow() -> None:
    receiver = Receiver(encrypted=False)
    app = Starlette(routes=[Mount("/wechat/push", CallbackApp(receiver.router))])
    async with AsgiServer(app) as server, httpx.AsyncClient(base_url=server.base_url) as http:
        reply = await http.get("/wechat/push", params={"echostr": "x"})
    assert reply.status_code == 307
    assert reply.headers["location"].endswith("/wechat/push/?echostr=x")


@pytest.mark.slow
async def test_a_body_refused_unread_closes_the_connection() -> None:
    """A 413 sent before the body is read says ``Connection: close``: the server will not read
    the rest, and a client reusing the connection would lose its next request."""
    receiver = Receiver(encrypted=False)
    app = Starlette(routes=callback_routes(receiver.router, "/push", max_body=MAX_BODY))
    async with AsgiServer(app) as server, httpx.AsyncClient(base_url=server.base_url) as http:
        refused = await http.post("/push", content=b"<" * (MAX_BODY + 1))
        assert (refused.status_code, refused.headers["connection"]) == (413, "close")
        assert (await http.get("/push")).status_code == 403  # a new connection, answered


def test_a_path_without_its_leading_slash_is_refused() -> None:
    receiver = Receiver(encrypted=False)
    with pytest.raises(ConfigurationError, match="wechat/push"):
        callback_routes(receiver.router, "wechat/push")


def test_root_path_is_one_route() -> None:
    routes = callback_routes(Receiver(encrypted=False).router, "/")
    assert [route.path for route in routes] == ["/"]
