"""A reply is written before the handler runs, so a handled push is never answered with a
crash: text JSON can carry goes back as WeChat sent it (a lone surrogate as its escape); text a
reply cannot carry is refused, typed and logged, before anything runs."""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from wechat_async.callbacks import CallbackRouter, MessageCrypto, UpdateWaybillStatus
from wechat_async.callbacks._signature import sign

TOKEN, KEY, APPID = "reply-token", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxreply000001"
NOW = 1_700_000_000


def waybill(from_user: str = "o_team", to_user: str = "gh_mini") -> str:
    """A waybill push as JSON text (json.dumps writes a lone surrogate as its \\u escape)."""
    return json.dumps(
        {
            "ToUserName": to_user,
            "FromUserName": from_user,
            "CreateTime": NOW,
            "MsgType": "event",
            "Event": "update_waybill_status",
            "shop_order_id": "SO1",
            "order_status": 302,
            "action_time": NOW,
        }
    )


def query(nonce: str = "n1") -> dict[str, str]:
    return {"signature": sign(TOKEN, str(NOW), nonce), "timestamp": str(NOW), "nonce": nonce}


def make_router(seen: list[Any], **options: Any) -> CallbackRouter:
    router = CallbackRouter(TOKEN, clock=lambda: NOW, **options)

    @router.on(UpdateWaybillStatus)
    async def moved(event: UpdateWaybillStatus) -> None:
        seen.append(event.from_user_name)

    return router


def safe_query(box: MessageCrypto, plain: str, nonce: str = "n1") -> tuple[dict[str, str], str]:
    encrypt, msg_signature, _, _ = box.encrypt(plain, nonce=nonce, timestamp=str(NOW))
    return {**query(nonce), "encrypt_type": "aes", "msg_signature": msg_signature}, encrypt


async def test_a_lone_surrogate_in_from_user_name_is_answered_as_wechat_sent_it() -> None:
    """Before: the handler ran, then encoding the reply raised UnicodeEncodeError, and every
    retry did the same."""
    seen: list[Any] = []
    router = make_router(seen)
    body = waybill(from_user="o\ud800x").encode()
    assert b"\\ud800" in body
    replies = [await router.handle("POST", query(), body) for _ in range(3)]  # then 2 retries
    assert [r.status for r in replies] == [200, 200, 200]
    assert seen == ["o\ud800x"]  # ran once
    for reply in replies:
        text = reply.body.decode("utf-8")  # valid UTF-8 on the wire
        assert "\\ud800" in text  # the escape WeChat used
        assert json.loads(text)["ToUserName"] == "o\ud800x"
        assert json.loads(text)["resultcode"] == 0


async def test_a_lone_surrogate_in_to_user_name_is_answered_too() -> None:
    seen: list[Any] = []
    reply = await make_router(seen).handle("POST", query(), waybill(to_user="gh\udfff").encode())
    assert reply.status == 200
    assert json.loads(reply.body.decode("utf-8"))["FromUserName"] == "gh\udfff"
    assert len(seen) == 1


async def test_an_encrypted_json_waybill_with_a_lone_surrogate_is_answered_encrypted() -> None:
    seen: list[Any] = []
    router = make_router(seen, encoding_aes_key=KEY, app_id=APPID)
    box = MessageCrypto(TOKEN, KEY, APPID)
    safe, encrypt = safe_query(box, waybill(from_user="o\udc80"))
    body = json.dumps({"ToUserName": "gh_mini", "Encrypt": encrypt}).encode()
    reply = await router.handle("POST", safe, body, {"content-type": "application/json"})
    assert reply.status == 200
    envelope = json.loads(reply.body)
    plain = box.decrypt(
        envelope["MsgSignature"], str(envelope["TimeStamp"]), envelope["Nonce"], envelope["Encrypt"]
    )
    assert json.loads(plain)["ToUserName"] == "o\udc80"
    assert seen == ["o\udc80"]


@pytest.mark.parametrize(
    ("from_user", "shown"),
    [("o\ud800x", "U+D800"), ("o\x01x", "U+0001"), ("o\ufffe", "U+FFFE")],
    ids=["lone-surrogate", "control-character", "non-character"],
)
async def test_text_an_xml_reply_cannot_carry_is_refused_before_the_handler_runs(
    from_user: str, shown: str, caplog: pytest.LogCaptureFixture
) -> None:
    """An XML envelope whose message is JSON: the reply must be XML, which cannot carry these
    characters at all. Before: the handler ran, then the reply raised (or went out as XML
    WeChat cannot read, so it retried a push already handled)."""
    caplog.set_level(logging.WARNING, logger="wechat_async.callbacks")
    seen: list[Any] = []
    router = make_router(seen, encoding_aes_key=KEY, app_id=APPID)
    box = MessageCrypto(TOKEN, KEY, APPID)
    safe, encrypt = safe_query(box, waybill(from_user=from_user))
    body = f"<xml><ToUserName>gh_mini</ToUserName><Encrypt>{encrypt}</Encrypt></xml>".encode()
    for _ in range(2):  # and the same on WeChat's retry
        reply = await router.handle("POST", safe, body)
        assert (reply.status, reply.body) == (400, b"push cannot be answered")
    assert seen == []
    messages = [r.getMessage() for r in caplog.records]
    assert any(
        m.startswith("push refused (push cannot be answered") and "FromUserName" in m and shown in m
        for m in messages
    ), messages


async def test_an_xml_waybill_reply_keeps_cdata_terminators_readable() -> None:
    seen: list[Any] = []
    xml = (
        "<xml><ToUserName>gh</ToUserName><FromUserName><![CDATA[a]]]]><![CDATA[>b]]></FromUserName>"
        f"<CreateTime>{NOW}</CreateTime><MsgType>event</MsgType>"
        "<Event>update_waybill_status</Event><shop_order_id>S</shop_order_id></xml>"
    )
    reply = await make_router(seen).handle("POST", query(), xml.encode())
    assert reply.status == 200
    assert etree.fromstring(reply.body).findtext("ToUserName") == "a]]>b"


# Any code point, lone surrogates and control characters drawn often (st.text leaves
# surrogates out).
_ANY_TEXT = st.lists(
    st.one_of(st.characters(categories=("Cs", "Cc")), st.characters(exclude_categories=())),
    max_size=20,
).map("".join)


@settings(max_examples=60, deadline=None)
@given(from_user=_ANY_TEXT, to_user=_ANY_TEXT)
def test_any_json_waybill_text_is_answered_with_valid_utf8_that_round_trips(
    from_user: str, to_user: str
) -> None:
    for backend in ("asyncio", "trio"):
        seen: list[Any] = []
        router = make_router(seen)
        body = waybill(from_user, to_user).encode()
        sent = json.loads(body)  # what the push carries: an escaped surrogate pair is one char
        reply = anyio.run(router.handle, "POST", query(), body, backend=backend)
        assert reply.status == 200
        answer = json.loads(reply.body.decode("utf-8"))
        assert answer["ToUserName"] == sent["FromUserName"]
        assert answer["FromUserName"] == sent["ToUserName"]
        assert len(seen) == 1


def test_the_encrypted_xml_envelope_is_what_the_xml_writer_writes() -> None:
    """The envelope is written by one f-string (the reply's hot path); it must equal the
    general XML writer's output for the same fields."""
    from wechat_async.callbacks._replies import _envelope, _xml

    box = MessageCrypto(TOKEN, KEY, APPID, random_bytes=lambda n: b"\x07" * n)
    encrypt, signature, _, nonce = box.encrypt("<xml>ok</xml>", timestamp=str(NOW))
    fields = {"Encrypt": encrypt, "MsgSignature": signature, "TimeStamp": NOW, "Nonce": nonce}
    assert _envelope(box, "<xml>ok</xml>", NOW, as_json=False) == _xml(fields).encode()
