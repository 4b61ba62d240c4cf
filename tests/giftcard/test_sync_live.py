"""iter_orders on a live merchant: orders created while the sync runs, requests counted."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import pytest

from tests.helpers import fast_retry
from wechat_async import WeChatClient
from wechat_async.giftcard import split_windows
from wechat_async.testing import Emulator

BATCHGET = "/card/giftcard/order/batchget"


@asynccontextmanager
async def live(
    orders: int, days: int, per_request: int
) -> AsyncIterator[tuple[Emulator, WeChatClient]]:
    """A merchant selling ``per_request`` orders each time the sync asks for a page, each
    created "now": after every order before it, at the end of the last window (ASC's tail)."""
    async with (
        Emulator(orders=orders, days=days) as wx,
        WeChatClient(wx.appid, wx.secret, base_url=wx.base_url, retry=fast_retry()) as client,
    ):
        now = wx.end_time - 1_000  # after the last generated order (they are 1728 s apart)

        def sell(path: str, body: object) -> None:
            nonlocal now
            if path == BATCHGET:
                for _ in range(per_request):
                    now += 1
                    wx.book.add_new(now)

        wx.on_request = sell
        yield wx, client


def pages_needed(wx: Emulator, size: int) -> int:
    """Pages a sync reading the book as it ends up must read: each window's orders / size."""
    return sum(
        max(1, math.ceil(wx.book.page(b, e, descending=False, offset=0, count=0)[0] / size))
        for b, e in split_windows(wx.start_time, wx.end_time)
    )


@pytest.mark.slow
@pytest.mark.parametrize("pipelined", [False, True])
async def test_asc_sync_up_to_now_reads_the_new_tail_not_the_whole_window(pipelined: bool) -> None:
    size, concurrency = 50, 8
    async with live(3_000, days=60, per_request=3) as (wx, client):
        sync = client.giftcard.iter_orders(
            wx.start_time, wx.end_time, concurrency=concurrency, page_size=size
        )
        async with AsyncExitStack() as stack:
            if pipelined:
                await stack.enter_async_context(sync)
            ids = [order.order_id async for order in sync]
        wx.on_request = None
        requests = wx.requests[BATCHGET]
        needed = pages_needed(wx, size)
        windows = len(split_windows(wx.start_time, wx.end_time))
        in_book = len(wx.book)
    assert len(ids) == len(set(ids)), "an order was yielded twice"
    assert {f"FAKE{i:08d}" for i in range(3_000)} <= set(ids)
    # Orders created while the sync reads are appended after it: it reads them too, up to
    # the last page it asks for (orders sold after that page are for the next sync).
    assert in_book - len(ids) <= 3 * concurrency
    print(f"requests {requests}, pages needed {needed}, windows {windows}")
    assert requests <= 1.1 * needed + windows, f"{requests} requests for {needed} pages"
