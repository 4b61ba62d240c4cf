"""The emulator's time-driven behaviour through the SDK and the wire: a superseded token's
grace period, the slow-body fault, and the live order stream a sync "up to now" meets."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from wechat_async.errors import TransportError
from wechat_async.testing import Emulator, Faults

GET_ORDER = "/card/giftcard/order/get"
BATCHGET = "/card/giftcard/order/batchget"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@asynccontextmanager
async def in_process(wx: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=wx.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as http:
        yield http


async def new_token(http: httpx.AsyncClient, wx: Emulator) -> str:
    query = {"grant_type": "client_credential", "appid": wx.appid, "secret": wx.secret}
    data: dict[str, Any] = (await http.get("/cgi-bin/token", params=query)).json()
    token: str = data["access_token"]
    return token


async def answer(http: httpx.AsyncClient, token: str, order_id: str) -> int:
    reply = await http.post(GET_ORDER, params={"access_token": token}, json={"order_id": order_id})
    errcode: int = reply.json()["errcode"]
    return errcode


# -- token grace ------------------------------------------------------------------------------
async def test_a_superseded_token_works_until_its_grace_ends_then_is_40001() -> None:
    clock = Clock(1_800_000_000.0)
    wx = Emulator(orders=1, token_grace=300, clock=clock)
    order_id = wx.book.orders()[0]["order_id"]
    async with in_process(wx) as http:
        old = await new_token(http, wx)
        clock.now += 60
        new = await new_token(http, wx)  # supersedes `old` now: its grace runs 300 s from here
        superseded_at = clock.now
        clock.now = superseded_at + 299.5
        assert await answer(http, old, order_id) == 0
        assert await answer(http, new, order_id) == 0
        clock.now = superseded_at + 300
        assert await answer(http, old, order_id) == 40001
        assert await answer(http, new, order_id) == 0
        # A refresh after the grace forgets the dead token; it stays 40001, never 0 again.
        await new_token(http, wx)
        assert await answer(http, old, order_id) == 40001


async def test_an_sdk_client_keeps_its_superseded_token_through_the_grace() -> None:
    clock = Clock(1_800_000_000.0)
    wx = Emulator(orders=1, token_grace=300, clock=clock)
    order_id = wx.book.orders()[0]["order_id"]
    async with wx.client(token_endpoint="token") as client, in_process(wx) as http:
        await client.giftcard.get_order(order_id=order_id)
        await new_token(http, wx)  # another process refreshes
        clock.now += 299
        issued = wx.tokens.issued
        await client.giftcard.get_order(order_id=order_id)
        assert wx.tokens.issued == issued  # within the grace: no 40001, no refresh
        clock.now += 2
        await client.giftcard.get_order(order_id=order_id)  # 40001 -> refresh -> replay
        assert wx.tokens.issued == issued + 1


# -- slow bodies ------------------------------------------------------------------------------
@pytest.mark.slow
async def test_a_slow_body_arrives_whole_and_takes_its_time() -> None:
    slow = Faults(slow_body=1, slow_body_seconds=0.6)
    async with Emulator(orders=3, path_faults={GET_ORDER: slow}) as wx:
        order_id = wx.book.orders()[0]["order_id"]
        async with wx.client() as client:
            await client.giftcard.list_pages()  # the token, before timing
            started = time.monotonic()
            got = await client.giftcard.get_order(order_id=order_id)
            elapsed = time.monotonic() - started
    assert got.order.order_id == order_id
    assert got.order.total_price == wx.book.get(order_id)["total_price"]  # type: ignore[index]
    assert elapsed >= 0.4, elapsed  # generous: the reply trickles over 0.6 s
    assert wx.requests[GET_ORDER] == 1


@pytest.mark.slow
async def test_a_deadline_shorter_than_a_slow_body_is_a_transport_error() -> None:
    slow = Faults(slow_body=1, slow_body_seconds=5.0)
    async with Emulator(orders=3, path_faults={GET_ORDER: slow}) as wx:
        order_id = wx.book.orders()[0]["order_id"]
        async with wx.client() as client:
            await client.giftcard.list_pages()  # the token, outside the short deadline
            started = time.monotonic()
            with pytest.raises(TransportError, match="deadline") as info:
                await client.with_options(deadline=0.5).giftcard.get_order(order_id=order_id)
            elapsed = time.monotonic() - started
            # The reply was on its way: WeChat had read the request.
            assert info.value.may_have_been_applied
            pages = (await client.giftcard.list_pages()).page_id_list
            assert pages == sorted(wx.giftcards.pages)  # still serving
    assert elapsed < 4.0, elapsed  # the deadline cut the trickle short


# -- the live order stream ---------------------------------------------------------------------
def _streamed(first: int, last: int) -> set[str]:
    return {f"NEW{k:08d}" for k in range(first, last + 1)}


async def test_streamed_orders_carry_the_time_they_were_bought() -> None:
    clock = Clock(1_800_000_000.0)
    wx = Emulator(orders_per_second=2, clock=clock)
    start = int(clock.now)
    clock.now += 10  # 20 orders bought, none read yet
    async with wx.client() as client:
        first = await client.giftcard.batch_get_orders(
            begin_time=start, end_time=start + 4, count=100
        )
        # Order k is bought at start + k/2 s: those of seconds 0 to 4 are k = 1..9, whenever
        # the emulator is first asked.
        assert {o.order_id for o in first.order_list} == _streamed(1, 9)
        everything = await client.giftcard.batch_get_orders(
            begin_time=start, end_time=start + 10, count=100
        )
    assert everything.total_count == 20
    assert [o.create_time for o in everything.order_list] == [start + k // 2 for k in range(1, 21)]


@pytest.mark.parametrize("pipelined", [False, True])
async def test_a_sync_up_to_now_while_orders_stream_in(pipelined: bool) -> None:
    days, per_second = 40, 50
    start_time = 1_767_225_600
    clock = Clock(start_time + days * 86400.0)  # the stream starts after the generated orders
    wx = Emulator(
        orders=1_500, start_time=start_time, days=days, orders_per_second=per_second, clock=clock
    )
    clock.now += 20  # 1,000 orders bought before the sync starts (order k at k/50 s)
    now = int(clock.now)
    existing = {f"FAKE{i:08d}" for i in range(1_500)} | _streamed(1, 20 * per_second)

    def tick(path: str, body: object) -> None:
        # Each page read takes 20 ms of the emulator's time: one more order bought per page,
        # still within the sync's last second (its end), so the last window keeps growing.
        if path == BATCHGET:
            clock.now += 0.02

    wx.on_request = tick
    async with wx.client() as client:
        sync = client.giftcard.iter_orders(wx.start_time, now, concurrency=4, page_size=100)
        if pipelined:
            async with sync:
                ids = [order.order_id async for order in sync]
        else:
            ids = [order.order_id async for order in sync]
    assert len(ids) == len(set(ids)), "an order was yielded twice"
    assert existing <= set(ids), sorted(existing - set(ids))[:5]
    grown = len(wx.book) - len(existing)
    assert grown >= 10  # the stream was live: orders were bought while the sync read
    # Those bought during the sync are in its range ("now" is their second): it reads them,
    # up to the last page it asks for.
    assert set(ids) - existing, "the sync saw none of the orders bought while it ran"
    assert set(ids) <= {o["order_id"] for o in wx.book.orders()}
