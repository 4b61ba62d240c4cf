"""CallbackRouter and CallbackApp at their edges: order of checks, odd input, cancellation,
logs, formats, and the ASGI protocol details."""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from wechat_async import ConfigurationError
from wechat_async.callbacks import (
    CallbackApp,
    CallbackRouter,
    Event,
    GiftCardPayDone,
    MessageCrypto,
    UnknownEvent,
    UpdateWaybillStatus,
    UserGetCard,
)
from wechat_async.callbacks._signature import sign

TOKEN, KEY, APPID = "edge-token", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxedge00000001"
NOW = 1_700_000_000
# str.isdigit() and \d accept these; int() would even parse them.
ARABIC_INDIC_NOW = "".join(chr(0x0660 + int(d)) for d in str(NOW))


def pay_done(order_id: str = "O1") -> bytes:
    return (
        "<xml><ToUserName>gh_1</ToUserName><FromUserName>o_buyer</FromUserName>"
        f"<CreateTime>{NOW}</CreateTime><MsgType>event</MsgType>"
        f"<Event>giftcard_pay_done</Event><OrderId>{order_id}</OrderId></xml>"
    ).encode()


def waybill(status: int = 301, as_xml: bool = False) -> bytes:
    fields: dict[str, Any] = {
        "ToUserName": "gh_mini",
        "FromUserName": "o_team",
        "CreateTime": NOW,
        "MsgType": "event",
        "Event": "update_waybill_status",
        "shop_order_id": "SO1",
        "order_status": status,
        "action_time": NOW,
    }
    if as_xml:
        return ("<xml>" + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items()) + "</xml>").encode()
    return json.dumps(fields).encode()


def signed(timestamp: str = str(NOW), nonce: str = "n1") -> dict[str, str]:
    return {"signature": sign(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}


def router_with(seen: list[Any], **options: Any) -> CallbackRouter:
    router = CallbackRouter(TOKEN, clock=lambda: NOW, **options)

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        seen.append(event)

    @router.on(UpdateWaybillStatus)
    async def moved(event: UpdateWaybillStatus) -> None:
        seen.append(event)

    return router


async def test_bad_signature_is_refused_before_the_body_is_parsed() -> None:
    seen: list[Any] = []
    reply = await router_with(seen).handle("POST", {**signed(), "signature": "x"}, b"<xml><")
    assert reply.status == 403  # not 400: an unauthenticated body is never parsed


@pytest.mark.parametrize("signature", ["é" * 40, "签名", ""])
async def test_non_ascii_or_empty_signature_is_a_403(signature: str) -> None:
    seen: list[Any] = []
    reply = await router_with(seen).handle("POST", {**signed(), "signature": signature}, pay_done())
    assert reply.status == 403
    assert seen == []


@pytest.mark.parametrize(
    "timestamp", ["nan", "inf", "", "1e9", "-1", " 1700000000", ARABIC_INDIC_NOW]
)
async def test_correctly_signed_but_unusable_timestamps_are_refused(timestamp: str) -> None:
    seen: list[Any] = []
    reply = await router_with(seen).handle("POST", signed(timestamp=timestamp), pay_done())
    assert reply.status == 403
    assert seen == []


async def test_a_10mb_body_is_413_and_runs_nothing() -> None:
    seen: list[Any] = []
    body = b"<xml>" + b"A" * (10 * 1024 * 1024) + b"</xml>"
    reply = await router_with(seen).handle("POST", signed(), body)
    assert reply.status == 413
    assert seen == []


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000, b'{"Event": "update_waybill_status", "shop_order_id": ', b"\x00\xff\xfe"],
    ids=["deep-json", "truncated-json", "binary"],
)
async def test_signed_but_unreadable_bodies_are_400(body: bytes) -> None:
    seen: list[Any] = []
    reply = await router_with(seen).handle("POST", signed(), body)
    assert reply.status == 400
    assert seen == []


async def test_other_methods_are_405() -> None:
    reply = await router_with([]).handle("PUT", signed(), pay_done())
    assert reply.status == 405


async def test_xml_waybill_push_gets_an_xml_reply() -> None:
    seen: list[Any] = []
    reply = await router_with(seen).handle("POST", signed(), waybill(as_xml=True))
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("application/xml")
    fields = {child.tag: child.text for child in etree.fromstring(reply.body)}
    assert fields == {
        "ToUserName": "o_team",
        "FromUserName": "gh_mini",
        "CreateTime": str(NOW),
        "MsgType": "event",
        "Event": "update_waybill_status",
        "resultcode": "0",
        "resultmsg": "ok",
    }
    assert [e.order_status for e in seen] == [301]


async def test_two_waybill_updates_in_the_same_second_both_run() -> None:
    seen: list[Any] = []
    router = router_with(seen)
    for status in (301, 302, 302):  # the last one a retry of the second
        reply = await router.handle("POST", signed(nonce=f"n{status}"), waybill(status))
        assert reply.status == 200
    assert [e.order_status for e in seen] == [301, 302]


def _encrypted_query(box: MessageCrypto, plain: bytes, timestamp: str = str(NOW)) -> Any:
    encrypt, signature, timestamp, nonce = box.encrypt(
        plain.decode(), nonce="n7", timestamp=timestamp
    )
    query = {**signed(timestamp, nonce), "msg_signature": signature, "encrypt_type": "aes"}
    return encrypt, query


async def test_encrypted_json_waybill_gets_an_encrypted_json_reply() -> None:
    seen: list[Any] = []
    router = router_with(seen, encoding_aes_key=KEY, app_id=APPID)
    box = MessageCrypto(TOKEN, KEY, APPID)
    encrypt, query = _encrypted_query(box, waybill())
    body = json.dumps({"ToUserName": "gh_mini", "Encrypt": encrypt}).encode()
    reply = await router.handle("POST", query, body, {"Content-Type": "application/json"})
    assert reply.status == 200
    envelope = json.loads(reply.body)
    assert isinstance(envelope["TimeStamp"], int)
    plain = box.decrypt(
        envelope["MsgSignature"], str(envelope["TimeStamp"]), envelope["Nonce"], envelope["Encrypt"]
    )
    assert json.loads(plain)["resultcode"] == 0
    assert json.loads(plain)["ToUserName"] == "o_team"
    assert len(seen) == 1


async def test_encrypted_push_from_another_app_is_refused() -> None:
    seen: list[Any] = []
    router = router_with(seen, encoding_aes_key=KEY, app_id=APPID)
    other = MessageCrypto(TOKEN, KEY, "wx_other_app")  # same key, other appid inside
    encrypt, query = _encrypted_query(other, pay_done())
    body = f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()
    reply = await router.handle("POST", query, body)
    assert (reply.status, reply.body) == (403, b"appid mismatch")
    assert seen == []


async def test_stale_encrypted_push_is_refused_even_with_a_valid_msg_signature() -> None:
    seen: list[Any] = []
    router = router_with(seen, encoding_aes_key=KEY, app_id=APPID)
    box = MessageCrypto(TOKEN, KEY, APPID)
    encrypt, query = _encrypted_query(box, pay_done(), timestamp=str(NOW - 301))
    body = f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()
    reply = await router.handle("POST", query, body)
    assert reply.status == 403
    assert seen == []


async def test_compatibility_mode_is_read_as_plain_only_without_a_key() -> None:
    seen: list[Any] = []
    body = pay_done().replace(b"</xml>", b"<Encrypt>ignored</Encrypt></xml>")
    reply = await router_with(seen).handle("POST", signed(), body)
    assert (reply.status, reply.body) == (200, b"<xml>ok</xml>")  # plain in, plain out
    assert len(seen) == 1
    # With a key only the signed Encrypt part counts: the plain fields beside it are unsigned.
    keyed = router_with(seen, encoding_aes_key=KEY, app_id=APPID)
    reply = await keyed.handle("POST", signed(), body)
    assert (reply.status, reply.body) == (403, b"encrypted push required")
    assert len(seen) == 1


async def test_catch_all_and_unknown_handlers() -> None:
    router = CallbackRouter(TOKEN, clock=lambda: NOW)
    got: list[str] = []

    @router.on(GiftCardPayDone)
    async def specific(event: GiftCardPayDone) -> None:
        got.append("specific")

    @router.on(Event)
    async def any_typed(event: Event) -> None:
        got.append(f"event:{type(event).__name__}")

    @router.on(UnknownEvent)
    async def unknown(event: UnknownEvent) -> None:
        got.append(f"unknown:{event.event}")

    card = (
        f"<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>{NOW}"
        "</CreateTime><MsgType>event</MsgType><Event>user_get_card</Event><CardId>c</CardId></xml>"
    ).encode()
    for n, body in enumerate((pay_done(), card, card.replace(b"user_get_card", b"brand_new"))):
        assert (await router.handle("POST", signed(nonce=f"n{n}"), body)).status == 200
    assert got == ["specific", f"event:{UserGetCard.__name__}", "unknown:brand_new"]


async def test_a_second_handler_for_one_type_is_a_configuration_error() -> None:
    router = router_with([])
    with pytest.raises(ConfigurationError):

        @router.on(GiftCardPayDone)
        async def again(event: GiftCardPayDone) -> None: ...


def test_router_configuration_errors_and_repr() -> None:
    with pytest.raises(ConfigurationError):
        CallbackRouter("")
    with pytest.raises(ConfigurationError):
        CallbackRouter(TOKEN, encoding_aes_key=KEY)
    text = repr(CallbackRouter(TOKEN, encoding_aes_key=KEY, app_id=APPID))
    assert TOKEN not in text
    assert KEY not in text


async def test_a_cancelled_handler_releases_its_claim() -> None:
    router = CallbackRouter(TOKEN, clock=lambda: NOW)
    calls = 0

    @router.on(GiftCardPayDone)
    async def slow(event: GiftCardPayDone) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            await anyio.sleep(10)

    with anyio.move_on_after(0.05):
        await router.handle("POST", signed(), pay_done())
    reply = await router.handle("POST", signed(), pay_done())
    assert (reply.status, calls) == (200, 2)  # not 503 "in progress" for the next minute


async def test_secrets_never_reach_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    router = CallbackRouter(TOKEN, encoding_aes_key=KEY, app_id=APPID, clock=lambda: NOW)

    @router.on(GiftCardPayDone)
    async def broken(event: GiftCardPayDone) -> None:
        raise RuntimeError("database down")

    box = MessageCrypto(TOKEN, KEY, APPID)
    encrypt, query = _encrypted_query(box, pay_done())
    body = f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()
    assert (await router.handle("POST", query, body)).status == 500
    assert (await router.handle("POST", {**query, "msg_signature": "0"}, body)).status == 403
    assert (await router.handle("POST", {**signed(), "signature": "x"}, b"")).status == 403
    assert "database down" in caplog.text  # the failure is logged...
    assert TOKEN not in caplog.text  # ...without the secrets
    assert KEY not in caplog.text


@settings(max_examples=150, deadline=None)
@given(
    query=st.dictionaries(
        st.sampled_from(["signature", "timestamp", "nonce", "msg_signature", "echostr"]),
        st.text(max_size=45),
    ),
    body=st.one_of(st.binary(max_size=300), st.just(pay_done())),
    method=st.sampled_from(["GET", "POST", "HEAD"]),
)
def test_handle_never_raises_and_runs_nothing_unsigned(
    query: dict[str, str], body: bytes, method: str
) -> None:
    seen: list[Any] = []
    router = router_with(seen, encoding_aes_key=KEY, app_id=APPID)
    reply = anyio.run(router.handle, method, query, body)
    assert reply.status in {200, 400, 403, 405, 413}
    assert seen == []  # no signature made with TOKEN, so no handler may run


class _Recorder:
    def __init__(self, messages: list[dict[str, Any]]) -> None:
        self.incoming = messages
        self.sent: list[dict[str, Any]] = []
        self.received = 0

    async def receive(self) -> dict[str, Any]:
        self.received += 1
        return self.incoming.pop(0)

    async def send(self, message: Any) -> None:
        self.sent.append(dict(message))


def _scope(**extra: Any) -> dict[str, Any]:
    query = "&".join(f"{k}={v}" for k, v in signed().items())
    return {
        "type": "http",
        "method": "POST",
        "path": "/",
        "query_string": query.encode(),
        "headers": [],
        **extra,
    }


async def test_asgi_client_gone_mid_body_runs_nothing_and_sends_nothing() -> None:
    seen: list[Any] = []
    io = _Recorder(
        [
            {"type": "http.request", "body": pay_done()[:20], "more_body": True},
            {"type": "http.disconnect"},
        ]
    )
    await CallbackApp(router_with(seen))(_scope(), io.receive, io.send)
    assert (io.sent, seen) == ([], [])


async def test_asgi_declared_oversize_body_is_refused_unread() -> None:
    io = _Recorder([])
    scope = _scope(headers=[(b"content-length", b"10485760")])
    await CallbackApp(router_with([]))(scope, io.receive, io.send)
    assert io.received == 0
    assert io.sent[0]["status"] == 413


async def test_asgi_streamed_oversize_body_is_413() -> None:
    chunk = {"type": "http.request", "body": b"x" * 65536, "more_body": True}
    io = _Recorder([dict(chunk) for _ in range(20)] + [{"type": "http.request", "body": b""}])
    await CallbackApp(router_with([]), max_body=1 << 20)(_scope(), io.receive, io.send)
    assert io.sent[0]["status"] == 413


async def test_asgi_chunked_body_is_reassembled() -> None:
    seen: list[Any] = []
    body = pay_done()
    io = _Recorder(
        [
            {"type": "http.request", "body": body[i : i + 7], "more_body": True}
            for i in range(0, len(body), 7)
        ]
        + [{"type": "http.request", "body": b"", "more_body": False}]
    )
    await CallbackApp(router_with(seen))(_scope(), io.receive, io.send)
    assert io.sent[0]["status"] == 200
    assert io.sent[1]["body"] == b"<xml>ok</xml>"
    assert len(seen) == 1


async def test_asgi_lifespan_and_websocket() -> None:
    app = CallbackApp(router_with([]))
    io = _Recorder([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    await app({"type": "lifespan"}, io.receive, io.send)
    assert [m["type"] for m in io.sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
    ws = _Recorder([])
    await app({"type": "websocket"}, ws.receive, ws.send)
    assert ws.sent == [{"type": "websocket.close", "code": 1003}]


async def test_asgi_through_httpx_json_waybill_and_refusals() -> None:
    seen: list[Any] = []
    transport = httpx.ASGITransport(app=CallbackApp(router_with(seen)))
    async with httpx.AsyncClient(transport=transport, base_url="http://push") as http:
        ok = await http.post(
            "/", params=signed(), content=waybill(), headers={"content-type": "application/json"}
        )
        assert ok.status_code == 200
        assert ok.json()["resultcode"] == 0
        bad = await http.post("/", params={**signed(), "signature": "0" * 40}, content=waybill())
        assert bad.status_code == 403
        broken = await http.post("/", params=signed(), content=b"<xml><Event>")
        assert broken.status_code == 400
    assert len(seen) == 1


@pytest.mark.parametrize("declared", [b"\xb2", b"-1", b"abc", b""])
async def test_asgi_odd_content_length_headers_do_not_crash(declared: bytes) -> None:
    seen: list[Any] = []
    io = _Recorder([{"type": "http.request", "body": pay_done(), "more_body": False}])
    scope = _scope(headers=[(b"content-length", declared)])
    await CallbackApp(router_with(seen))(scope, io.receive, io.send)
    assert io.sent[0]["status"] == 200  # "²" passes str.isdigit() but not int()
    assert len(seen) == 1
