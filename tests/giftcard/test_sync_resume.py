"""Resume at every stopping point: break after each order, save the checkpoint as JSON, resume
from it; every order comes out exactly once. Pages come from an order book in memory."""

from __future__ import annotations

import json
from contextlib import AsyncExitStack
from typing import Any

import anyio.lowlevel
import pytest

from wechat_async._convert import structure_response
from wechat_async.giftcard import (
    MAX_ORDER_WINDOW,
    BatchGetOrdersResponse,
    OrderSync,
    SyncCheckpoint,
)
from wechat_async.testing import OrderBook

BEGIN = 1_700_000_000
#: the second windows 0 and 1 share
SHARED = BEGIN + MAX_ORDER_WINDOW


def _book(before: int, on_shared: int, after: int) -> tuple[OrderBook, list[str]]:
    """Orders a second apart before and after the shared second, and some on it."""
    book = OrderBook()
    times = [SHARED - before + i for i in range(before)]
    times += [SHARED] * on_shared
    times += [SHARED + 1 + i for i in range(after)]
    ids = [book.add_new(t)["order_id"] for t in times]
    return book, ids


class _Pages:
    """``batch_get_orders`` over an order book, replies decoded once and reused."""

    def __init__(self, book: OrderBook) -> None:
        self.book = book
        self.cache: dict[tuple[Any, ...], BatchGetOrdersResponse] = {}

    async def __call__(
        self, *, begin_time: int, end_time: int, sort_type: str, offset: int, count: int
    ) -> BatchGetOrdersResponse:
        key = (begin_time, end_time, sort_type, offset, count)
        if key not in self.cache:
            total, orders = self.book.page(
                begin_time, end_time, descending=sort_type == "DESC", offset=offset, count=count
            )
            reply = {"errcode": 0, "total_count": total, "order_list": orders}
            self.cache[key] = structure_response(reply, BatchGetOrdersResponse)
        await anyio.lowlevel.checkpoint()
        return self.cache[key]


async def _read(sync: OrderSync, *, pipelined: bool, stop_after: int | None = None) -> list[str]:
    ids: list[str] = []
    async with AsyncExitStack() as stack:
        if pipelined:
            await stack.enter_async_context(sync)
        async for order in sync:
            ids.append(order.order_id)
            if len(ids) == stop_after:
                break
    return ids


@pytest.mark.parametrize("pipelined", [False, True])
@pytest.mark.parametrize("sort_type", ["ASC", "DESC"])
async def test_a_resume_from_every_stopping_point_yields_each_order_once(
    sort_type: str, pipelined: bool
) -> None:
    """Issue 15 item 2: five orders share the second two windows share, and it spans the
    windows' first two pages (the default page size). A checkpoint taken on the second page
    forgot the first page's orders on that second: the next window yielded them again."""
    book, ids = _book(98, 5, 98)
    fetch = _Pages(book)
    end = SHARED + 98
    for stop in range(1, len(ids)):
        sync = OrderSync(fetch, BEGIN, end, sort_type=sort_type, concurrency=4)
        first = await _read(sync, pipelined=pipelined, stop_after=stop)
        saved = SyncCheckpoint.from_dict(json.loads(json.dumps(sync.checkpoint.to_dict())))
        resumed = OrderSync(fetch, BEGIN, end, sort_type=sort_type, checkpoint=saved)
        rest = await _read(resumed, pipelined=pipelined)
        assert len(first) + len(rest) == len(ids), f"stopped after {stop}: {set(first) & set(rest)}"
        assert sorted(first + rest) == sorted(ids), f"stopped after {stop}"


def _three_windows() -> tuple[OrderBook, list[str], int]:
    """Three windows; 12 orders on the first shared second, 9 on the second, pages of 7."""
    second = SHARED + MAX_ORDER_WINDOW
    book = OrderBook()
    times = [SHARED - 10 + i for i in range(10)] + [SHARED] * 12
    times += [SHARED + 1 + i for i in range(8)] + [second - 5 + i for i in range(5)]
    times += [second] * 9 + [second + 1 + i for i in range(11)]
    return book, [book.add_new(t)["order_id"] for t in times], second + 11


@pytest.mark.parametrize("pipelined", [False, True])
@pytest.mark.parametrize("sort_type", ["ASC", "DESC"])
async def test_a_chain_of_resumes_across_three_windows_yields_each_order_once(
    sort_type: str, pipelined: bool
) -> None:
    """Stop every ``step`` orders and resume from the last checkpoint, until the end: what a
    checkpoint carries survives checkpoints taken by resumed syncs."""
    book, ids, end = _three_windows()
    fetch = _Pages(book)
    for step in (1, 2, 3, 5, 7, 8, 13):
        got: list[str] = []
        checkpoint = None
        for _ in range(len(ids) + 2):
            sync = OrderSync(
                fetch,
                BEGIN,
                end,
                sort_type=sort_type,
                page_size=7,
                concurrency=3,
                checkpoint=checkpoint,
            )
            batch = await _read(sync, pipelined=pipelined, stop_after=step)
            got += batch
            if len(batch) < step:
                break
            checkpoint = SyncCheckpoint.from_dict(json.loads(json.dumps(sync.checkpoint.to_dict())))
        assert len(got) == len(ids), f"step {step}: {len(got)} orders"
        assert sorted(got) == sorted(ids), f"step {step}"
