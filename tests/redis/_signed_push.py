"""A signed gift-card push, a fresh nonce each delivery (as WeChat's retries come), and a
router counting its handler's runs."""

from __future__ import annotations

import secrets
import time

from wechat_async.callbacks import CallbackRouter, GiftCardPayDone
from wechat_async.callbacks._signature import sign
from wechat_async.stores.dedupe import DedupeStore

PUSH_TOKEN = "push-token"


def signed_push(order_id: str) -> tuple[dict[str, str], bytes]:
    """(query, body) of one delivery of the push for ``order_id``."""
    timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
    query = {"signature": sign(PUSH_TOKEN, timestamp, nonce), "timestamp": timestamp}
    query["nonce"] = nonce
    body = (
        "<xml><ToUserName><![CDATA[gh_3fcea188bf78]]></ToUserName>"
        "<FromUserName><![CDATA[obLatjgoYejavUtHsWwrX-2GtFJE]]></FromUserName>"
        "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[giftcard_pay_done]]></Event>"
        f"<OrderId><![CDATA[{order_id}]]></OrderId></xml>"
    ).encode()
    return query, body


def push_router(store: DedupeStore) -> tuple[CallbackRouter, list[str]]:
    """A router on ``store`` and the order ids its handler ran for, in order."""
    router = CallbackRouter(PUSH_TOKEN, dedupe=store)
    runs: list[str] = []

    @router.on(GiftCardPayDone)
    async def paid(event: GiftCardPayDone) -> None:
        runs.append(event.order_id)

    return router, runs
