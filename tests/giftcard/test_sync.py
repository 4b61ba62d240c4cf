"""iter_orders against the local fake server: exactly once, under faults, inserts, resume."""

from __future__ import annotations

import datetime as dt
import itertools
from contextlib import AsyncExitStack

import anyio
import pytest
import respx

from tests.helpers import client_for, emulator_and_client, mock_token
from wechat_async import QuotaExceededError, RequestValidationError, WeChatClient
from wechat_async.giftcard import MAX_ORDER_WINDOW, Order, SyncCheckpoint, split_windows


def test_split_windows_cover_the_range_in_31_day_steps() -> None:
    windows = split_windows(0, 100 * 86400)
    assert len(windows) == 4
    assert windows[0][0] == 0
    assert windows[-1][1] == 100 * 86400
    for (_, stop), (start, _) in itertools.pairwise(windows):
        assert stop == start  # shared boundary second, de-duplicated by the sync
    assert all(0 < b - a <= MAX_ORDER_WINDOW for a, b in windows)
    assert split_windows(5, 5) == [(5, 5)]


@pytest.mark.slow
async def test_20000_orders_over_100_days_with_5_percent_faults_exactly_once() -> None:
    async with emulator_and_client(20_000, days=100, fault_rate=0.05, seed=11) as (wx, client):
        sync = client.giftcard.iter_orders(wx.start_time, wx.end_time, concurrency=16)
        ids = [order.order_id async for order in sync]
    assert len(ids) == 20_000
    assert set(ids) == {f"FAKE{i:08d}" for i in range(20_000)}
    assert sync.progress.orders_done == 20_000
    assert sync.progress.windows_done == sync.progress.windows_total == 4
    # Faults were really injected and survived through retries.
    assert wx.requests["/card/giftcard/order/batchget"] > sync.progress.pages_done


@pytest.mark.parametrize("sort_type", ["ASC", "DESC"])
async def test_order_within_and_across_windows(sort_type: str) -> None:
    async with emulator_and_client(1_000, days=70) as (wx, client):
        times = [
            order.create_time
            async for order in client.giftcard.iter_orders(
                wx.start_time, wx.end_time, sort_type=sort_type, concurrency=4, page_size=37
            )
        ]
    assert len(times) == 1_000
    assert times == sorted(times, reverse=sort_type == "DESC")  # type: ignore[type-var]


@pytest.mark.slow
async def test_orders_inserted_mid_sync_shift_pages_but_nothing_repeats_or_goes_missing() -> None:
    async with emulator_and_client(3_000, days=60) as (wx, client):
        calls = 0

        def insert_early_orders(path: str, body: object) -> None:
            nonlocal calls
            calls += 1
            if path.endswith("batchget") and calls % 3 == 0:
                # Late-arriving orders dated at the very start: every page after them shifts.
                wx.book.add_new(wx.start_time + calls)

        wx.on_request = insert_early_orders
        ids = [
            order.order_id
            async for order in client.giftcard.iter_orders(
                wx.start_time, wx.end_time, concurrency=8, page_size=50
            )
        ]
    assert len(ids) == len(set(ids)), "an order was yielded twice"
    original = {f"FAKE{i:08d}" for i in range(3_000)}
    assert original <= set(ids), f"missing {len(original - set(ids))} original orders"
    assert any(i.startswith("NEW") for i in ids)


@pytest.mark.slow
async def test_resume_from_checkpoint_completes_without_repeats() -> None:
    async with emulator_and_client(2_500, days=40) as (wx, client):
        first: list[str] = []
        sync = client.giftcard.iter_orders(wx.start_time, wx.end_time, page_size=40)
        async for order in sync:
            first.append(order.order_id)
            if len(first) == 1_234:
                break
        saved = sync.checkpoint.to_dict()
        resumed = client.giftcard.iter_orders(
            wx.start_time, wx.end_time, page_size=40, checkpoint=SyncCheckpoint.from_dict(saved)
        )
        rest = [order.order_id async for order in resumed]
    assert saved["skip"] > 0  # stopped in the middle of a page
    assert len(first) + len(rest) == 2_500
    assert set(first).isdisjoint(rest)
    assert set(first) | set(rest) == {f"FAKE{i:08d}" for i in range(2_500)}


async def test_progress_callback_sees_every_page() -> None:
    pages: list[int] = []
    async with emulator_and_client(950, days=10) as (wx, client):
        sync = client.giftcard.iter_orders(
            wx.start_time, wx.end_time, page_size=100, progress=lambda p: pages.append(p.pages_done)
        )
        async for _ in sync:
            pass
    assert pages == list(range(1, 11))
    assert (sync.progress.orders_done, sync.progress.orders_total) == (950, 950)
    assert sync.progress.windows_done == sync.progress.windows_total == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"begin_time": 100, "end_time": 50}, "end_time"),
        ({"concurrency": 0}, "concurrency"),
        ({"page_size": 101}, "page_size"),
        ({"sort_type": "UP"}, "sort_type"),
        ({"checkpoint": SyncCheckpoint(0, 1, "ASC", 100)}, "checkpoint"),
        ({"begin_time": dt.datetime(2026, 1, 1)}, "begin_time"),  # naive: zone unknown
        ({"end_time": "2026-01-02"}, "end_time"),
        ({"begin_time": True}, "begin_time"),
        ({"begin_time": -5}, "begin_time"),
        ({"concurrency": 2.5}, "concurrency"),
        ({"page_size": None}, "page_size"),
    ],
)
def test_iter_orders_bad_input_names_the_field(kwargs: dict[str, object], field: str) -> None:
    client = WeChatClient("wx", "secret")
    options: dict[str, object] = {"begin_time": 0, "end_time": 86400, **kwargs}
    with pytest.raises(RequestValidationError) as info:
        client.giftcard.iter_orders(**options)  # type: ignore[arg-type]
    assert field in info.value.fields


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"count": 101}, "count"),
        ({"count": 0}, "count"),
        ({"end_time": 1_700_000_000 + 40 * 86400}, "end_time"),
        ({"end_time": 1_600_000_000}, "end_time"),
        ({"sort_type": "asc"}, "sort_type"),
        ({"offset": -1}, "offset"),
        ({"begin_time": "yesterday"}, "begin_time"),
    ],
)
async def test_batch_get_orders_rejects_bad_input_before_sending(
    changes: dict[str, object], field: str
) -> None:
    router = respx.Router(assert_all_called=False)
    route = router.post(url__regex=".*")
    call: dict[str, object] = {
        "begin_time": 1_700_000_000,
        "end_time": 1_700_000_000 + 86400,
        "count": 100,
        **changes,
    }
    async with client_for(router) as client:
        with pytest.raises(RequestValidationError) as info:
            await client.giftcard.batch_get_orders(**call)  # type: ignore[arg-type]
    assert field in info.value.fields
    assert route.call_count == 0


async def test_order_model_reads_loose_is_chat_room() -> None:
    async with emulator_and_client(50, days=1) as (wx, client):
        orders: list[Order] = [
            o async for o in client.giftcard.iter_orders(wx.start_time, wx.end_time)
        ]
    assert all(isinstance(o.is_chat_room, bool) for o in orders)
    assert all(o.total_price == sum(c.price for c in o.card_list) for o in orders)


async def test_a_failing_page_raises_the_wechat_error_itself() -> None:
    router = respx.Router()
    mock_token(router)
    router.post(url__regex=r".*/order/batchget.*").respond(
        json={"errcode": 45009, "errmsg": "reach max api daily quota limit"}
    )
    async with client_for(router) as client:
        sync = client.giftcard.iter_orders(0, 100 * 86400, concurrency=4)
        with pytest.raises(QuotaExceededError) as info:
            async for _ in sync:
                pass
    assert info.value.errcode == 45009
    assert sync.checkpoint.window == 0  # nothing handed out: resume from the start


@pytest.mark.slow
async def test_resume_right_after_an_order_on_the_shared_window_second_does_not_repeat_it() -> None:
    # 20,000 orders over 100 days are 432 s apart: FAKE00006200 is created exactly on the
    # second that window 0 and window 1 share.
    async with emulator_and_client(20_000, days=100) as (wx, client):
        boundary = split_windows(wx.start_time, wx.end_time)[0][1]
        first: list[str] = []
        sync = client.giftcard.iter_orders(wx.start_time, wx.end_time)
        async for order in sync:
            first.append(order.order_id)
            if order.create_time == boundary:
                break
        resumed = client.giftcard.iter_orders(
            wx.start_time, wx.end_time, checkpoint=sync.checkpoint
        )
        rest = [order.order_id async for order in resumed]
    assert first[-1] == "FAKE00006200"
    assert "FAKE00006200" not in rest
    assert len(first) + len(rest) == 20_000


@pytest.mark.slow
@pytest.mark.parametrize("pipelined", [False, True])
async def test_desc_sync_with_new_orders_arriving_at_the_newest_end(pipelined: bool) -> None:
    async with emulator_and_client(2_000, days=40) as (wx, client):
        calls = 0

        def buy_now(path: str, body: object) -> None:
            nonlocal calls
            calls += 1
            if path.endswith("batchget") and calls % 2 == 0:
                wx.book.add_new(wx.end_time - calls)  # newest first: every page shifts down

        wx.on_request = buy_now
        sync = client.giftcard.iter_orders(
            wx.start_time, wx.end_time, sort_type="DESC", concurrency=6, page_size=40
        )
        if pipelined:
            async with sync:
                ids = [order.order_id async for order in sync]
        else:
            ids = [order.order_id async for order in sync]
    assert len(ids) == len(set(ids))
    assert {f"FAKE{i:08d}" for i in range(2_000)} <= set(ids)


@pytest.mark.parametrize(
    "data",
    [
        {"begin_time": 0, "end_time": 1, "sort_type": "ASC"},  # page_size missing
        {"begin_time": 0, "end_time": 1, "sort_type": "ASC", "page_size": "100"},
        {"begin_time": 0, "end_time": 1, "sort_type": "ASC", "page_size": 100, "extra": 1},
        ["not", "a", "dict"],
    ],
)
def test_a_damaged_checkpoint_is_a_value_error(data: object) -> None:
    with pytest.raises(ValueError, match="SyncCheckpoint"):
        SyncCheckpoint.from_dict(data)  # type: ignore[arg-type]


async def test_aware_datetimes_are_accepted_as_bounds() -> None:
    async with emulator_and_client(100, days=2) as (wx, client):
        begin = dt.datetime.fromtimestamp(wx.start_time, tz=dt.timezone.utc)
        end = dt.datetime.fromtimestamp(wx.start_time + 86400 - 1, tz=dt.timezone.utc)
        ids = [order.order_id async for order in client.giftcard.iter_orders(begin, end)]
    assert ids == [f"FAKE{i:08d}" for i in range(50)]


@pytest.mark.slow
@pytest.mark.parametrize("pipelined", [False, True])
async def test_pages_fetched_ahead_stay_bounded_by_concurrency(pipelined: bool) -> None:
    """Memory holds a few ``concurrency`` pages, not the orders: a slow consumer does not make
    the sync read ahead."""
    concurrency, size = 4, 10
    async with emulator_and_client(3_000, days=20) as (wx, client):
        sync = client.giftcard.iter_orders(
            wx.start_time, wx.end_time, concurrency=concurrency, page_size=size
        )
        async with AsyncExitStack() as stack:
            if pipelined:
                await stack.enter_async_context(sync)
            consumed = 0
            async for _ in sync:
                consumed += 1
                if consumed % 500 == 0:
                    await anyio.sleep(0.05)  # a slow consumer: the producer may run ahead
                    ahead = wx.requests["/card/giftcard/order/batchget"] - consumed // size
                    assert ahead <= 2 * concurrency + 2, f"{ahead} pages read ahead"
                if consumed == 2_000:
                    break


@pytest.mark.slow
async def test_resume_from_inside_the_reread_of_a_grown_window_misses_no_original_order() -> None:
    async with emulator_and_client(2_000, days=20) as (wx, client):
        calls = 0

        def insert_early_orders(path: str, body: object) -> None:
            nonlocal calls
            calls += 1
            if path.endswith("batchget") and calls % 3 == 0:
                wx.book.add_new(wx.start_time + calls)

        wx.on_request = insert_early_orders
        first: list[str] = []
        last_time = -1
        sync = client.giftcard.iter_orders(wx.start_time, wx.end_time, concurrency=8, page_size=50)
        async for order in sync:
            first.append(order.order_id)
            assert order.create_time is not None
            if order.create_time < last_time:
                break  # the first order of the re-read: time went back
            last_time = order.create_time
        else:
            pytest.fail("the window never grew: nothing was re-read")
        wx.on_request = None
        resumed = client.giftcard.iter_orders(
            wx.start_time, wx.end_time, page_size=50, checkpoint=sync.checkpoint
        )
        rest = [order.order_id async for order in resumed]
    assert {f"FAKE{i:08d}" for i in range(2_000)} <= set(first) | set(rest)
