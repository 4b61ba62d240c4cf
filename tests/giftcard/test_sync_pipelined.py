"""iter_orders consumed inside ``async with`` (pipelined prefetch): same guarantees as the
plain iterator, plus outstanding fetches cancelled when the block is left."""

from __future__ import annotations

import anyio
import pytest
import respx

from tests.helpers import CountedFetch, client_for, emulator_and_client, mock_token
from wechat_async import QuotaExceededError
from wechat_async.giftcard import OrderSync, SyncCheckpoint

BATCHGET = "/card/giftcard/order/batchget"


async def drain(sync: OrderSync, fail_with: Exception | None = None) -> None:
    async with sync:
        async for _ in sync:
            if fail_with is not None:
                raise fail_with


@pytest.mark.slow
async def test_20000_orders_with_faults_exactly_once_pipelined() -> None:
    async with (
        emulator_and_client(20_000, days=100, fault_rate=0.05, seed=5) as (wx, client),
        client.giftcard.iter_orders(wx.start_time, wx.end_time, concurrency=16) as sync,
    ):
        ids = [order.order_id async for order in sync]
    assert len(ids) == 20_000
    assert set(ids) == {f"FAKE{i:08d}" for i in range(20_000)}
    assert sync.progress.orders_done == 20_000
    # the totals count an order on a shared window-boundary second once per window
    assert 20_000 <= sync.progress.orders_total <= 20_003
    assert sync.progress.windows_done == 4
    assert wx.requests[BATCHGET] > sync.progress.pages_done  # faults were retried


@pytest.mark.parametrize("sort_type", ["ASC", "DESC"])
async def test_pipelined_keeps_the_order(sort_type: str) -> None:
    async with (
        emulator_and_client(900, days=70) as (wx, client),
        client.giftcard.iter_orders(
            wx.start_time, wx.end_time, sort_type=sort_type, concurrency=3, page_size=29
        ) as sync,
    ):
        times = [order.create_time async for order in sync]
    assert len(times) == 900
    assert times == sorted(times, reverse=sort_type == "DESC")  # type: ignore[type-var]


@pytest.mark.slow
async def test_pipelined_orders_inserted_mid_sync_no_repeat_none_missing() -> None:
    async with emulator_and_client(3_000, days=60) as (wx, client):
        calls = 0

        def insert(path: str, body: object) -> None:
            nonlocal calls
            calls += 1
            if path == BATCHGET and calls % 4 == 0:
                wx.book.add_new(wx.start_time + calls)  # shifts every later page by one

        wx.on_request = insert
        async with client.giftcard.iter_orders(
            wx.start_time, wx.end_time, concurrency=8, page_size=50
        ) as sync:
            ids = [order.order_id async for order in sync]
    assert len(ids) == len(set(ids))
    assert {f"FAKE{i:08d}" for i in range(3_000)} <= set(ids)
    assert any(i.startswith("NEW") for i in ids)


@pytest.mark.slow
async def test_breaking_out_cancels_the_fetches_in_flight() -> None:
    async with emulator_and_client(8_000, latency=0.05) as (wx, client):
        fetch = CountedFetch(client)
        sync = OrderSync(fetch, wx.start_time, wx.end_time, concurrency=8)
        async with sync:
            async for _ in sync:
                break
        # Leaving the block cancelled the prefetched pages (each takes 50 ms to answer).
        await fetch.assert_nothing_left_running()
        assert fetch.started < 8_000 // 100  # far from every page
        with pytest.raises(RuntimeError, match="checkpoint"):
            await sync.__anext__()
    assert sync.checkpoint.skip == 1


@pytest.mark.slow
async def test_resume_a_pipelined_sync_from_its_checkpoint() -> None:
    async with emulator_and_client(2_000, days=40) as (wx, client):
        first: list[str] = []
        async with client.giftcard.iter_orders(wx.start_time, wx.end_time, page_size=30) as sync:
            async for order in sync:
                first.append(order.order_id)
                if len(first) == 777:
                    break
        saved = SyncCheckpoint.from_dict(sync.checkpoint.to_dict())
        async with client.giftcard.iter_orders(
            wx.start_time, wx.end_time, page_size=30, checkpoint=saved
        ) as resumed:
            rest = [order.order_id async for order in resumed]
    assert len(first) + len(rest) == 2_000
    assert set(first) | set(rest) == {f"FAKE{i:08d}" for i in range(2_000)}


async def test_a_failing_page_raises_the_wechat_error_itself_pipelined() -> None:
    router = respx.Router()
    mock_token(router)
    router.post(url__regex=r".*/order/batchget.*").respond(
        json={"errcode": 45009, "errmsg": "reach max api daily quota limit"}
    )
    async with client_for(router) as client:
        sync = client.giftcard.iter_orders(0, 100 * 86400, concurrency=4)
        with pytest.raises(QuotaExceededError):
            await drain(sync)
    assert sync.checkpoint.window == 0


async def test_an_error_in_the_consumer_comes_out_as_itself() -> None:
    async with emulator_and_client(500) as (wx, client):
        sync = client.giftcard.iter_orders(wx.start_time, wx.end_time)
        with pytest.raises(KeyError):
            await drain(sync, fail_with=KeyError("consumer bug"))


async def test_enter_once_and_before_iterating() -> None:
    async with emulator_and_client(300, days=5) as (wx, client):
        sync = client.giftcard.iter_orders(wx.start_time, wx.end_time)
        await sync.__anext__()
        with pytest.raises(RuntimeError, match="before iterating"):
            await sync.__aenter__()
        # The plain iterator is still whole after the refused enter.
        assert len([o async for o in sync]) == 299


@pytest.mark.slow
async def test_a_timeout_around_the_block_cancels_it_cleanly() -> None:
    async with emulator_and_client(5_000, latency=0.01) as (wx, client):
        read = 0
        fetch = CountedFetch(client)
        sync = OrderSync(fetch, wx.start_time, wx.end_time, concurrency=8)
        with anyio.move_on_after(1.0) as scope:  # about 1,000 orders read; room on a slow machine
            async with sync:
                async for _ in sync:
                    read += 1
                    await anyio.sleep(0.001)  # slower than the fetches: the timeout hits
        assert scope.cancelled_caught
        assert 0 < read < 5_000
        await fetch.assert_nothing_left_running()
        # The client still works, and the checkpoint resumes exactly after the last order read.
        resumed = client.giftcard.iter_orders(
            wx.start_time, wx.end_time, checkpoint=sync.checkpoint
        )
        rest = [order.order_id async for order in resumed]
    assert read + len(rest) == 5_000
    assert rest[0] == f"FAKE{read:08d}"


@pytest.mark.slow
async def test_a_sync_cut_at_any_instant_resumes_exactly_once() -> None:
    """A cancellation reaching the fetchers first (their page marked done without a reply)
    and the consumer, woken by them, only at its next wait: the consumer took that page
    (AssertionError) instead of seeing its own cancellation."""
    async with emulator_and_client(2_000, days=20, latency=0.01) as (wx, client):
        expected = {f"FAKE{i:08d}" for i in range(2_000)}
        for point in range(100):
            ids: list[str] = []
            sync = client.giftcard.iter_orders(wx.start_time, wx.end_time, concurrency=8)
            with anyio.move_on_after(0.001 * point):
                async with sync:
                    async for order in sync:
                        ids.append(order.order_id)
            rest = client.giftcard.iter_orders(
                wx.start_time, wx.end_time, concurrency=8, checkpoint=sync.checkpoint
            )
            async with rest:
                ids.extend([order.order_id async for order in rest])
            assert len(ids) == len(set(ids)) == 2_000, point
            assert set(ids) == expected
