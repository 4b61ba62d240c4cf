"""No secret reaches a hook argument, a span (name, attribute, status), a metric label or a log
record at DEBUG, whatever path the call takes.

Real-looking secrets go in: the app secret (in the stable_token body, and in the query of
``cgi-bin/token``), access tokens (in every URL, a rejected one too), the push token and AES
key (encrypted pushes), a carrier's app_secret (delivery_sign), an authorizer refresh token
(registered as the platform code registers it), each also echoed back in WeChat's errmsg, a
carrier's resultmsg and a transport error quoting the URL. Every text the observers were
given is then searched for each secret, raw and URL-encoded.
"""

from __future__ import annotations

import copy
import logging
import time
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import respx

from tests.delivery.test_delivery import ORDER, PREFIX
from tests.helpers import BASE, fast_retry
from tests.test_hooks import _transports
from tests.test_otel import Telemetry
from wechat_async import AccessToken, Hooks, MemoryTokenStore, WeChatClient, WeChatError
from wechat_async._redact import remember_secret
from wechat_async.callbacks import CallbackApp, CallbackRouter, Event
from wechat_async.testing import Emulator
from wechat_async.testing._delivery import CarrierAccount

APPID = "wx5f1b3c9d2e7a4068"
APP_SECRET = "4f9c2d7e81b36a05c4e2f1d9a8b7c6e5"
ACCESS_TOKEN = "86_Xq3vK9pLmN2rT7wYz/Ab+Cd4Ef6Gh8Ij0KlMnOpQrStUvWx-AAABBB"
STALE_TOKEN = "86_StaleTokenRejected9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b"
PUSH_TOKEN = "Wx7pushTok3nQ9zLm"
AES_KEY = "Zq3p9Xw2Lk8Vb5Nc7Md1Rf4Tg6Yh0Ju3Ei5Ko7Pa9Sd"
CARRIER_SECRET = "c1f0e9d8b7a6958473625140aabbccdd"
REFRESH_TOKEN = "refreshtoken@@@Ri6z9Gq2v3N0pLx8wYc4UoP7"
SHOP = "shop_for_secrets"
SECRETS = (
    APP_SECRET,
    ACCESS_TOKEN,
    STALE_TOKEN,
    PUSH_TOKEN,
    AES_KEY,
    CARRIER_SECRET,
    REFRESH_TOKEN,
)


class Observed:
    """Everything the observers were handed: hook events, spans, metrics, log records."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.telemetry = Telemetry()

        async def record(event: Any) -> None:
            self.events.append(event)

        recording = Hooks(
            on_request=record,
            on_response=record,
            on_retry=record,
            on_call_end=record,
            on_token_refresh=record,
            on_push=record,
        )
        self.hooks = [recording, self.telemetry.hooks]

    def texts(self, caplog: pytest.LogCaptureFixture) -> dict[str, list[str]]:
        spans = [s.to_json() for s in self.telemetry.spans()]
        data = self.telemetry.reader.get_metrics_data()
        records = [r for r in caplog.records if r.levelno >= logging.DEBUG]
        return {
            "hook argument": [repr(e) for e in self.events],
            "span": spans,
            "metric": [data.to_json()] if data else [],
            "log record": [r.getMessage() for r in records] + [r.exc_text or "" for r in records],
        }


def leaks(texts: dict[str, list[str]], *secrets: str) -> list[str]:
    found = []
    for where, items in texts.items():
        for text in items:
            for secret in secrets:
                for form in {secret, quote(secret, safe="")}:
                    if form in text:
                        found.append(f"{secret!r} in a {where}: {text[:300]}")
    return found


def _assert_observed_and_clean(observed: Observed, caplog: pytest.LogCaptureFixture) -> None:
    texts = observed.texts(caplog)
    for where in ("hook argument", "span", "metric", "log record"):
        assert texts[where], f"no {where} was recorded: nothing was searched"
    assert leaks(texts, *SECRETS) == []


async def test_no_secret_reaches_an_observer_on_the_emulator(
    anyio_backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in _transports(anyio_backend):
        observed = Observed()
        wx = Emulator(
            orders=2,
            seed=5,
            appid=APPID,
            secret=APP_SECRET,
            carrier_accounts=[CarrierAccount(SHOP, CARRIER_SECRET, "TEST")],
            push_schedule=(0.01,),
        )
        router = CallbackRouter(
            PUSH_TOKEN, encoding_aes_key=AES_KEY, app_id=APPID, hooks=observed.hooks
        )

        @router.on(Event)
        async def any_push(event: Event) -> None:
            pass

        store = MemoryTokenStore()  # a token WeChat rejects, then a fresh one
        await store.set(APPID, AccessToken(STALE_TOKEN, time.time() + 3600))
        async with (
            wx,
            wx.client(transport=name, token_store=store, hooks=observed.hooks) as client,
            wx.client(transport=name, token_endpoint="token", hooks=observed.hooks) as by_get,
        ):
            wx.push_to(app=CallbackApp(router), token=PUSH_TOKEN, encoding_aes_key=AES_KEY)
            order = await wx.pay_gift_card(card_id="pCARD", price=100, openid="oBuyer")
            await client.giftcard.get_order(order_id=order["order_id"])
            with pytest.raises(WeChatError):
                await client.giftcard.get_order(order_id="no-such-order")
            await by_get.giftcard.get_order(order_id=order["order_id"])  # secret in the query
            client.delivery.add_account(shopid=SHOP, app_secret=CARRIER_SECRET, delivery_id="TEST")
            body = {**copy.deepcopy(ORDER), "shopid": SHOP, "shop_order_id": "S1"}
            quote_ = await client.delivery.pre_add_order(**body)
            await client.delivery.add_order(**body, delivery_token=quote_.delivery_token or "")
            tokens = [t for t in (await store.get(APPID),) if t is not None]
        assert any(e.__class__.__name__ == "PushEvent" for e in observed.events)
        assert any(e.__class__.__name__ == "RetryEvent" for e in observed.events)  # the replay
        _assert_observed_and_clean(observed, caplog)
        assert leaks(observed.texts(caplog), *(t.value for t in tokens)) == [], name


async def test_no_secret_echoed_by_wechat_or_a_transport_reaches_an_observer(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    remember_secret(REFRESH_TOKEN)  # as a platform's refresh-token store does with each one
    observed = Observed()
    router = respx.Router()
    router.post(f"{BASE}/cgi-bin/stable_token").respond(
        json={"access_token": ACCESS_TOKEN, "expires_in": 7200}
    )
    echo = (
        f"invalid credential access_token={ACCESS_TOKEN}, secret: {APP_SECRET}, "
        f"refresh_token {REFRESH_TOKEN}, aes {AES_KEY}, rid: 6a1b"
    )
    router.post(f"{BASE}/card/giftcard/order/get").respond(json={"errcode": 40099, "errmsg": echo})

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach {request.url}", request=request)

    router.post(f"{BASE}/card/giftcard/order/batchget").mock(side_effect=refused)
    router.post(url__startswith=PREFIX).respond(
        json={"errcode": 0, "resultcode": 1, "resultmsg": f"bad sign, app_secret {CARRIER_SECRET}"}
    )
    remember_secret(AES_KEY)  # a router or MessageCrypto made in this process registers it
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http,
        WeChatClient(
            APPID,
            APP_SECRET,
            http_client=http,
            hooks=observed.hooks,
            retry=fast_retry(max_retries=1),
        ) as client,
    ):
        with pytest.raises(WeChatError):
            await client.giftcard.get_order(order_id="o1")
        with pytest.raises(WeChatError):
            await client.giftcard.batch_get_orders(begin_time=1, end_time=2, offset=0, count=1)
        client.delivery.add_account(shopid=SHOP, app_secret=CARRIER_SECRET)
        with pytest.raises(WeChatError):
            await client.delivery.pre_add_order(**{**copy.deepcopy(ORDER), "shopid": SHOP})
    messages = [e for e in observed.events if getattr(e, "errmsg", "")]
    assert any("rid: 6a1b" in e.errmsg for e in messages)  # WeChat's text is kept, masked
    assert any("cannot reach" in (getattr(e, "error", None) or "") for e in observed.events)
    _assert_observed_and_clean(observed, caplog)


async def test_the_search_finds_a_secret_the_masking_let_through(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check can fail: with the observers' masking off, the access token is found."""
    import wechat_async._observe

    monkeypatch.setattr(wechat_async._observe, "redact", lambda text: text)
    observed = Observed()
    router = respx.Router()
    router.post(f"{BASE}/cgi-bin/stable_token").respond(
        json={"access_token": ACCESS_TOKEN, "expires_in": 7200}
    )
    router.post(f"{BASE}/card/giftcard/order/get").respond(json={"errcode": 40099, "errmsg": "x"})
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http,
        WeChatClient(APPID, APP_SECRET, http_client=http, hooks=observed.hooks) as client,
    ):
        with pytest.raises(WeChatError):
            await client.giftcard.get_order(order_id="o1")
    found = leaks(observed.texts(caplog), ACCESS_TOKEN)
    assert any("in a hook argument" in f for f in found)
    assert any("in a span" in f for f in found)
