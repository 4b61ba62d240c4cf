"""Resume at every stopping point: break after each order, save the checkpoint as JSON, resume
from it; every order comes out exactly once. Pages come from an order book in memory."""

from __future__ import annotations

import json
from contextlib import AsyncExitStack
from typing import Any

import anyio.lowlevel
import pytest

from wechat_async import InvalidParameterError
from wechat_async._convert import structure_response
from wechat_async.giftcard import (
    MAX_ORDER_WINDOW,
    BatchGetOrdersResponse,
    OrderSync,
    SyncCheckpoint,
    UnreadOrdersError,
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
        await anyio.lowlevel.checkpoint()
        if key not in self.cache:
            total, orders = self.book.page(
                begin_time, end_time, descending=sort_type == "DESC", offset=offset, count=count
            )
            if any(order["order_id"] in self.book.unreadable for order in orders):
                raise InvalidParameterError(40097, "接收者的openid不能为空", endpoint="batchget")
            reply = {"errcode": 0, "total_count": total, "order_list": orders}
            self.cache[key] = structure_response(reply, BatchGetOrdersResponse)
        return self.cache[key]


async def _read(sync: OrderSync, *, pipelined: bool, stop_after: int | None = None) -> list[str]:
    """The orders up to ``stop_after``, or all of them (an UnreadOrdersError at the end is
    left for the caller to find in ``sync.unread``)."""
    ids: list[str] = []
    reported = None
    async with AsyncExitStack() as stack:
        if pipelined:
            await stack.enter_async_context(sync)
        try:
            async for order in sync:
                ids.append(order.order_id)
                if len(ids) == stop_after:
                    break
        except UnreadOrdersError as exc:
            reported = exc.unread
    assert reported in (None, sync.unread)
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


@pytest.mark.parametrize("pipelined", [False, True])
@pytest.mark.parametrize("sort_type", ["ASC", "DESC"])
async def test_a_resume_from_every_stopping_point_reports_each_unread_order_once(
    sort_type: str, pipelined: bool
) -> None:
    """Issue 16 item 6 with a checkpoint: unread orders before it are carried, those after it
    found again; every other order once."""
    book, ids = _book(98, 5, 98)
    for n in (10, 99, 150, 151):  # 99: the first page's last, on the shared second
        book.make_unreadable(ids[n])
    readable = sorted(set(ids) - book.unreadable)
    fetch = _Pages(book)
    end = SHARED + 98
    straight = OrderSync(fetch, BEGIN, end, sort_type=sort_type, concurrency=4)
    assert sorted(await _read(straight, pipelined=pipelined)) == readable
    expected = straight.unread
    assert len(expected) == 5  # the one on the shared second is in both windows
    for stop in range(1, len(readable)):
        sync = OrderSync(fetch, BEGIN, end, sort_type=sort_type, concurrency=4)
        first = await _read(sync, pipelined=pipelined, stop_after=stop)
        saved = SyncCheckpoint.from_dict(json.loads(json.dumps(sync.checkpoint.to_dict())))
        resumed = OrderSync(fetch, BEGIN, end, sort_type=sort_type, checkpoint=saved)
        rest = await _read(resumed, pipelined=pipelined)
        assert sorted(first + rest) == readable, f"stopped after {stop}"
        assert resumed.unread == expected, f"stopped after {stop}"
