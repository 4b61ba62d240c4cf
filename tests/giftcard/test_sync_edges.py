"""iter_orders at its edges: ranges, window and page boundaries, one consumer, checkpoints that
come back from a file."""

from __future__ import annotations

import tracemalloc
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import anyio
import anyio.lowlevel
import pytest

from tests.helpers import fast_retry
from wechat_async import RequestValidationError, WeChatClient, WeChatError
from wechat_async.giftcard import BatchGetOrdersResponse, OrderSync, SyncCheckpoint, SyncInUseError
from wechat_async.testing import Emulator


async def _never(**request: Any) -> BatchGetOrdersResponse:
    raise AssertionError("nothing is fetched before the sync is read")


def test_a_range_beyond_unix_seconds_is_refused_before_anything_is_planned() -> None:
    """Issue 15 item 19: iter_orders(0, 10**15) planned ~370 million windows first (it hung and
    grew memory). WeChat keeps times as unsigned 32-bit seconds: refused at once, by field."""
    client = WeChatClient("wx", "secret")
    with pytest.raises(RequestValidationError) as info:
        client.giftcard.iter_orders(0, 10**15)
    assert info.value.fields == ("end_time",)
    with pytest.raises(RequestValidationError) as info:
        client.giftcard.iter_orders(2**32, 2**32 + 1)
    assert set(info.value.fields) == {"begin_time", "end_time"}


@pytest.mark.parametrize("sort_type", ["ASC", "DESC"])
def test_the_widest_range_is_planned_lazily(sort_type: str) -> None:
    """1,604 windows of 31 days: none is built before it is read."""
    tracemalloc.start()
    try:
        sync = OrderSync(_never, 0, 2**32 - 1, sort_type=sort_type)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sync.progress.windows_total == 1604
    assert peak < 16_000, f"{peak} bytes to plan the range"


@asynccontextmanager
async def emulated(orders: int, **options: Any) -> AsyncIterator[tuple[Emulator, WeChatClient]]:
    async with (
        Emulator(orders=orders, **options) as wx,
        WeChatClient(wx.appid, wx.secret, base_url=wx.base_url, retry=fast_retry()) as client,
    ):
        yield wx, client


@pytest.mark.parametrize("pipelined", [False, True])
async def test_a_second_task_reading_the_same_sync_gets_a_typed_error(pipelined: bool) -> None:
    """Issue 15 item 20: two tasks reading one OrderSync hit an internal IndexError. One
    consumer per sync: the second, while the first waits for a page, is told so."""
    async with emulated(600, days=10) as (wx, client):
        sync = client.giftcard.iter_orders(wx.start_time, wx.end_time, page_size=50)
        got: list[str] = []
        refused: list[SyncInUseError] = []

        async def read() -> None:
            try:
                async for order in sync:
                    got.append(order.order_id)
                    await anyio.lowlevel.checkpoint()  # the other task runs between two orders
            except SyncInUseError as exc:
                refused.append(exc)

        async with AsyncExitStack() as stack:
            if pipelined:
                await stack.enter_async_context(sync)
            async with anyio.create_task_group() as tg:
                tg.start_soon(read)
                tg.start_soon(read)
    assert len(refused) == 1
    assert "another task" in str(refused[0])
    assert isinstance(refused[0], WeChatError)
    assert sorted(got) == [f"FAKE{i:08d}" for i in range(600)]  # the first read them all


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"window": -1}, "checkpoint.window"),
        ({"window": 5}, "checkpoint.window"),
        ({"window": 4, "offset": 100}, "checkpoint.offset"),
        ({"offset": -100}, "checkpoint.offset"),
        ({"offset": 10**7}, "checkpoint.offset"),
        ({"skip": 101}, "checkpoint.skip"),
        ({"skip": -1}, "checkpoint.skip"),
    ],
)
def test_a_checkpoint_no_sync_writes_is_refused_by_field(
    changes: dict[str, int], field: str
) -> None:
    """Issue 15 item 1: a checkpoint with window=-1 read the last window again (1,070 rows for
    1,000 orders). Its values are range-checked, by from_dict and by iter_orders."""
    client = WeChatClient("wx", "secret")
    bad = SyncCheckpoint(0, 100 * 86400, "ASC", 100, **changes)
    with pytest.raises(RequestValidationError) as info:
        client.giftcard.iter_orders(0, 100 * 86400, checkpoint=bad)
    assert field in info.value.fields


@pytest.mark.parametrize(
    "changes",
    [{"window": -1}, {"offset": -100}, {"skip": 101}, {"page_size": 0}, {"end_time": 2**32}],
)
def test_a_checkpoint_file_no_sync_writes_is_a_value_error(changes: dict[str, int]) -> None:
    data = SyncCheckpoint(0, 100 * 86400, "ASC", 100).to_dict() | changes
    with pytest.raises(ValueError, match=f"SyncCheckpoint.{next(iter(changes))}"):
        SyncCheckpoint.from_dict(data)
