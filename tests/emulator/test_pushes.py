"""Pushes end to end: the emulator pushes each event kind to a CallbackApp served by a real
server (uvicorn on asyncio, hypercorn on trio) or in-process (no port), plain and encrypted;
the handler runs once despite retries, the emulator stops at the documented reply, a handler
that fails once is retried until it succeeds, and every call that makes WeChat push returns
once the push was answered."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

import anyio
import httpx
import pytest

from tests.delivery.test_delivery import ORDER
from wechat_async import WeChatClient
from wechat_async.callbacks import (
    CallbackApp,
    CallbackRouter,
    Event,
    GiftCardPayDone,
    GiftCardSendToFriend,
    GiftCardUserAccept,
    MessageCrypto,
    UpdateWaybillStatus,
    UserAuthorizeInvoice,
    UserGetCard,
    UserGiftingCard,
)
from wechat_async.callbacks._parse import body_fields
from wechat_async.testing import AsgiServer, Emulator

PUSH_TOKEN = "emulator-push-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SCHEDULE = (0.01, 0.02, 0.05, 0.1)
WECHAT_TEAM = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


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
                or getattr(event, "succ_order_id", None)
                or getattr(event, "user_card_code", None),
            )
        )

    return router, seen, failures


async def _place(client: WeChatClient, shop_order_id: str) -> None:
    """A TEST-carrier delivery order, its delivery_token from the quote."""
    client.delivery.add_account(
        shopid="test_shop_id", app_secret="test_app_secrect", delivery_id="TEST"
    )
    body = {**ORDER, "shopid": "test_shop_id", "shop_order_id": shop_order_id}
    quote = await client.delivery.pre_add_order(**body)
    await client.delivery.add_order(**body, delivery_token=quote.delivery_token or "")


@pytest.mark.slow
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
            await _place(client, "P1")
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
        "user_get_card",
        "user_authorize_invoice",
        "update_waybill_status",
    ):
        attempts = [a for a in log if a.event == kind]
        assert len(attempts) == 1, kind  # acknowledged the first time: no more retries
        assert attempts[0].accepted
    if encrypted:
        assert all(b"<Encrypt>" in a.body or b'"Encrypt"' in a.body for a in log)
        assert all(b"giftcard" not in a.body for a in log)


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"not what WeChat wants"})


@pytest.mark.slow
async def test_an_app_that_never_acknowledges_is_retried_on_the_schedule() -> None:
    wx = Emulator(push_schedule=SCHEDULE)
    async with AsgiServer(_refuse) as app:
        wx.push_to(app.base_url, PUSH_TOKEN)
        await wx.pay_gift_card(card_id="pCARD", price=100, openid="oBuyer")
    assert len(wx.push_log) == 1 + len(SCHEDULE)
    assert not any(a.accepted for a in wx.push_log)


# -- in-process delivery and the one timing rule ---------------------------------------------
@pytest.mark.parametrize("data_format", [None, "XML", "JSON"])
@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_pushes_reach_an_asgi_app_in_process_without_a_port(
    encrypted: bool, data_format: Any
) -> None:
    wx = Emulator(push_schedule=SCHEDULE)
    router, seen, failures = _router(encrypted, wx)
    failures[0] = 0
    wx.push_to(
        "/wechat/push",
        PUSH_TOKEN,
        app=CallbackApp(router),
        encoding_aes_key=AES_KEY if encrypted else None,
        data_format=data_format,
    )
    order = await wx.pay_gift_card(card_id="pCARD", price=100, openid="oBuyer")
    assert seen == [("paid", order["order_id"])]  # answered before the call returned
    async with wx.client() as client:  # in-process too: the emulator is not started
        await _place(client, "P1")
        await client.delivery.mock_update_order(
            shopid="test_shop_id", shop_order_id="P1", order_status=102, action_time=1
        )
        assert seen[-1] == ("update_waybill_status", "P1")
    assert [a.accepted for a in wx.push_log] == [True, True]
    waybill = wx.push_log[-1]
    assert waybill.data_format == (data_format or "JSON")
    assert waybill.body.startswith(b"{" if waybill.data_format == "JSON" else b"<xml>")


async def test_every_call_that_makes_wechat_push_returns_once_the_push_was_answered() -> None:
    """Scenario methods and API calls alike, on a started emulator, with no settle()."""
    wx = Emulator(push_schedule=SCHEDULE, seed=3)
    router, seen, failures = _router(False, wx)
    failures[0] = 0
    async with wx, wx.client() as client:
        wx.push_to(app=CallbackApp(router), token=PUSH_TOKEN)
        order = await wx.pay_gift_card(card_id="pCARD", price=100, openid="oBuyer")
        order_id = order["order_id"]
        assert seen[-1] == ("paid", order_id)
        await wx.send_to_friend(order_id)
        assert seen[-1] == ("given", order_id, False, False)
        await wx.accept_gift(order_id)
        assert seen[-2:] == [
            ("giftcard_user_accept", order_id),
            ("user_get_card", order["card_list"][0]["code"]),
        ]
        await wx.authorize_invoice(order_id, s_pappid="wxabcd", title="个人")
        assert seen[-1] == ("user_authorize_invoice", order_id)
        code = wx.book.orders()[0]["card_list"][0]["code"]
        await wx.give_card(code, to_openid="oFriend")
        assert seen[-1] == ("user_gifting_card", code)
        await wx.accept_card(code)
        assert seen[-1] == ("user_get_card", code)
        await _place(client, "P1")
        await client.delivery.mock_update_order(
            shopid="test_shop_id", shop_order_id="P1", order_status=102, action_time=1
        )
        assert seen[-1] == ("update_waybill_status", "P1")
        await wx.advance_delivery("test_shop_id", "P1", 201)
        assert len([s for s in seen if s[0] == "update_waybill_status"]) == 2
        await client.delivery.cancel_order(
            shopid="test_shop_id",
            shop_order_id="P1",
            delivery_id="TEST",
            waybill_id="w",
            cancel_reason_id=1,
        )
        assert len([s for s in seen if s[0] == "update_waybill_status"]) == 3
    assert all(a.accepted for a in wx.push_log)


async def test_a_refused_push_is_retried_in_the_background_of_a_started_emulator() -> None:
    wx = Emulator(push_schedule=SCHEDULE)
    router, seen, _ = _router(False, wx)  # the first pay-done push fails once
    async with wx:
        wx.push_to(app=CallbackApp(router), token=PUSH_TOKEN)
        order = await wx.pay_gift_card(card_id="pCARD", price=100, openid="oBuyer")
        with anyio.fail_after(5):
            await wx.settle()
        assert seen == [("paid", order["order_id"])]
        assert [(a.attempt, a.status, a.accepted) for a in wx.push_log] == [
            (0, 500, False),
            (1, 200, True),
        ]


async def test_retries_still_waiting_are_dropped_when_the_emulator_stops() -> None:
    wx = Emulator(push_schedule=(30.0,))
    async with wx:
        wx.push_to(app=_refuse, token=PUSH_TOKEN)
        with anyio.fail_after(5):
            await wx.pay_gift_card(card_id="pCARD", price=100, openid="oBuyer")
    with anyio.fail_after(5):
        await wx.settle()  # nothing pending: the stop dropped the 30 s retry
    assert len(wx.push_log) == 1


async def test_what_wechat_counts_as_failed_attempts_in_process() -> None:
    wx = Emulator(push_schedule=())
    wx.pusher.timeout = 0.2

    async def hangs(scope: Scope, receive: Receive, send: Send) -> None:
        await anyio.sleep(10)

    async def raises(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("bug in the app")

    async def redirects(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"location", b"/wechat/push/")]
        await send({"type": "http.response.start", "status": 307, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    for app in (hangs, raises, redirects):
        wx.push_to(app=app, token=PUSH_TOKEN)
        with anyio.fail_after(5):
            await wx.pay_gift_card(card_id="pCARD", price=100, openid="oBuyer")
    timed_out, raised, redirected = wx.push_log
    assert (timed_out.status, timed_out.accepted) == (None, False)
    assert "no answer within 0.2 s" in timed_out.verdict
    assert (raised.status, raised.accepted) == (500, False)
    assert "RuntimeError: bug in the app" in (raised.error or "")
    assert (redirected.status, redirected.accepted) == (307, False)
    assert "does not follow redirects" in redirected.verdict


@pytest.mark.slow
async def test_gift_card_pushes_are_acknowledged_by_xml_ok_only() -> None:
    """WeChat keeps retrying a gift-card push answered ``success`` (raw HTTP: a bare app)."""
    wx = Emulator(push_schedule=(0.01,))

    def answering(body: bytes) -> Any:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "lifespan":
                while (await receive())["type"] != "lifespan.shutdown":
                    await send({"type": "lifespan.startup.complete"})
                await send({"type": "lifespan.shutdown.complete"})
                return
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": body})

        return app

    async with (
        AsgiServer(answering(b"success")) as success,
        AsgiServer(answering(b"<xml>ok</xml>")) as ok,
    ):
        wx.push_to(success.base_url, PUSH_TOKEN)
        await wx.pay_gift_card(card_id="pCARD", price=100, openid="oBuyer")
        assert [a.accepted for a in wx.push_log] == [False, False]
        assert "<xml>ok</xml>" in wx.push_log[0].verdict
        await wx.authorize_invoice("INV1", s_pappid="wxabcd", title="个人")
        assert wx.push_log[-1].accepted  # other events take "success"
        wx.push_to(ok.base_url, PUSH_TOKEN)
        await wx.pay_gift_card(card_id="pCARD", price=100, openid="oBuyer")
        assert wx.push_log[-1].accepted


# -- what the pushes carry, as a bare app over HTTP receives them ------------------------------
class _Recorder:
    """A bare ASGI app: keeps each push's query and fields, answers what WeChat wants."""

    def __init__(self) -> None:
        self.pushes: list[tuple[dict[str, str], dict[str, Any]]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        query = dict(parse_qsl(scope["query_string"].decode()))
        fields = body_fields(body)
        self.pushes.append((query, fields))
        if fields["Event"] == "update_waybill_status":
            reply = json.dumps({"resultcode": 0, "resultmsg": "ok"}).encode()
        elif fields["Event"].startswith("giftcard_"):
            reply = b"<xml>ok</xml>"
        else:
            reply = b"success"
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": reply})

    def fields(self, event: str) -> list[dict[str, Any]]:
        return [f for _, f in self.pushes if f["Event"] == event]


@pytest.mark.slow
async def test_each_push_comes_from_the_user_it_is_about() -> None:
    wx = Emulator(orders=1, push_schedule=())
    recorder = _Recorder()
    async with AsgiServer(recorder) as app, wx, wx.client() as client:
        wx.push_to(app.base_url, PUSH_TOKEN)
        order = await wx.pay_gift_card(card_id="pCARD", price=100, openid="oBuyer")
        await wx.send_to_friend(order["order_id"])
        await wx.accept_gift(order["order_id"], openid="oFriend")
        await wx.authorize_invoice(order["order_id"], s_pappid="wxabcd", title="个人")
        await wx.authorize_invoice("INV2", s_pappid="wxabcd", title="个人", openid="oOther")
        await _place(client, "P1")
        await wx.advance_delivery("test_shop_id", "P1", 102)
    senders = [(f["Event"], f["FromUserName"]) for _, f in recorder.pushes]
    assert senders == [
        ("giftcard_pay_done", "oBuyer"),
        ("giftcard_send_to_friend", "oBuyer"),
        ("giftcard_user_accept", "oFriend"),
        ("user_get_card", "oFriend"),
        ("user_authorize_invoice", "oBuyer"),
        ("user_authorize_invoice", "oOther"),
        ("update_waybill_status", WECHAT_TEAM),  # the delivery pushes' documented sender
    ]
    got = recorder.fields("user_get_card")[0]
    assert got == {
        "ToUserName": got["ToUserName"],
        "FromUserName": "oFriend",
        "CreateTime": got["CreateTime"],
        "MsgType": "event",
        "Event": "user_get_card",
        "CardId": "pCARD",
        "IsGiveByFriend": "1",
        "UserCardCode": order["card_list"][0]["code"],
        "FriendUserName": "oBuyer",
        "OldUserCardCode": "",
        "SourceScene": "SOURCE_SCENE_USER_ACCEPT_GIFTCARD",
    }
    for query, fields in recorder.pushes:
        assert query["openid"] == fields["FromUserName"]


@pytest.mark.slow
async def test_waybill_pushes_carry_the_rider_once_one_took_the_order() -> None:
    wx = Emulator(push_schedule=())
    recorder = _Recorder()
    async with AsgiServer(recorder) as app, wx, wx.client() as client:
        wx.push_to(app.base_url, PUSH_TOKEN)
        await _place(client, "P1")
        await _place(client, "P2")
        for status in (102, 201, 202, 301, 302):
            await wx.advance_delivery("test_shop_id", "P1", status)
        await wx.advance_delivery("test_shop_id", "P2", 103)  # cancelled before any rider
    pushes = {
        (f["shop_order_id"], f["order_status"]): f for f in recorder.fields("update_waybill_status")
    }
    rider = {"name": "骑手", "phone": "13800000000"}
    for status in (102, 201, 202, 302):
        assert pushes["P1", status]["agent"] == rider
    delivering = pushes["P1", 301]
    assert delivering["agent"] == {**rider, "reach_time": delivering["action_time"] + 300}
    assert "agent" not in pushes["P2", 103]


async def test_a_waybill_push_in_xml_carries_a_nested_agent_the_router_types() -> None:
    wx = Emulator(push_schedule=())
    router = CallbackRouter(PUSH_TOKEN)
    seen: list[UpdateWaybillStatus] = []

    @router.on(UpdateWaybillStatus)
    async def moved(event: UpdateWaybillStatus) -> None:
        seen.append(event)

    wx.push_to(app=CallbackApp(router), token=PUSH_TOKEN, data_format="XML")
    async with wx.client() as client:
        await _place(client, "P1")
        await wx.advance_delivery("test_shop_id", "P1", 102)
        await wx.advance_delivery("test_shop_id", "P1", 201)
        await wx.advance_delivery("test_shop_id", "P1", 202)
        await wx.advance_delivery("test_shop_id", "P1", 301)
    assert b"<agent><name><![CDATA[" in wx.push_log[-1].body
    agent = seen[-1].agent
    assert agent is not None
    assert (agent.name, agent.phone) == ("骑手", "13800000000")
    assert agent.reach_time == seen[-1].action_time + 300  # type: ignore[operator]


async def test_every_attempt_is_signed_afresh_with_the_current_timestamp() -> None:
    now = [1_767_225_600.0]

    def clock() -> float:
        now[0] += 1.0
        return now[0]

    wx = Emulator(push_schedule=(0.0, 0.0, 0.0), clock=clock)
    seen: list[dict[str, str]] = []

    async def refuse(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(dict(parse_qsl(scope["query_string"].decode())))
        await send({"type": "http.response.start", "status": 503, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    wx.push_to(app=refuse, token=PUSH_TOKEN)
    await wx.pay_gift_card(card_id="pCARD", price=100, openid="oBuyer")
    assert len(seen) == 4
    assert len({q["nonce"] for q in seen}) == 4
    stamps = [int(q["timestamp"]) for q in seen]
    assert stamps == sorted(set(stamps))  # each attempt's own clock reading
    for query in seen:
        expected = "".join(sorted([PUSH_TOKEN, query["timestamp"], query["nonce"]]))
        assert query["signature"] == hashlib.sha1(expected.encode()).hexdigest()  # noqa: S324
    fields = {a.fields["CreateTime"] for a in wx.push_log}
    assert len(fields) == 1  # the push itself is the same on every retry


# -- redelivery ----------------------------------------------------------------------------
@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_redeliver_sends_a_past_push_again_and_the_handler_runs_once(
    encrypted: bool,
) -> None:
    wx = Emulator(push_schedule=SCHEDULE)
    router, seen, failures = _router(encrypted, wx)
    failures[0] = 0
    wx.push_to(
        app=CallbackApp(router),
        token=PUSH_TOKEN,
        encoding_aes_key=AES_KEY if encrypted else None,
    )
    order = await wx.pay_gift_card(card_id="pCARD", price=100, openid="oBuyer")
    first = wx.push_log[-1]
    again = await wx.redeliver(first)
    assert again is wx.push_log[-1]
    assert (again.accepted, again.attempt, again.fields) == (True, 1, first.fields)
    assert again.body != first.body if encrypted else again.body == first.body
    assert seen == [("paid", order["order_id"])]


# -- cards given between users (the gift-card pushes) ----------------------------------------
async def _consume(wx: Emulator, code: str) -> int:
    """``code/consume`` over raw HTTP (in-process): WeChat's errcode."""
    transport = httpx.ASGITransport(app=wx.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as http:
        body = {"grant_type": "client_credential", "appid": wx.appid, "secret": wx.secret}
        token = (await http.post("/cgi-bin/stable_token", json=body)).json()["access_token"]
        params = {"access_token": token}
        reply = await http.post("/card/code/consume", params=params, json={"code": code})
    errcode: int = reply.json()["errcode"]
    return errcode


async def test_a_card_given_then_accepted_or_returned_moves_between_users() -> None:
    wx = Emulator(orders=3, push_schedule=())
    recorder = _Recorder()
    first, second, third = (o["card_list"][0] for o in wx.book.orders())
    holders = [o["open_id"] for o in wx.book.orders()]
    wx.push_to(app=recorder, token=PUSH_TOKEN)
    await wx.give_card(first["code"], to_openid="oFriend", chat_room=True)
    with pytest.raises(ValueError, match="GIFTING"):
        await wx.give_card(first["code"], to_openid="oOther")
    assert await _consume(wx, first["code"]) == 40127  # being given: it cannot be used
    await wx.accept_card(first["code"])
    await wx.give_card(second["code"], to_openid="oFriend")
    await wx.return_unclaimed_card(second["code"])
    async with wx.client() as client:
        assert (await client.giftcard.get_code(code=first["code"])).openid == "oFriend"
        assert (await client.giftcard.get_code(code=second["code"])).openid == holders[1]
    assert await _consume(wx, second["code"]) == 0  # back in the giver's bag, usable
    gifting = [
        (g["FromUserName"], g["FriendUserName"], g["IsReturnBack"], g["IsChatRoom"])
        for g in recorder.fields("user_gifting_card")
    ]
    assert gifting == [
        (holders[0], "oFriend", "0", "1"),
        (holders[1], "oFriend", "0", "0"),
        (holders[1], "oFriend", "1", "0"),
    ]
    got = [
        (g["FromUserName"], g["IsGiveByFriend"], g["FriendUserName"], g["UserCardCode"])
        for g in recorder.fields("user_get_card")
    ]
    assert got == [
        ("oFriend", "1", holders[0], first["code"]),
        (holders[1], "0", "", second["code"]),
    ]
    with pytest.raises(ValueError, match="give_card first"):
        await wx.accept_card(first["code"])
    with pytest.raises(ValueError, match="give_card first"):
        await wx.return_unclaimed_card(third["code"])
    with pytest.raises(KeyError):
        await wx.give_card("000000000000", to_openid="oFriend")
    assert await _consume(wx, third["code"]) == 0
    with pytest.raises(ValueError, match="CONSUMED"):
        await wx.give_card(third["code"], to_openid="oFriend")


async def test_push_to_refuses_what_cannot_push() -> None:
    wx = Emulator()
    with pytest.raises(ValueError, match="token"):
        wx.push_to("http://127.0.0.1:9/push", "")
    with pytest.raises(ValueError, match=r"url= .* or app="):
        wx.push_to(token=PUSH_TOKEN)
    # no target: scenario methods change the state and push nothing
    await wx.pay_gift_card(card_id="pCARD", price=100, openid="oBuyer")
    assert wx.push_log == []


_ = (GiftCardUserAccept, UserAuthorizeInvoice, UserGetCard, UserGiftingCard, MessageCrypto)
