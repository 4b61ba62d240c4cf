"""iter_orders at its edges: ranges, window and page boundaries, one consumer, checkpoints that
come back from a file."""

from __future__ import annotations

import tracemalloc
from typing import Any

import pytest

from wechat_async import RequestValidationError, WeChatClient
from wechat_async.giftcard import BatchGetOrdersResponse, OrderSync


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
