"""What the emulator remembers of the requests it served: counts by routed path (unknown paths
under one key, so probing made-up paths cannot grow memory), and a bounded log of each
request's path, query and JSON body with secrets masked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from wechat_async import DeliveryOrderNotFoundError
from wechat_async.testing import Emulator, Faults, Quota, RecordedRequest

GET_ORDER = "/card/giftcard/order/get"


@asynccontextmanager
async def in_process(wx: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=wx.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as http:
        yield http


@pytest.mark.slow
async def test_unknown_paths_are_counted_under_one_key_and_held_memory_stays_small() -> None:
    wx = Emulator()
    async with in_process(wx) as http:
        for n in range(2000):
            reply = await http.post(f"/made/up/{n}/" + "x" * 4000, json={"n": n})
            assert reply.json()["errcode"] == 40066
    assert wx.requests == {"<unrouted>": 2000}
    # 2,000 paths of 4 KB each were 8 MB of keys; now a log of 1,000 short entries.
    assert len(wx.request_log) == 1000
    held = sum(len(r.path) + len(r._raw or b"") + len(str(r.query)) for r in wx.request_log)
    assert held < 300_000, held
    assert wx.request_log[-1].path.startswith("/made/up/1999/")
    assert max(len(r.path) for r in wx.request_log) <= 256
    assert wx.request_log[-1].body == {"n": 1999}
    assert (wx.request_log[-1].status, wx.request_log[-1].errcode) == (404, 40066)


async def test_the_log_keeps_each_requests_path_query_and_body_with_secrets_masked() -> None:
    wx = Emulator(orders=2)
    order_id = wx.book.orders()[0]["order_id"]
    async with wx.client() as client:
        await client.giftcard.get_order(order_id=order_id)
        client.delivery.add_account(
            shopid="test_shop_id", app_secret="test_app_secrect", delivery_id="TEST"
        )
        with pytest.raises(DeliveryOrderNotFoundError):
            await client.delivery.get_order(shopid="test_shop_id", shop_order_id="nope", shop_no="")
    token_call, order_call = wx.request_log[0], wx.request_log[1]
    assert token_call.path == "/cgi-bin/stable_token"
    assert token_call.body["secret"] == "***"
    assert token_call.body["appid"] == wx.appid
    assert order_call == RecordedRequest(
        "POST", GET_ORDER, {"access_token": "***"}, 200, 0, raw=order_call._raw
    )
    assert order_call.body == {"order_id": order_id}
    carrier_call = wx.request_log[2]
    assert carrier_call.body["delivery_sign"] == "***"
    assert carrier_call.errcode == 930563
    shown = repr(list(wx.request_log)) + repr([r.body for r in wx.request_log])
    assert wx.secret not in shown
    assert wx.tokens.issued
    for token in list(wx.tokens._tokens):
        assert token not in shown


async def test_the_log_holds_the_last_requests_and_leaves_large_bodies_out() -> None:
    wx = Emulator(request_log=3)
    async with in_process(wx) as http:
        for n in range(5):
            await http.post(f"/p{n}", json={"n": n})
        await http.post("/big", content=b'{"a": "' + b"x" * 20_000 + b'"}')
    assert [r.path for r in wx.request_log] == ["/p3", "/p4", "/big"]
    assert wx.request_log[-1].body is None  # over 16 KiB: not kept


async def test_quota_counts_forget_past_minutes_and_days() -> None:
    now = [1_767_225_600.0]
    wx = Emulator(orders=1, quota=Quota(per_minute=100, per_day=10_000), clock=lambda: now[0])
    order_id = wx.book.orders()[0]["order_id"]
    async with wx.client() as client:
        for _ in range(30):
            await client.giftcard.get_order(order_id=order_id)
            now[0] += 3600  # an hour a call: 30 minutes and two days of counts
    assert len(wx.app._minute) == 1
    assert len(wx.app._day) == 1


def test_the_faults_docstring_names_the_parameter_that_exists() -> None:
    assert Faults.__doc__ is not None
    assert "path_faults={" in Faults.__doc__
    assert "Emulator(faults={" not in Faults.__doc__
    Emulator(path_faults={GET_ORDER: Faults(latency=0.1)})
