"""``async for`` over a sync outside ``async with``: it reads ahead in a task of its own while
the loop iterates, and stops reading when the loop ends, fails or is left."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from tests.helpers import CountedFetch, emulator_and_client
from wechat_async.giftcard import OrderSync
from wechat_async.giftcard._sync import _leaves

BATCHGET = "/card/giftcard/order/batchget"


def every(count: int) -> set[str]:
    return {f"FAKE{i:08d}" for i in range(count)}


async def test_a_plain_loop_fetches_while_its_body_works() -> None:
    async with emulator_and_client(3_000, days=5, latency=0.01) as (wx, client):
        fetch = CountedFetch(client)
        sync = OrderSync(fetch, wx.start_time, wx.end_time, concurrency=4)
        ids: list[str] = []
        async for order in sync:
            if not ids:
                at_first = fetch.ended
                await anyio.sleep(0.3)  # the body's own work: pages arrive meanwhile
                during_the_body = fetch.ended - at_first
            ids.append(order.order_id)
        await fetch.wait_until_none_in_flight()
    assert during_the_body >= 4  # before, nothing was fetched while the body ran
    assert len(ids) == 3_000
    assert set(ids) == every(3_000)
    assert fetch.started == fetch.ended == 30  # one request a page, none cancelled


async def test_breaking_out_stops_the_read_ahead_and_leaves_the_client_usable() -> None:
    async with emulator_and_client(5_000, latency=0.5) as (wx, client):
        fetch = CountedFetch(client)
        sync = OrderSync(fetch, wx.start_time, wx.end_time, concurrency=8)
        async for _ in sync:
            break
        started = fetch.started
        await fetch.wait_until_none_in_flight()
        assert fetch.ended < fetch.started  # the pages in flight were cancelled, not read
        await fetch.assert_nothing_left_running()
        assert fetch.started == started  # none started after the break
        await client.giftcard.get_order(order_id="FAKE00000001")
    assert sync.checkpoint.skip == 1


async def test_an_error_in_the_body_stops_the_read_ahead() -> None:
    async with emulator_and_client(5_000, latency=0.5) as (wx, client):
        fetch = CountedFetch(client)
        sync = OrderSync(fetch, wx.start_time, wx.end_time, concurrency=8)

        async def fail_in_the_body() -> None:
            async for _ in sync:
                raise KeyError("the body's bug")

        with pytest.raises(KeyError):
            await fail_in_the_body()
        started = fetch.started
        await fetch.wait_until_none_in_flight()
        await fetch.assert_nothing_left_running()
        assert fetch.started == started


@pytest.mark.parametrize("stop_after", [1, 99, 100, 101, 777, 1_999])
async def test_a_second_loop_after_a_break_goes_on_with_every_order_once(stop_after: int) -> None:
    async with emulator_and_client(2_000, days=3, latency=0.02) as (wx, client):
        sync = client.giftcard.iter_orders(wx.start_time, wx.end_time, concurrency=8)
        first: list[str] = []
        async for order in sync:
            first.append(order.order_id)
            if len(first) == stop_after:
                break  # with pages in flight: they are fetched again by the next loop
        with anyio.fail_after(30):  # a page left unfetched would wait forever
            rest = [order.order_id async for order in sync]
    assert len(first) + len(rest) == 2_000
    assert set(first) | set(rest) == every(2_000)


async def test_a_defect_in_the_read_ahead_is_raised_in_the_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with emulator_and_client(1_000, days=3) as (wx, client):
        sync = client.giftcard.iter_orders(wx.start_time, wx.end_time, concurrency=4)
        planned = 0
        plan = OrderSync._plan

        def plan_then_fail(self: OrderSync, *, ahead: bool = True) -> Any:
            nonlocal planned
            planned += 1
            if planned == 3:
                raise ZeroDivisionError("a defect while planning")
            return plan(self, ahead=ahead)

        monkeypatch.setattr(OrderSync, "_plan", plan_then_fail)

        async def read_all() -> None:
            async for _ in sync:
                pass

        with pytest.raises(Exception) as caught:  # noqa: PT011 (the group of the read-ahead)
            await read_all()
    assert [type(leaf) for leaf in _leaves(caught.value)] == [ZeroDivisionError]


async def test_anext_by_hand_reads_every_order_with_nothing_left_running() -> None:
    async with emulator_and_client(1_500, days=3) as (wx, client):
        fetch = CountedFetch(client)
        sync = OrderSync(fetch, wx.start_time, wx.end_time, concurrency=4)
        ids = []
        while True:
            try:
                order = await anext(sync)
            except StopAsyncIteration:
                break
            ids.append(order.order_id)
            if len(ids) == 50:
                await fetch.assert_nothing_left_running()  # between two calls, nothing runs
    assert len(ids) == 1_500
    assert set(ids) == every(1_500)


async def test_the_sync_holds_its_read_ahead_before_the_task_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An eager task factory (Python 3.12) runs a task's first steps inside create_task: the
    # fetchers, which stop once their read-ahead is not the sync's, must find it already set.
    from wechat_async.giftcard import _sync

    async with emulator_and_client(300, days=3) as (wx, client):
        sync = client.giftcard.iter_orders(wx.start_time, wx.end_time, concurrency=4)
        held_at_spawn: list[bool] = []
        spawn = _sync.spawn

        def checked_spawn(work: Any, name: str) -> None:
            held_at_spawn.append(sync._reader is not None)
            spawn(work, name)

        monkeypatch.setattr(_sync, "spawn", checked_spawn)
        ids = [order.order_id async for order in sync]
    assert held_at_spawn == [True]
    assert len(ids) == 300
