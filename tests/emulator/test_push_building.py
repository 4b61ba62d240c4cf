"""Building and signing pushes by hand (``push_fields``, ``sign_push``) and WeChat's verdict
on a reply (``judge_reply``): every kind, plain and encrypted, XML and JSON, is what the
router accepts and types, and the router's reply is what WeChat counts as acknowledged."""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from typing import Any

import pytest

from wechat_async.callbacks import (
    CallbackRouter,
    GiftCardPayDone,
    MessageCrypto,
    UnknownEvent,
    UpdateWaybillStatus,
)
from wechat_async.callbacks._events import EVENT_TYPES
from wechat_async.callbacks._parse import body_fields
from wechat_async.testing import PUSH_KINDS, judge_reply, push_fields, sign_push

TOKEN = "push-token-for-tests"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPID = "wx0123456789abcdef"


def _sha1(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324


@pytest.mark.parametrize("data_format", [None, "XML", "JSON"])
@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
@pytest.mark.parametrize("kind", sorted(PUSH_KINDS))
async def test_every_kind_is_accepted_typed_and_acknowledged(
    kind: str, encrypted: bool, data_format: Any
) -> None:
    router = CallbackRouter(
        TOKEN, encoding_aes_key=AES_KEY if encrypted else None, app_id=APPID if encrypted else None
    )
    handled: list[Any] = []
    router.on(EVENT_TYPES[kind])(_append(handled))
    fields = push_fields(kind)
    push = sign_push(
        fields,
        token=TOKEN,
        encoding_aes_key=AES_KEY if encrypted else None,
        app_id=APPID,
        data_format=data_format,
    )
    reply = await router.handle("POST", push.query, push.body, push.headers)
    assert reply.status == 200, reply.body
    assert [type(e) for e in handled] == [EVENT_TYPES[kind]]
    accepted, verdict = judge_reply(
        fields,
        reply.status,
        reply.body,
        token=TOKEN,
        encoding_aes_key=AES_KEY if encrypted else None,
        app_id=APPID,
    )
    assert accepted, verdict


def _append(handled: list[Any]) -> Any:
    async def handler(event: Any) -> None:
        handled.append(event)

    return handler


def test_an_encrypted_push_is_built_as_wechat_builds_it() -> None:
    fields = push_fields("giftcard_pay_done", OrderId="O1", now=1_767_225_600)
    push = sign_push(
        fields,
        token=TOKEN,
        encoding_aes_key=AES_KEY,
        app_id=APPID,
        timestamp=1_767_225_601,
        nonce="12345",
    )
    query = dict(push.query)
    assert query.pop("signature") == _sha1(TOKEN, "1767225601", "12345")
    envelope = body_fields(push.body)
    assert list(envelope) == ["ToUserName", "Encrypt"]  # nothing of the push in the clear
    assert query == {
        "timestamp": "1767225601",
        "nonce": "12345",
        "openid": "oEMUbuyer",
        "encrypt_type": "aes",
        "msg_signature": _sha1(TOKEN, "1767225601", "12345", envelope["Encrypt"]),
    }
    # WXBizMsgCrypt's layout, opened by hand: 16 random bytes, length, message, appid
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = base64.b64decode(AES_KEY + "=")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(base64.b64decode(envelope["Encrypt"])) + decryptor.finalize()
    plain = plain[: -plain[-1]]
    (length,) = struct.unpack(">I", plain[16:20])
    assert plain[20 + length :] == APPID.encode()
    assert body_fields(plain[20 : 20 + length]) == {
        "ToUserName": "gh_emulator0000",
        "FromUserName": "oEMUbuyer",
        "CreateTime": "1767225600",
        "MsgType": "event",
        "Event": "giftcard_pay_done",
        "PageId": "fakepage0",
        "OrderId": "O1",
    }
    json_push = sign_push(
        fields, token=TOKEN, encoding_aes_key=AES_KEY, app_id=APPID, data_format="JSON"
    )
    assert json.loads(json_push.body).keys() == {"ToUserName", "Encrypt"}
    assert json_push.headers["content-type"] == "application/json"
    crypto = MessageCrypto(TOKEN, AES_KEY, APPID)
    opened = crypto.decrypt(
        json_push.query["msg_signature"],
        json_push.query["timestamp"],
        json_push.query["nonce"],
        json.loads(json_push.body)["Encrypt"],
    )
    assert json.loads(opened) == fields


def test_push_fields_take_overrides_removals_and_unknown_kinds() -> None:
    waybill = push_fields("update_waybill_status", order_status=302, agent=None, now=100)
    assert (waybill["order_status"], waybill["action_time"], "agent" in waybill) == (
        302,
        100,
        False,
    )
    other = push_fields("user_view_card", CardId="p1", now=5)
    assert other == {
        "ToUserName": "gh_emulator0000",
        "FromUserName": "oEMUbuyer",
        "CreateTime": 5,
        "MsgType": "event",
        "Event": "user_view_card",
        "CardId": "p1",
    }
    first, second = push_fields("update_waybill_status"), push_fields("update_waybill_status")
    first["agent"]["name"] = "changed"
    assert second["agent"]["name"] == "骑手"  # each call gets its own copy


async def test_a_signed_push_with_a_fresh_nonce_each_time() -> None:
    fields = push_fields("giftcard_pay_done")
    nonces = {sign_push(fields, token=TOKEN).query["nonce"] for _ in range(20)}
    assert len(nonces) == 20
    # the same nonce and timestamp twice is a replay: a router takes it once at most
    router = CallbackRouter(TOKEN)
    calls: list[GiftCardPayDone] = []
    router.on(GiftCardPayDone)(_append(calls))  # type: ignore[arg-type]
    push = sign_push(fields, token=TOKEN)
    assert (await router.handle("POST", push.query, push.body, push.headers)).status == 200
    await router.handle("POST", push.query, push.body, push.headers)
    assert len(calls) == 1


def test_sign_push_refuses_what_cannot_be_signed() -> None:
    fields = push_fields("giftcard_pay_done")
    with pytest.raises(ValueError, match="token is required"):
        sign_push(fields, token="")
    with pytest.raises(ValueError, match="app_id is required"):
        sign_push(fields, token=TOKEN, encoding_aes_key=AES_KEY)


def test_a_signed_push_url_carries_its_query() -> None:
    push = sign_push(push_fields("giftcard_pay_done"), token=TOKEN, timestamp=7, nonce="n")
    url = push.url("https://shop.example/wechat/push?tenant=1")
    assert url.startswith("https://shop.example/wechat/push?tenant=1&signature=")
    assert "&timestamp=7&nonce=n&openid=oEMUbuyer" in url


@pytest.mark.parametrize(
    ("kind", "status", "reply", "accepted"),
    [
        ("giftcard_pay_done", 200, b"<xml>ok</xml>", True),
        ("giftcard_pay_done", 200, b"  <xml>ok</xml>\n", True),
        ("giftcard_pay_done", 200, b"success", False),
        ("giftcard_pay_done", 200, b"", False),
        ("giftcard_user_accept", 200, b"<xml>OK</xml>", False),
        ("user_get_card", 200, b"success", True),
        ("user_get_card", 200, b"", True),
        ("user_gifting_card", 200, b"ok", False),
        ("user_authorize_invoice", 200, b"success", True),
        ("update_waybill_status", 200, b'{"resultcode": 0, "resultmsg": "ok"}', True),
        ("update_waybill_status", 200, b"<xml><resultcode>0</resultcode></xml>", True),
        ("update_waybill_status", 200, b'{"resultcode": 1}', False),
        ("update_waybill_status", 200, b"success", False),
        ("update_waybill_status", 200, b"{not json", False),
        ("giftcard_pay_done", 307, b"<xml>ok</xml>", False),
        ("giftcard_pay_done", 500, b"<xml>ok</xml>", False),
        ("giftcard_pay_done", None, b"", False),
    ],
)
def test_what_wechat_counts_as_an_acknowledgement(
    kind: str, status: int | None, reply: bytes, accepted: bool
) -> None:
    ok, verdict = judge_reply(push_fields(kind), status, reply)
    assert ok is accepted, verdict
    assert verdict


def test_an_encrypted_reply_is_opened_before_it_is_judged() -> None:
    crypto = MessageCrypto(TOKEN, AES_KEY, APPID)
    encrypt, signature, timestamp, nonce = crypto.encrypt("<xml>ok</xml>")
    body = (
        f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt><MsgSignature>{signature}</MsgSignature>"
        f"<TimeStamp>{timestamp}</TimeStamp><Nonce>{nonce}</Nonce></xml>"
    ).encode()
    fields = push_fields("giftcard_pay_done")
    keys = {"token": TOKEN, "encoding_aes_key": AES_KEY, "app_id": APPID}
    assert judge_reply(fields, 200, body, **keys)[0]
    tampered = body.replace(signature.encode(), b"0" * 40)
    accepted, verdict = judge_reply(fields, 200, tampered, **keys)
    assert not accepted
    assert "does not decrypt" in verdict


_ = (UnknownEvent, UpdateWaybillStatus)
