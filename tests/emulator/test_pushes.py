"""Pushes end to end: the emulator pushes each event kind to a CallbackApp served by a real
server (uvicorn on asyncio, hypercorn on trio), plain and encrypted; the handler runs once
despite retries, the emulator stops at the documented reply, and a handler that fails once
is retried until it succeeds."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from tests.delivery.test_delivery import ORDER
from wechat_async.callbacks import (
    CallbackApp,
    CallbackRouter,
    Event,
    GiftCardPayDone,
    GiftCardSendToFriend,
    GiftCardUserAccept,
    UpdateWaybillStatus,
    UserAuthorizeInvoice,
)
from wechat_async.testing import Emulator
from wechat_async.testing._serve import AsgiServer

PUSH_TOKEN = "emulator-push-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SCHEDULE = (0.01, 0.02, 0.05, 0.1)


def _router(encrypted: bool, emulator: Emulator) -> tuple[CallbackRouter, list[Any], list[int]]:
    router = CallbackRouter(
        PUSH_TOKEN,
        encoding_aes_key=AES_KEY if encrypted else None,
        app_id=emulator.appid if encrypted else None,
    )
    seen: list[Any] = []
    failures = [1]  # the first pay-done push fails once

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        if failures[0]:
            failures[0] -= 1
            raise RuntimeError("database briefly down")
        seen.append(("paid", event.order_id))

    @router.on(GiftCardSendToFriend)
    async def given(event: GiftCardSendToFriend) -> None:
        seen.append(("given", event.order_id, event.is_chat_room, event.is_return_back))

    @router.on(Event)
    async def other(event: Event) -> None:
        seen.append(
            (
                event.event,
                getattr(event, "order_id", None)
                or getattr(event, "shop_order_id", None)
                or getattr(event, "succ_order_id", None),
            )
        )

    return router, seen, failures


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_every_push_kind_reaches_the_app_once(encrypted: bool) -> None:
    wx = Emulator(push_schedule=SCHEDULE, seed=2)
    router, seen, _ = _router(encrypted, wx)
    async with AsgiServer(CallbackApp(router)) as app, wx:
        wx.push_to(
            app.base_url + "/push",
            PUSH_TOKEN,
            encoding_aes_key=AES_KEY if encrypted else None,
        )
        order = await wx.pay_gift_card(card_id="pCARD", price=100, openid="oBuyer")
        order_id = order["order_id"]
        await wx.send_to_friend(order_id, chat_room=True)
        await wx.accept_gift(order_id)
        await wx.authorize_invoice(order_id, s_pappid="wxabcd", title="个人")
        async with wx.client() as client:
            client.delivery.add_account(
                shopid="test_shop_id", app_secret="test_app_secrect", delivery_id="TEST"
            )
            body = {**ORDER, "shopid": "test_shop_id", "shop_order_id": "P1"}
            await client.delivery.add_order(**body)
            await client.delivery.mock_update_order(
                shopid="test_shop_id", shop_order_id="P1", order_status=102, action_time=1
            )
        with anyio.fail_after(10):
            await wx.settle()
    assert ("paid", order_id) in seen
    assert seen.count(("paid", order_id)) == 1
    assert seen.count(("given", order_id, True, False)) == 1
    assert ("giftcard_user_accept", order_id) in seen
    assert ("user_authorize_invoice", order_id) in seen
    assert ("update_waybill_status", "P1") in seen
    log = wx.push_log
    paid = [a for a in log if a.event == "giftcard_pay_done"]
    assert [a.status for a in paid] == [500, 200]  # failed once, retried, then acknowledged
    assert paid[-1].accepted
    for kind in (
        "giftcard_send_to_friend",
        "giftcard_user_accept",
        "user_authorize_invoice",
        "update_waybill_status",
    ):
        attempts = [a for a in log if a.event == kind]
        assert len(attempts) == 1, kind  # acknowledged the first time: no more retries
        assert attempts[0].accepted
    if encrypted:
        assert all(b"<Encrypt>" in a.body or b'"Encrypt"' in a.body for a in log)
        assert all(b"giftcard" not in a.body for a in log)


async def test_an_app_that_never_acknowledges_is_retried_on_the_schedule() -> None:
    wx = Emulator(push_schedule=SCHEDULE)

    async def refuse(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"not what WeChat wants"})

    async with AsgiServer(refuse) as app:
        wx.push_to(app.base_url, PUSH_TOKEN)
        await wx.pay_gift_card(card_id="pCARD", price=100, openid="oBuyer")
    assert len(wx.push_log) == 1 + len(SCHEDULE)
    assert not any(a.accepted for a in wx.push_log)


_ = (GiftCardUserAccept, UpdateWaybillStatus, UserAuthorizeInvoice)
