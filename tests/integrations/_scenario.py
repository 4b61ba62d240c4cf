"""What every framework adapter must do under its real server, checked the same way for each:
URL verification (GET) and the emulator's pushes (POST; a gift-card push in XML, a delivery
push in JSON; plain or encrypted) at the exact path WeChat is given and with a trailing slash,
each answered 200 with the router's exact reply and never redirected; bodies over the cap
answered 413 and bad signatures 403, as the router words them."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import httpx
from lxml import etree

from tests.delivery.test_delivery import ORDER
from wechat_async.callbacks import (
    CallbackRouter,
    GiftCardPayDone,
    MessageCrypto,
    UpdateWaybillStatus,
)
from wechat_async.callbacks._signature import sign
from wechat_async.testing import Emulator
from wechat_async.testing._pushes import ORIGINAL_ID

PUSH_TOKEN = "integration-push-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
#: Small enough to test cheaply, far above an encrypted push (about 700 bytes).
MAX_BODY = 4096
TEXT = "text/plain; charset=utf-8"


class Receiver:
    """A router (plain or safe mode) and the events its handlers saw."""

    def __init__(self, *, encrypted: bool) -> None:
        self.emulator = Emulator(push_schedule=(0.01, 0.02), seed=3)
        self.encrypted = encrypted
        self.router = CallbackRouter(
            PUSH_TOKEN,
            encoding_aes_key=AES_KEY if encrypted else None,
            app_id=self.emulator.appid if encrypted else None,
        )
        self.seen: list[tuple[str, str]] = []

        @self.router.on(GiftCardPayDone)
        async def paid(event: GiftCardPayDone) -> None:
            self.seen.append(("paid", event.order_id))

        @self.router.on(UpdateWaybillStatus)
        async def moved(event: UpdateWaybillStatus) -> None:
            self.seen.append(("waybill", event.shop_order_id))

    def _plain(self, reply: bytes, as_json: bool) -> bytes:
        if not self.encrypted:
            return reply
        if as_json:
            fields = json.loads(reply)
        else:
            fields = {child.tag: child.text for child in etree.fromstring(reply)}
        box = MessageCrypto(PUSH_TOKEN, AES_KEY, self.emulator.appid)
        plain = box.decrypt(
            fields["MsgSignature"], str(fields["TimeStamp"]), fields["Nonce"], fields["Encrypt"]
        )
        return plain.encode()

    async def check(self, base_url: str, path: str, *, max_body: int | None = MAX_BODY) -> None:
        """Every check above, at ``path`` and ``path + "/"`` (``path`` has no trailing slash),
        for an adapter built with ``max_body`` (None: the cap is not checked)."""
        async with httpx.AsyncClient(base_url=base_url, follow_redirects=False) as http:
            for n, url in enumerate((path, path + "/")):
                await _verify_url(http, url)
                await self._push(base_url + url, n)
                await _refusals(http, url, max_body, encrypted=self.encrypted)

    async def _push(self, url: str, n: int) -> None:
        wx = self.emulator
        wx.push_to(url, PUSH_TOKEN, encoding_aes_key=AES_KEY if self.encrypted else None)
        before = len(wx.push_log)
        order = await wx.pay_gift_card(card_id="pCARD", price=100, openid="oBuyer")
        shop, shop_order_id = "test_shop_id", f"P{n}"
        async with wx.client() as client:  # in-process: the delivery push is sent inline
            client.delivery.add_account(
                shopid=shop, app_secret="test_app_secrect", delivery_id="TEST"
            )
            body = {**ORDER, "shopid": shop, "shop_order_id": shop_order_id}
            quote = await client.delivery.pre_add_order(**body)  # the token comes from a quote
            await client.delivery.add_order(**body, delivery_token=quote.delivery_token or "")
            await client.delivery.mock_update_order(
                shopid=shop, shop_order_id=shop_order_id, order_status=102, action_time=1
            )
        pay, waybill = wx.push_log[before:]  # each answered at its first attempt
        assert (pay.status, pay.accepted, pay.error) == (200, True, None), url
        assert self._plain(pay.reply, as_json=False) == b"<xml>ok</xml>"
        assert (waybill.status, waybill.accepted, waybill.error) == (200, True, None), url
        ack = json.loads(self._plain(waybill.reply, as_json=True))
        assert (ack["resultcode"], ack["resultmsg"]) == (0, "ok")
        assert ack["FromUserName"] == ORIGINAL_ID  # the push's To/From swapped
        assert self.seen[-2:] == [("paid", order["order_id"]), ("waybill", shop_order_id)]


def signed_query(**extra: str) -> dict[str, str]:
    now, nonce = str(int(time.time())), "n0nce"
    return {"signature": sign(PUSH_TOKEN, now, nonce), "timestamp": now, "nonce": nonce, **extra}


async def _verify_url(http: httpx.AsyncClient, url: str) -> None:
    echostr = "5150+echo%2B&=/"  # percent-decoded once: an adapter decoding twice fails here
    reply = await http.get(url, params=signed_query(echostr=echostr))
    assert reply.status_code == 200, (url, reply.status_code, reply.headers)
    assert reply.content == echostr.encode()
    assert reply.headers["content-type"] == TEXT
    assert reply.headers["content-length"] == str(len(echostr))


async def _refusals(
    http: httpx.AsyncClient, url: str, max_body: int | None, *, encrypted: bool
) -> None:
    """The router's refusals pass through verbatim; the cap holds with and without a length."""
    forged = await http.post(url, params={**signed_query(), "signature": "0" * 40}, content=b"x")
    # A router with an AES key refuses a plain push before reading its signature.
    refusal = b"encrypted push required" if encrypted else b"signature check failed"
    assert (forged.status_code, forged.content) == (403, refusal)
    assert forged.headers["content-type"] == TEXT
    unknown = await http.put(url, params=signed_query(), content=b"")
    assert unknown.status_code == 405
    if max_body is None:
        return
    declared = await http.post(url, params=signed_query(), content=b"<" * (max_body + 1))
    assert (declared.status_code, declared.content) == (413, b"push too large")

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while read
        for _ in range(4):
            yield b"<" * (max_body // 2)

    streamed = await http.post(url, params=signed_query(), content=chunks())
    assert (streamed.status_code, streamed.content) == (413, b"push too large")
