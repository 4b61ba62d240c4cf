"""Flask: ``callback_blueprint`` in an app served by Werkzeug's threaded WSGI server on
127.0.0.1 answers WeChat at the bare path and with a trailing slash without a redirect. The
server runs in a thread with async views on asyncio (asgiref); the emulator pushing to it runs
on the test's backend, asyncio or trio."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import anyio.to_thread
import httpx
import pytest
from flask import Flask, url_for
from werkzeug.serving import make_server

from tests.integrations._scenario import MAX_BODY, Receiver, signed_query
from wechat_async.callbacks import GiftCardSendToFriend
from wechat_async.integrations.flask import callback_blueprint, callback_view


@asynccontextmanager
async def _serving(app: Flask) -> AsyncIterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        await anyio.to_thread.run_sync(server.shutdown)
        thread.join(5)
        server.server_close()


def _app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def home() -> str:
        return "home"

    return app


@pytest.mark.slow
@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_blueprint_answers_both_paths_under_werkzeug(encrypted: bool) -> None:
    receiver = Receiver(encrypted=encrypted)
    app = _app()
    app.register_blueprint(callback_blueprint(receiver.router, "/wechat/push", max_body=MAX_BODY))
    async with _serving(app) as base_url:
        await receiver.check(base_url, "/wechat/push")
        async with httpx.AsyncClient(base_url=base_url) as http:
            assert (await http.get("/")).text == "home"
    with app.test_request_context():
        assert url_for("wechat_push.push") == "/wechat/push"


async def test_blueprint_under_a_url_prefix() -> None:
    receiver = Receiver(encrypted=False)
    app = _app()
    blueprint = callback_blueprint(receiver.router, "/wx/", max_body=MAX_BODY)
    app.register_blueprint(blueprint, url_prefix="/hooks")
    async with _serving(app) as base_url:
        await receiver.check(base_url, "/hooks/wx")


async def test_a_slashed_rule_alone_redirects_the_bare_path() -> None:
    """Why the blueprint has a rule per path: Werkzeug answers the bare path 308."""
    receiver = Receiver(encrypted=False)
    app = _app()
    app.add_url_rule("/wechat/push/", view_func=callback_view(receiver.router))
    async with _serving(app) as base_url, httpx.AsyncClient(base_url=base_url) as http:
        reply = await http.get("/wechat/push", params={"echostr": "x"})
    assert reply.status_code == 308


@pytest.mark.slow
async def test_concurrent_duplicates_run_the_handler_once() -> None:
    """Each request runs in its own thread and event loop; one push delivered eight times at
    once still runs its handler once (the rest: 503 while it runs, then the acknowledgement)."""
    receiver = Receiver(encrypted=False)
    ran: list[str] = []

    @receiver.router.on(GiftCardSendToFriend)
    async def slow(event: GiftCardSendToFriend) -> None:
        ran.append(event.order_id)
        await anyio.sleep(0.3)  # in the asyncio loop Flask runs the view in

    app = _app()
    app.register_blueprint(callback_blueprint(receiver.router, "/wechat/push"))
    body = (
        f"<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>{int(time.time())}"
        "</CreateTime><MsgType>event</MsgType><Event>giftcard_send_to_friend</Event>"
        "<OrderId>DUP-1</OrderId></xml>"
    ).encode()
    statuses: list[int] = []
    async with _serving(app) as base_url, httpx.AsyncClient(base_url=base_url) as http:

        async def deliver() -> None:
            reply = await http.post("/wechat/push", params=signed_query(), content=body)
            statuses.append(reply.status_code)

        async with anyio.create_task_group() as tg:
            for _ in range(8):
                tg.start_soon(deliver)
    assert ran == ["DUP-1"]
    assert sorted(set(statuses)) <= [200, 503]
    assert statuses.count(200) >= 1
