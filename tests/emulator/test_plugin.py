"""The pytest plugin users get: the ``wechat_emulator`` fixture (started, quick push retries)
and its marker; ``AsgiServer`` serving a user's own app."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest

from wechat_async.callbacks import CallbackApp, CallbackRouter, GiftCardPayDone
from wechat_async.testing import TEST_SCHEDULE, AsgiServer, Emulator


async def test_the_fixture_is_a_fresh_started_emulator(wechat_emulator: Emulator) -> None:
    assert len(wechat_emulator.book) == 100
    assert wechat_emulator.base_url.startswith("http://127.0.0.1:")
    async with httpx.AsyncClient() as http:
        stats = await http.get(wechat_emulator.base_url + "/__emulator__/stats")
    assert stats.json()["orders"] == 100
    async with wechat_emulator.client() as client:
        orders = [
            o
            async for o in client.giftcard.iter_orders(
                wechat_emulator.start_time, wechat_emulator.end_time
            )
        ]
    assert len({o.order_id for o in orders}) == 100


@pytest.mark.wechat_emulator(orders=7, seed=3, token_ttl=60)
async def test_the_marker_configures_it_and_entering_it_again_keeps_it_serving(
    wechat_emulator: Emulator,
) -> None:
    async with wechat_emulator as wx, wx.client() as client:
        assert wx is wechat_emulator
        order_id = wx.book.orders()[0]["order_id"]
        assert (await client.giftcard.get_order(order_id=order_id)).order.order_id == order_id
    assert len(wechat_emulator.book) == 7
    assert wechat_emulator.tokens.ttl == 60
    # the inner block's end did not stop the fixture's emulator
    async with wechat_emulator.client() as client:
        assert (await client.giftcard.get_order(order_id=order_id)).order.order_id == order_id


async def test_the_fixture_retries_pushes_quickly_and_a_handler_test_needs_no_port(
    wechat_emulator: Emulator,
) -> None:
    assert wechat_emulator.pusher.schedule == TEST_SCHEDULE
    router = CallbackRouter(token="my-push-token")
    paid: list[str] = []
    failures = [1]

    @router.on(GiftCardPayDone)
    async def on_paid(event: GiftCardPayDone) -> None:
        if failures[0]:
            failures[0] -= 1
            raise RuntimeError("database briefly down")
        paid.append(event.order_id)

    wechat_emulator.push_to(app=CallbackApp(router), token="my-push-token")
    order = await wechat_emulator.pay_gift_card(card_id="pCARD", price=100, openid="oBuyer")
    with anyio.fail_after(5):
        await wechat_emulator.settle()
    assert paid == [order["order_id"]]
    assert [a.status for a in wechat_emulator.push_log] == [500, 200]


@pytest.mark.wechat_emulator(push_schedule=())
async def test_the_marker_sets_the_push_schedule(wechat_emulator: Emulator) -> None:
    assert wechat_emulator.pusher.schedule == ()


def test_outside_the_fixture_pushes_keep_wechats_30_attempts() -> None:
    assert 1 + len(Emulator().pusher.schedule) == 30


async def test_asgi_server_serves_a_users_app_with_its_lifespan() -> None:
    events: list[str] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    events.append("startup")
                    await send({"type": "lifespan.startup.complete"})
                else:
                    events.append("shutdown")
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": events[0].encode()})

    async with AsgiServer(app) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient() as http:
            assert (await http.get(server.base_url + "/anything")).text == "startup"
    assert events == ["startup", "shutdown"]
