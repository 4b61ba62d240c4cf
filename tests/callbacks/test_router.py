"""CallbackRouter and CallbackApp: verify, decrypt, dedupe, dispatch, and the exact replies."""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx
import pytest

from wechat_async.callbacks import (
    CallbackApp,
    CallbackRouter,
    GiftCardPayDone,
    MessageCrypto,
    UpdateWaybillStatus,
    UserGetCard,
)
from wechat_async.callbacks._signature import sign

TOKEN, KEY, APPID = (
    "push-token",
    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "wx2c2769f8efd9abc2",
)
NOW = 1_700_000_000


def pay_done(order_id: str = "Z2y2rY74ksZX1ceuGA", create_time: int = NOW) -> bytes:
    return (
        "<xml><ToUserName><![CDATA[gh_3fcea188bf78]]></ToUserName>"
        "<FromUserName><![CDATA[obLatjgoYejavUtHsWwrX-2GtFJE]]></FromUserName>"
        f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[giftcard_pay_done]]></Event>"
        f"<OrderId><![CDATA[{order_id}]]></OrderId></xml>"
    ).encode()


def signed(timestamp: int = NOW, nonce: str = "n1") -> dict[str, str]:
    return {
        "signature": sign(TOKEN, str(timestamp), nonce),
        "timestamp": str(timestamp),
        "nonce": nonce,
    }


def make_router(**options: Any) -> tuple[CallbackRouter, list[Any]]:
    router = CallbackRouter(TOKEN, clock=lambda: NOW + 1, **options)
    seen: list[Any] = []

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        await anyio.sleep(0.01)  # long enough for concurrent duplicates to overlap
        seen.append(event.order_id)

    return router, seen


async def test_gift_card_push_runs_handler_and_answers_xml_ok() -> None:
    router, seen = make_router()
    reply = await router.handle("POST", signed(), pay_done())
    assert (reply.status, reply.body) == (200, b"<xml>ok</xml>")
    assert seen == ["Z2y2rY74ksZX1ceuGA"]


async def test_thirty_deliveries_run_the_handler_once() -> None:
    router, seen = make_router()
    replies = [await router.handle("POST", signed(), pay_done()) for _ in range(30)]
    assert seen == ["Z2y2rY74ksZX1ceuGA"]
    assert all((r.status, r.body) == (200, b"<xml>ok</xml>") for r in replies)


async def test_thirty_concurrent_duplicates_run_it_once() -> None:
    router, seen = make_router()
    statuses: list[int] = []

    async def deliver() -> None:
        statuses.append((await router.handle("POST", signed(), pay_done())).status)

    async with anyio.create_task_group() as tg:
        for _ in range(30):
            tg.start_soon(deliver)
    assert seen == ["Z2y2rY74ksZX1ceuGA"]
    assert statuses.count(200) >= 1
    assert set(statuses) <= {200, 503}  # 503: in progress, so WeChat retries if it fails


async def test_two_different_pushes_in_the_same_second_both_run() -> None:
    router, seen = make_router()
    await router.handle("POST", signed(nonce="n1"), pay_done("A"))
    await router.handle("POST", signed(nonce="n2"), pay_done("B"))  # a push, its own nonce
    assert seen == ["A", "B"]


async def test_failing_handler_is_not_marked_done_and_the_retry_runs_it() -> None:
    router = CallbackRouter(TOKEN, clock=lambda: NOW)
    calls = 0

    @router.on(GiftCardPayDone)
    async def flaky(event: GiftCardPayDone) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database down")

    first = await router.handle("POST", signed(), pay_done())
    second = await router.handle("POST", signed(), pay_done())
    third = await router.handle("POST", signed(), pay_done())
    assert first.status == 500
    assert (second.status, second.body) == (200, b"<xml>ok</xml>")
    assert (third.status, calls) == (200, 2)


@pytest.mark.parametrize(
    "query",
    [
        {**signed(), "signature": "0" * 40},
        {**signed(), "nonce": "other"},
        {"timestamp": str(NOW), "nonce": "n1"},
        signed(timestamp=NOW - 3600),  # correctly signed but an hour old: a replay
        signed(timestamp=NOW + 3600),
    ],
    ids=["bad-signature", "bad-nonce", "no-signature", "stale", "future"],
)
async def test_untrusted_push_is_refused_and_runs_nothing(query: dict[str, str]) -> None:
    router, seen = make_router()
    reply = await router.handle("POST", query, pay_done())
    assert reply.status == 403
    assert seen == []


async def test_replay_window_is_configurable() -> None:
    router, seen = make_router(replay_window=7200)
    reply = await router.handle("POST", signed(timestamp=NOW - 3600), pay_done())
    assert reply.status == 200
    assert seen == ["Z2y2rY74ksZX1ceuGA"]


@pytest.mark.parametrize("body", [b"<xml><Event>", b"<!DOCTYPE x [<!ENTITY a 'b'>]><xml/>", b""])
async def test_malformed_push_is_a_400(body: bytes) -> None:
    router, seen = make_router()
    reply = await router.handle("POST", signed(), body)
    assert reply.status == 400
    assert seen == []


async def test_unknown_and_unhandled_events_are_acknowledged() -> None:
    router, _ = make_router()
    unknown = (
        b"<xml><FromUserName>o</FromUserName><CreateTime>1</CreateTime>"
        b"<MsgType>event</MsgType><Event>new_thing</Event></xml>"
    )
    reply = await router.handle("POST", signed(), unknown)
    assert (reply.status, reply.body) == (200, b"success")
    card = (
        b"<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>"
        b"<MsgType>event</MsgType><Event>user_get_card</Event><CardId>c</CardId></xml>"
    )
    reply = await router.handle("POST", signed(nonce="n2"), card)
    assert isinstance(reply.event, UserGetCard)
    assert (reply.status, reply.body) == (200, b"success")


async def test_url_verification_echoes() -> None:
    router, _ = make_router()
    ok = await router.handle("GET", {**signed(), "echostr": "abc123"}, b"")
    bad = await router.handle("GET", {**signed(), "signature": "x", "echostr": "abc123"}, b"")
    assert (ok.status, ok.body) == (200, b"abc123")
    assert bad.status == 403


async def test_encrypted_push_is_decrypted_and_answered_encrypted() -> None:
    router, seen = make_router(encoding_aes_key=KEY, app_id=APPID)
    box = MessageCrypto(TOKEN, KEY, APPID)
    encrypt, signature, timestamp, nonce = box.encrypt(
        pay_done().decode(), nonce="n9", timestamp=str(NOW)
    )
    body = (
        f"<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()
    )
    query = {
        **signed(timestamp=int(timestamp), nonce=nonce),
        "msg_signature": signature,
        "encrypt_type": "aes",
    }
    reply = await router.handle("POST", query, body)
    assert reply.status == 200
    assert seen == ["Z2y2rY74ksZX1ceuGA"]
    from lxml import etree

    root = etree.fromstring(reply.body)
    fields = {child.tag: child.text for child in root}
    plain = box.decrypt(
        fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"], fields["Encrypt"]
    )
    assert plain == "<xml>ok</xml>"
    # Tampered: same envelope, wrong msg_signature.
    tampered = await router.handle("POST", {**query, "msg_signature": "0" * 40}, body)
    assert tampered.status == 403


async def test_encrypted_push_without_a_key_is_refused() -> None:
    router, seen = make_router()
    body = b"<xml><ToUserName>gh</ToUserName><Encrypt>abc</Encrypt></xml>"
    reply = await router.handle("POST", signed(), body)
    assert reply.status == 400
    assert seen == []


async def test_waybill_push_gets_the_json_reply_of_the_spec() -> None:
    router = CallbackRouter(TOKEN, clock=lambda: NOW)
    got: list[UpdateWaybillStatus] = []

    @router.on(UpdateWaybillStatus)
    async def moved(event: UpdateWaybillStatus) -> None:
        got.append(event)

    push = {
        "ToUserName": "gh_mini",
        "FromUserName": "o_wechat_team",
        "CreateTime": NOW,
        "MsgType": "event",
        "Event": "update_waybill_status",
        "shop_order_id": "SO1",
        "order_status": 302,
        "action_time": NOW,
    }
    reply = await router.handle(
        "POST", signed(), json.dumps(push).encode(), {"Content-Type": "application/json"}
    )
    assert reply.status == 200
    assert json.loads(reply.body) == {
        "ToUserName": "o_wechat_team",
        "FromUserName": "gh_mini",
        "CreateTime": NOW,
        "MsgType": "event",
        "Event": "update_waybill_status",
        "resultcode": 0,
        "resultmsg": "ok",
    }
    assert [e.order_status for e in got] == [302]


async def test_asgi_app_serves_pushes_and_caps_the_body() -> None:
    router, seen = make_router()
    app = CallbackApp(router, max_body=64 * 1024)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://push") as http:
        reply = await http.post("/wechat", params=signed(), content=pay_done())
        assert (reply.status_code, reply.content) == (200, b"<xml>ok</xml>")
        big = await http.post("/wechat", params=signed(), content=b"x" * (10 * 1024 * 1024))
        assert big.status_code == 413
        echo = await http.get("/wechat", params={**signed(), "echostr": "e"})
        assert echo.text == "e"
    assert seen == ["Z2y2rY74ksZX1ceuGA"]
